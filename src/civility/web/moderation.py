"""The moderator dashboard: the review queue and the approved/rejected lists with filters,
each comment with scores, reasons and its decision history; approve/reject forms (CSRF),
and a clear page when another moderator decided first."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.domain import CommentStatus
from civility.moderation.language import PUBLISHER_LANGUAGES, UNDETERMINED, language_name, valid_code
from civility.web import csrf
from civility.web.api_moderation import queue_item_out
from civility.web.auth import safe_next
from civility.web.deps import ModeratorSession, find_moderator, get_platform, template_context

router = APIRouter(include_in_schema=False)

_STATUSES = tuple(s.value for s in CommentStatus)
_NOTICES = {
    "approve": "Comment #{id} approved: it is now public.",
    "reject": "Comment #{id} rejected: it will never appear.",
}


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/moderate/login?" + urlencode({"next": target}), status_code=303)


def _all_articles(request: Request) -> list:
    """Every article for the filter menu (pages through the list; newsrooms have hundreds, not millions)."""
    platform = get_platform(request)
    articles, cursor = [], None
    for _ in range(20):
        page = platform.list_articles(limit=200, cursor=cursor)
        articles.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    return articles


@router.get("/moderate", response_class=HTMLResponse)
def dashboard(
    request: Request,
    status: str = "pending",
    article: str | None = None,
    after: str | None = None,
    done: str | None = None,
    id: int | None = None,
    lang: str | None = None,
) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        return _login_redirect(request)
    status = status if status in _STATUSES else CommentStatus.PENDING.value
    article_id = article or None
    lang = lang if lang and valid_code(lang) else None
    page = get_platform(request).review_queue(status=status, article_id=article_id, after=after or None, limit=50,
                                              lang=lang)
    base_query = {"status": status, **({"article": article_id} if article_id else {}), **({"lang": lang} if lang else {})}
    back_url = "/moderate?" + urlencode(base_query)
    notice = _NOTICES[done].format(id=id) if done in _NOTICES and id is not None else None
    context = template_context(
        request,
        moderator=moderator,
        status=status,
        article_id=article_id,
        articles=_all_articles(request),
        lang=lang,
        languages=[(code, language_name(code)) for code in (*PUBLISHER_LANGUAGES, UNDETERMINED)],
        counts=get_platform(request).comment_counts(article_id),
        items=[queue_item_out(i) for i in page.items],
        next_cursor=page.next_cursor,
        next_url="/moderate?" + urlencode({**base_query, "after": page.next_cursor or ""}),
        back_url=back_url,
        notice=notice,
    )
    return request.app.state.templates.TemplateResponse(request, "dashboard.html", context)


def _detail(request: Request, moderator: ModeratorSession, comment_id: int, *, conflict: str | None = None,
            status_code: int = 200) -> Response:
    item = get_platform(request).queue_item(comment_id)
    context = template_context(
        request,
        moderator=moderator,
        item=queue_item_out(item),
        conflict=conflict,
        back_url=f"/moderate/comments/{comment_id}",
    )
    return request.app.state.templates.TemplateResponse(request, "comment_detail.html", context, status_code=status_code)


@router.get("/moderate/comments/{comment_id}", response_class=HTMLResponse)
def comment_detail(request: Request, comment_id: int) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        return _login_redirect(request)
    return _detail(request, moderator, comment_id)


@router.post("/moderate/comments/{comment_id}/decision", response_class=HTMLResponse)
async def decide(
    request: Request,
    comment_id: int,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    expected_version: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/moderate",
) -> Response:
    return await run_in_threadpool(
        _decide, request, comment_id, decision, reason, expected_version, csrf_token, back
    )


def _decide(request: Request, comment_id: int, decision: str, reason: str, expected_version: str,
            csrf_token: str, back: str) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, csrf_token)
    if decision not in ("approve", "reject"):
        raise errors.ValidationError({"decision": "must be approve or reject"})
    try:
        version = int(expected_version) if expected_version.strip() else None
    except ValueError:
        raise errors.ValidationError({"expected_version": "must be a whole number"}) from None
    try:
        get_platform(request).decide(
            comment_id,
            decision,
            actor=moderator.actor,
            reason=reason.strip() or None,
            expected_version=version,
        )
    except errors.Conflict as exc:
        return _detail(request, moderator, comment_id, conflict=str(exc), status_code=409)
    target = safe_next(back)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}{urlencode({'done': decision, 'id': comment_id})}", status_code=303)
