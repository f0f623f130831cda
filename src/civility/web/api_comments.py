"""JSON API for readers' comments: submit (202 held / 201 published, Idempotency-Key
honoured) and list approved comments with public fields only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from civility.domain import CommentStatus
from civility.web.comment_form import outcome_message, receipt_for
from civility.web.deps import client_ip, get_platform, get_settings, require_json
from civility.web.schemas import CommentIn, CommentPageOut, ErrorOut, PublicCommentOut, SubmitOut
from civility.workflow.types import Outcome

router = APIRouter(prefix="/api", tags=["comments"])

_ERRORS = {
    404: {"model": ErrorOut, "description": "No such article"},
    422: {"model": ErrorOut, "description": "Per-field messages in `fields`"},
}


@router.get(
    "/articles/{article_id}/comments",
    response_model=CommentPageOut,
    responses=_ERRORS,
    summary="Approved comments of an article, in the order they were posted",
)
def list_comments(
    request: Request,
    article_id: str,
    after: Annotated[str | None, Query(max_length=500, description="cursor from `next_cursor`: the next page")] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> CommentPageOut:
    # An unknown article is a 404 (raised by the platform), not an empty list.
    page = get_platform(request).public_comments(
        article_id, after=after or None, limit=limit or get_settings(request).page_size
    )
    return CommentPageOut(items=[PublicCommentOut.model_validate(c) for c in page.items], next_cursor=page.next_cursor)


@router.post(
    "/articles/{article_id}/comments",
    response_model=SubmitOut,
    status_code=202,
    dependencies=[Depends(require_json)],
    responses={
        200: {"model": SubmitOut, "description": "Stored and not published (it breaks a community rule)"},
        201: {"model": SubmitOut, "description": "Published at once"},
        202: {"description": "Stored and held for review"},
        415: {"model": ErrorOut, "description": "Not JSON"},
        429: {"model": ErrorOut, "description": "Too many comments; see Retry-After"},
        **_ERRORS,
    },
    summary="Submit a comment (stored before the answer; held for review unless published at once)",
)
def submit_comment(
    request: Request,
    response: Response,
    article_id: str,
    comment: CommentIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key", max_length=200, description="a retry with the same key returns the first result"
        ),
    ] = None,
) -> SubmitOut:
    result = get_platform(request).submit_comment(
        article_id,
        comment.name,
        comment.email,
        comment.text,
        ip=client_ip(request),
        idempotency_key=idempotency_key or None,
        parent_id=comment.parent_id,
    )
    status = result.status.value
    response.status_code = {CommentStatus.APPROVED: 201, CommentStatus.REJECTED: 200}.get(result.status, 202)
    if not result.created:
        response.headers["Idempotent-Replayed"] = "true"
    settings = get_settings(request)
    rules = list(result.rules) if settings.rejection_detail == "rule" else []
    outcome = Outcome(status=result.status, rules=tuple(rules))
    return SubmitOut(
        id=result.comment_id,
        status=status,
        message=outcome_message(settings, outcome),
        rules=rules,
        receipt=receipt_for(settings, result.comment_id),
    )
