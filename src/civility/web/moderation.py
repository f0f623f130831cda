"""The moderator dashboard: the review queue and the approved/rejected lists with filters,
each comment with scores, reasons and its decision history; approve/reject forms (CSRF),
and a clear page when another moderator decided first."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.domain import CommentStatus
from civility.domain.categories import CATEGORY_TABLE
from civility.moderation.language import PUBLISHER_LANGUAGES, UNDETERMINED, language_name, valid_code
from civility.web import csrf
from civility.web.api_moderation import queue_item_out
from civility.web.auth import safe_next
from civility.web.deps import ModeratorSession, find_moderator, get_platform, get_settings, template_context
from civility.workflow.decide import UNDO_WINDOW_S

router = APIRouter(include_in_schema=False)

_STATUSES = tuple(s.value for s in CommentStatus)
_NOTICES = {
    "approve": "Comment #{id} approved: it is now public.",
    "reject": "Comment #{id} rejected: it will never appear.",
    "withdraw": "Comment #{id} withdrawn: it is no longer public.",
    "closed": "Comments on this article are closed.",
    "opened": "Comments on this article are open again.",
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


_SORTS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "fine_first": "Most likely fine first",
    "risky_first": "Most likely to break a rule first",
}
BULK_MAX = 200


@router.get("/moderate", response_class=HTMLResponse)
def dashboard(
    request: Request,
    status: str = "pending",
    article: str | None = None,
    after: str | None = None,
    done: str | None = None,
    id: int | None = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    lang: Annotated[str | None, Query(max_length=16)] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    n: int | None = None,
    skipped: int | None = None,
    undo: Annotated[str | None, Query(max_length=8000)] = None,
) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        return _login_redirect(request)
    status = status if status in _STATUSES else CommentStatus.PENDING.value
    article_id = article or None
    sort = sort if sort in _SORTS else None
    category = category if category in CATEGORY_TABLE else None
    lang = lang if lang and valid_code(lang) else None
    filters = {
        k: v for k, v in (("sort", sort), ("category", category), ("lang", lang), ("email", email), ("q", q)) if v
    }
    page = get_platform(request).review_queue(
        status=status, article_id=article_id, after=after or None, limit=50, **{k: v for k, v in filters.items()}
    )
    base_query = {"status": status, **({"article": article_id} if article_id else {}), **filters}
    back_url = "/moderate?" + urlencode(base_query)
    notice = _NOTICES[done].format(id=id) if done in _NOTICES and id is not None else None
    if done in ("bulk-approve", "bulk-reject", "undo") and n is not None:
        verb = {"bulk-approve": "approved", "bulk-reject": "rejected", "undo": "back in the queue"}[done]
        notice = f"{n} comment{'' if n == 1 else 's'} {verb}" + (
            f"; {skipped} skipped (decided by someone else meanwhile)." if skipped else "."
        )
    undo_offer = _undo_offer(request, undo, moderator.actor) if done in ("bulk-approve", "bulk-reject") else None
    articles = _all_articles(request)
    context = template_context(
        request,
        moderator=moderator,
        status=status,
        article_id=article_id,
        articles=articles,
        article=next((a for a in articles if a.id == article_id), None) if article_id else None,
        comments_open=get_platform(request).comments_open,
        lang=lang,
        languages=[(code, language_name(code)) for code in (*PUBLISHER_LANGUAGES, UNDETERMINED)],
        counts=get_platform(request).comment_counts(article_id),
        items=[queue_item_out(i) for i in page.items],
        next_cursor=page.next_cursor,
        next_url="/moderate?" + urlencode({**base_query, "after": page.next_cursor or ""}),
        back_url=back_url,
        notice=notice,
        filters=filters,
        undo_offer=undo_offer,
        undo_back="/moderate?" + urlencode(base_query),
        sorts=_SORTS,
        categories=[c for c in CATEGORY_TABLE.values()],
    )
    return request.app.state.templates.TemplateResponse(request, "dashboard.html", context)


@router.post("/moderate/bulk", response_class=HTMLResponse)
async def bulk(request: Request) -> Response:
    form = await request.form()
    ids = [v for v in form.getlist("ids") if isinstance(v, str)][: BULK_MAX + 1]
    fields = {
        k: v if isinstance(v := form.get(k, ""), str) else ""
        for k in ("action", "csrf_token", "confirm", "back", "reason")
    }
    rules = [v for v in form.getlist("categories") if isinstance(v, str)][:12]
    return await run_in_threadpool(_bulk, request, ids, fields, rules)


def _bulk(request: Request, raw_ids: list[str], fields: dict[str, str], rules: list[str] | None = None) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, fields["csrf_token"])
    action = fields["action"]
    if action not in ("approve", "reject"):
        raise errors.ValidationError({"action": "approve or reject"})
    ids = [int(v) for v in raw_ids if v.isdigit() and len(v) < 19]
    if len(ids) > BULK_MAX:
        raise errors.ValidationError({"ids": f"at most {BULK_MAX} comments at once"})
    back = safe_next(fields["back"] or "/moderate")
    platform = get_platform(request)
    if fields["confirm"] != "yes":
        items = []
        for cid in ids:
            try:
                item = platform.queue_item(cid)
            except errors.NotFound:
                continue
            if getattr(item.comment.status, "value", item.comment.status) == "pending":
                items.append(queue_item_out(item))
        context = template_context(
            request, moderator=moderator, action=action, items=items, back_url=back, reason=fields["reason"][:1000]
        )
        return request.app.state.templates.TemplateResponse(request, "bulk_preview.html", context)
    result = platform.bulk_decide(
        ids,
        action,
        actor=moderator.actor,
        reason=fields["reason"].strip()[:1000] or None,
        categories=(rules or []) if action == "reject" else None,
    )
    joiner = "&" if "?" in back else "?"
    query = urlencode(
        {
            "done": f"bulk-{action}",
            "n": len(result["done"]),
            "skipped": len(result["skipped"]),
            "undo": _undo_tokens(request).dumps({"ids": result["done"], "by": moderator.actor}),
        }
    )
    return RedirectResponse(f"{back}{joiner}{query}", status_code=303)


def _undo_tokens(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings(request).secret_key, salt="civility.bulk-undo")


def _undo_offer(request: Request, token: str | None, actor: str) -> dict | None:
    """The bulk action this signed token names, while it can still be undone by this moderator."""
    if not token or len(token) > 8000:
        return None
    try:
        data = _undo_tokens(request).loads(token, max_age=UNDO_WINDOW_S)
    except BadSignature:
        return None
    if data.get("by") != actor or not data.get("ids"):
        return None
    return {"token": token, "count": len(data["ids"])}


@router.post("/moderate/bulk/undo", response_class=HTMLResponse)
async def bulk_undo(
    request: Request,
    token: Annotated[str, Form(max_length=8000)] = "",
    csrf_token: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/moderate",
) -> Response:
    return await run_in_threadpool(_bulk_undo, request, token, csrf_token, back)


def _bulk_undo(request: Request, token: str, csrf_token: str, back: str) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, csrf_token)
    try:
        data = _undo_tokens(request).loads(token, max_age=UNDO_WINDOW_S)
    except BadSignature:
        raise errors.Conflict("This action can no longer be undone (the undo window has passed).") from None
    if data.get("by") != moderator.actor:
        raise errors.PermissionDenied("Only the moderator who decided can undo.")
    ids = [int(i) for i in data.get("ids", []) if isinstance(i, int)][:BULK_MAX]
    result = get_platform(request).undo_decisions(ids, actor=moderator.actor)
    target = safe_next(back)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{joiner}" + urlencode({"done": "undo", "n": len(result["done"]), "skipped": len(result["skipped"])}),
        status_code=303,
    )


def _detail(
    request: Request,
    moderator: ModeratorSession,
    comment_id: int,
    *,
    conflict: str | None = None,
    status_code: int = 200,
) -> Response:
    item = get_platform(request).queue_item(comment_id)
    context = template_context(
        request,
        moderator=moderator,
        item=queue_item_out(item),
        conflict=conflict,
        back_url=f"/moderate/comments/{comment_id}",
    )
    return request.app.state.templates.TemplateResponse(
        request, "comment_detail.html", context, status_code=status_code
    )


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
    categories: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    return await run_in_threadpool(
        _decide, request, comment_id, decision, reason, expected_version, csrf_token, back, categories or []
    )


def _decide(
    request: Request,
    comment_id: int,
    decision: str,
    reason: str,
    expected_version: str,
    csrf_token: str,
    back: str,
    categories: list[str],
) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, csrf_token)
    if decision not in ("approve", "reject", "withdraw"):
        raise errors.ValidationError({"decision": "must be approve, reject or withdraw"})
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
            categories=categories if decision == "reject" else None,
        )
    except errors.Conflict as exc:
        return _detail(request, moderator, comment_id, conflict=str(exc), status_code=409)
    except errors.ValidationError as exc:
        if "reason" not in exc.fields:
            raise
        return _detail(request, moderator, comment_id, conflict=exc.fields["reason"], status_code=422)
    target = safe_next(back)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}{urlencode({'done': decision, 'id': comment_id})}", status_code=303)


@router.post("/moderate/articles/{article_id}/comments-closed", response_class=HTMLResponse)
async def close_comments(
    request: Request,
    article_id: str,
    closed: Annotated[str, Form(max_length=5)] = "1",
    csrf_token: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return await run_in_threadpool(_close, request, article_id, closed, csrf_token)


def _close(request: Request, article_id: str, closed: str, csrf_token: str) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, csrf_token)
    get_platform(request).close_comments(article_id, closed == "1")
    return RedirectResponse(
        "/moderate?" + urlencode({"article": article_id, "done": "closed" if closed == "1" else "opened", "id": 0}),
        status_code=303,
    )


@router.get("/moderate/commenters", response_class=HTMLResponse)
def commenter(request: Request, email: Annotated[str, Query(max_length=254)] = "") -> Response:
    """A commenter's history by email (moderators only; an email is never shown publicly)."""
    moderator = find_moderator(request)
    if moderator is None:
        return _login_redirect(request)
    record = get_platform(request).commenter_history(email) if email.strip() else None
    context = template_context(
        request,
        moderator=moderator,
        email=email,
        record=record,
        items=[queue_item_out(i) for i in record["recent"]] if record else [],
        back_url="/moderate/commenters?" + urlencode({"email": email}),
    )
    return request.app.state.templates.TemplateResponse(request, "commenter.html", context)


