"""JSON API for moderators (bearer token, or the session cookie plus X-CSRF-Token): the
review queue with scores, reasons and history; approve; reject; withdraw; a comment's audit log.
Approve and reject also revise an earlier decision when sent with the version the moderator saw
(``expected_version``) and a reason; withdraw takes down a published comment (reason required)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from civility.domain import CommentStatus
from civility.domain.categories import CATEGORY_TABLE
from civility.errors import NotFound
from civility.web.deps import ModeratorSession, get_platform, require_moderator_api
from civility.web.schemas import ErrorOut
from civility.web.schemas_moderation import (
    DecideIn,
    DecideOut,
    DecisionOut,
    EvidenceOut,
    ModeratorCommentOut,
    QueueItemOut,
    QueuePageOut,
    ReasonOut,
    ReportOut,
    VerdictOut,
)

router = APIRouter(prefix="/api/moderation", tags=["moderation"])

_AUTH_ERRORS = {
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "Wrong role or missing X-CSRF-Token"},
    422: {"model": ErrorOut},
}

Status = Literal["pending", "approved", "rejected"]


def decision_out(record) -> DecisionOut:
    return DecisionOut(
        id=record.id,
        comment_id=record.comment_id,
        decision=record.decision,
        actor=record.actor,
        created_at=record.created_at,
        reasons=list(record.reasons or []),
        scores=dict(record.scores or {}),
        model_version=record.model_version,
        policy_version=record.policy_version,
        note=record.note,
        categories=record.categories,
        overturn=record.overturn,
    )


def verdict_out(verdict) -> VerdictOut | None:
    if verdict is None:
        return None
    reasons = [
        ReasonOut(
            category=r.category,
            rule=CATEGORY_TABLE[r.category].rule if r.category in CATEGORY_TABLE else r.category,
            score=float(r.score),
            threshold=float(r.threshold),
            evidence=[EvidenceOut(start=e.start, end=e.end, text=e.text) for e in r.evidence],
            note=r.note,
        )
        for r in verdict.reasons
    ]
    return VerdictOut(
        decision=verdict.decision.value,
        scores={k: (None if v is None else float(v)) for k, v in verdict.scores.items()},
        reasons=reasons,
        model=verdict.model,
        policy=verdict.policy,
    )


def queue_item_out(item) -> QueueItemOut:
    c = item.comment
    return QueueItemOut(
        comment=ModeratorCommentOut(
            id=c.id,
            article_id=c.article_id,
            parent_id=c.parent_id,
            name=c.name,
            email=c.email,
            text=c.text,
            status=c.status.value,
            created_at=c.created_at,
            lang=c.lang,
            version=getattr(item, "version", None),
        ),
        article_title=item.article_title,
        verdict=verdict_out(item.verdict),
        decisions=[decision_out(d) for d in item.decisions],
        reports=[ReportOut(**r) for r in getattr(item, "reports", [])],
        open_reports=sum(1 for r in getattr(item, "reports", []) if r.get("status") == "open"),
    )


@router.get(
    "/queue", response_model=QueuePageOut, responses=_AUTH_ERRORS, summary="Comments by status (default: pending)"
)
def queue(
    request: Request,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    status: Status = "pending",
    article_id: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: Literal["oldest", "newest", "fine_first", "risky_first"] | None = None,
    category: Annotated[
        str | None, Query(max_length=40, description="a rule category of the machine's reasons")
    ] = None,
    lang: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z]{2,3}$",
            description="only comments identified as this language (ISO 639: en, ckb, kmr, ar, fa, tr; und = undetermined)",
        ),
    ] = None,
    email: Annotated[str | None, Query(max_length=254, description="the commenter's email (exact, any case)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="full-text search of the comment texts")] = None,
) -> QueuePageOut:
    page = get_platform(request).review_queue(
        status=status,
        article_id=article_id or None,
        after=after or None,
        limit=limit,
        sort=sort,
        category=category or None,
        lang=lang or None,
        email=email or None,
        q=q or None,
    )
    return QueuePageOut(items=[queue_item_out(i) for i in page.items], next_cursor=page.next_cursor)


@router.get(
    "/comments/{comment_id}/history",
    response_model=list[DecisionOut],
    responses={**_AUTH_ERRORS, 404: {"model": ErrorOut}},
    summary="The append-only decision log of one comment",
)
def history(
    request: Request, comment_id: int, moderator: Annotated[ModeratorSession, Depends(require_moderator_api)]
) -> list[DecisionOut]:
    return [decision_out(d) for d in get_platform(request).comment_history(comment_id)]


def _decide(
    request: Request, moderator: ModeratorSession, comment_id: int, decision: str, body: DecideIn | None
) -> DecideOut:
    body = body or DecideIn()
    record = get_platform(request).decide(
        comment_id,
        decision,
        actor=moderator.actor,
        reason=(body.reason or "").strip() or None,
        expected_version=body.expected_version,
        categories=body.categories,
    )
    return DecideOut(
        comment_id=comment_id,
        status=(CommentStatus.APPROVED if decision == "approve" else CommentStatus.REJECTED).value,
        decision=decision_out(record),
    )


_DECIDE_RESPONSES = {
    **_AUTH_ERRORS,
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Already decided, or the version moved"},
}


@router.post(
    "/comments/{comment_id}/approve",
    response_model=DecideOut,
    responses=_DECIDE_RESPONSES,
    summary="Approve a pending comment, or (with expected_version and a reason) a rejected one",
)
def approve(
    request: Request,
    comment_id: int,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: DecideIn | None = None,
) -> DecideOut:
    return _decide(request, moderator, comment_id, "approve", body)


@router.post(
    "/comments/{comment_id}/reject",
    response_model=DecideOut,
    responses=_DECIDE_RESPONSES,
    summary="Reject a pending comment, or (with expected_version and a reason) an approved one",
)
def reject(
    request: Request,
    comment_id: int,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: DecideIn | None = None,
) -> DecideOut:
    return _decide(request, moderator, comment_id, "reject", body)


@router.post(
    "/comments/{comment_id}/withdraw",
    response_model=DecideOut,
    responses=_DECIDE_RESPONSES,
    summary="Withdraw a published comment: it leaves the public pages, feeds and caches at once (reason required)",
)
def withdraw(
    request: Request,
    comment_id: int,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: DecideIn | None = None,
) -> DecideOut:
    return _decide(request, moderator, comment_id, "withdraw", body)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed: bool = True


class CloseOut(BaseModel):
    article_id: str
    closed: bool


@router.post(
    "/articles/{article_id}/comments-closed",
    response_model=CloseOut,
    responses={**_AUTH_ERRORS, 404: {"model": ErrorOut}},
    summary="Close (or reopen) an article's comments by hand",
)
def close_comments(
    request: Request,
    article_id: str,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: CloseIn | None = None,
) -> CloseOut:
    body = body or CloseIn()
    article = get_platform(request).close_comments(article_id, body.closed)
    return CloseOut(article_id=article.id, closed=article.comments_closed_at is not None)


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=200)
    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=1000)
    categories: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=12, description="the rule(s) a bulk rejection cites; required to reject"
    )
    dry_run: bool = Field(default=False, description="only count what would be decided")


class BulkOut(BaseModel):
    decision: str
    done: list[int] = Field(description="decided now (or, with dry_run, that would be)")
    skipped: list[int] = Field(description="not pending any more, or unknown")


@router.post(
    "/bulk",
    response_model=BulkOut,
    responses=_AUTH_ERRORS,
    summary="Approve or reject several pending comments; each gets its own audit row",
)
def bulk(
    request: Request, moderator: Annotated[ModeratorSession, Depends(require_moderator_api)], body: BulkIn
) -> BulkOut:
    platform = get_platform(request)
    if body.dry_run:
        done, skipped = [], []
        for cid in dict.fromkeys(body.ids):
            try:
                pending = platform.queue_item(cid).comment.status.value == "pending"
            except NotFound:
                pending = False
            (done if pending else skipped).append(cid)
        return BulkOut(decision=body.decision, done=done, skipped=skipped)
    result = platform.bulk_decide(
        body.ids,
        body.decision,
        actor=moderator.actor,
        reason=(body.reason or "").strip() or None,
        categories=body.categories if body.decision == "reject" else None,
    )
    return BulkOut(decision=body.decision, **result)


class CommenterOut(BaseModel):
    email: str
    counts: dict[str, int]
    total: int
    rejection_rate: float | None
    ban: dict | None
    recent: list[QueueItemOut]


@router.get(
    "/commenters",
    response_model=CommenterOut,
    responses=_AUTH_ERRORS,
    summary="A commenter's history by email: counts, rejection rate, ban, latest comments",
)
def commenter(
    request: Request,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    email: Annotated[str, Query(min_length=3, max_length=254)],
) -> CommenterOut:
    record = get_platform(request).commenter_history(email)
    return CommenterOut(**{**record, "recent": [queue_item_out(i) for i in record["recent"]]})


class BanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    reason: str = Field(max_length=1000)
    days: int | None = Field(default=None, description="empty: until lifted")


@router.post("/bans", responses=_AUTH_ERRORS, summary="Ban an address (its comments are held or rejected)")
def add_ban(
    request: Request, moderator: Annotated[ModeratorSession, Depends(require_moderator_api)], body: BanIn
) -> dict:
    return get_platform(request).ban(body.email, body.reason, actor=moderator.actor, days=body.days) or {}


@router.delete("/bans", responses=_AUTH_ERRORS, summary="Lift the bans of an address")
def lift_ban(
    request: Request,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    email: Annotated[str, Query(max_length=254)],
) -> dict:
    return {"lifted": get_platform(request).lift_ban(email)}
