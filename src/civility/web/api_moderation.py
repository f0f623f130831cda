"""JSON API for moderators (bearer token, or the session cookie plus X-CSRF-Token): the
review queue with scores, reasons and history; approve; reject; a comment's audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from civility.domain import CommentStatus
from civility.domain.categories import CATEGORY_TABLE
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
    )


@router.get("/queue", response_model=QueuePageOut, responses=_AUTH_ERRORS, summary="Comments by status (default: pending)")
def queue(
    request: Request,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    status: Status = "pending",
    article_id: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    lang: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$", description="only comments identified as this language (ISO 639: en, ckb, kmr, ar, fa, tr; und = undetermined)")] = None,
) -> QueuePageOut:
    page = get_platform(request).review_queue(status=status, article_id=article_id or None, after=after or None, limit=limit,
                                              lang=lang or None)
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


def _decide(request: Request, moderator: ModeratorSession, comment_id: int, decision: str, body: DecideIn | None) -> DecideOut:
    body = body or DecideIn()
    record = get_platform(request).decide(
        comment_id,
        decision,
        actor=moderator.actor,
        reason=(body.reason or "").strip() or None,
        expected_version=body.expected_version,
    )
    return DecideOut(
        comment_id=comment_id,
        status=(CommentStatus.APPROVED if decision == "approve" else CommentStatus.REJECTED).value,
        decision=decision_out(record),
    )


_DECIDE_RESPONSES = {**_AUTH_ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut, "description": "Already decided, or the version moved"}}


@router.post("/comments/{comment_id}/approve", response_model=DecideOut, responses=_DECIDE_RESPONSES, summary="Approve a pending comment")
def approve(
    request: Request,
    comment_id: int,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: DecideIn | None = None,
) -> DecideOut:
    return _decide(request, moderator, comment_id, "approve", body)


@router.post("/comments/{comment_id}/reject", response_model=DecideOut, responses=_DECIDE_RESPONSES, summary="Reject a pending comment")
def reject(
    request: Request,
    comment_id: int,
    moderator: Annotated[ModeratorSession, Depends(require_moderator_api)],
    body: DecideIn | None = None,
) -> DecideOut:
    return _decide(request, moderator, comment_id, "reject", body)