@router.post("/moderate/commenters/ban", response_class=HTMLResponse)
async def ban(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    days: Annotated[str, Form(max_length=5)] = "",
    action: Annotated[str, Form(max_length=10)] = "ban",
    csrf_token: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return await run_in_threadpool(_ban, request, email, reason, days, action, csrf_token)


def _ban(request: Request, email: str, reason: str, days: str, action: str, csrf_token: str) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        raise errors.PermissionDenied("Sign in as a moderator first.")
    csrf.check_session_token(moderator.csrf_token, csrf_token)
    platform = get_platform(request)
    if action == "lift":
        platform.lift_ban(email)
    else:
        if days.strip() and not days.strip().isdigit():
            raise errors.ValidationError({"days": "a whole number of days, or empty"})
        platform.ban(email, reason, actor=moderator.actor, days=int(days) if days.strip() else None)
    return RedirectResponse("/moderate/commenters?" + urlencode({"email": email}), status_code=303)


def _bars(
    values: list[tuple[str, float | None]], *, width: int = 600, height: int = 160, percent: bool = False
) -> dict:
    """Bar geometry for a server-rendered SVG chart (the template draws it; no script, no CDN)."""
    top = max([v for _, v in values if v is not None] or [0]) or 1
    if percent:
        top = 1
    slot = width / max(1, len(values))
    bars = []
    for i, (label, value) in enumerate(values):
        h = 0 if value is None else round((value / top) * (height - 20), 1)
        bars.append(
            {
                "x": round(i * slot + 1, 1),
                "w": max(1, round(slot - 2, 1)),
                "y": round(height - 20 - h, 1),
                "h": h,
                "label": label,
                "value": value,
            }
        )
    return {"width": width, "height": height, "bars": bars, "top": top, "percent": percent}


@router.get("/moderate/stats", response_class=HTMLResponse)
def stats_page(request: Request, days: int = 30) -> Response:
    moderator = find_moderator(request)
    if moderator is None:
        return _login_redirect(request)
    data = get_platform(request).stats(days)
    context = template_context(
        request,
        moderator=moderator,
        stats=data,
        per_day=_bars([(d[5:], n) for d, n in data["per_day"]]),
        automation=_bars([(d[5:], v) for d, v in data["automation"]], percent=True),
        rejected=_bars([(c, n) for c, n in data["rejected_by_category"]]),
    )
    return request.app.state.templates.TemplateResponse(request, "stats.html", context)
