"""Readers report a published comment (no account): a small form page with a reason, on the
site (/articles/ID/comments/CID/report) and inside the embed frame (/embed/comments/CID/report).
Signed form token, same-origin check, honeypot, rate limit; nothing about the reader is shown back.
Also the JSON status of a signed submission receipt, which the page polls to update its notice."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.web import comment_form, csrf
from civility.web.deps import client_ip, get_platform, get_settings, template_context
from civility.web.i18n import PageLanguage, reader_language

router = APIRouter(include_in_schema=False)
STATUS_CHECKS_PER_HOUR = 600


def _comment(request: Request, article_id: str, comment_id: int):
    """The published comment of this article, or NotFound (pending/rejected ones do not exist here)."""
    try:
        item = get_platform(request).queue_item(comment_id)
    except errors.NotFound:
        raise errors.NotFound("No such published comment.") from None
    c = item.comment
    if c.article_id != article_id or getattr(c.status, "value", c.status) != "approved" or c.erased:
        raise errors.NotFound("No such published comment.")
    return c


def _render(
    request: Request, article_id: str, comment_id: int, *, embed: bool, back: str, status_code: int = 200, **values
) -> Response:
    platform = get_platform(request)
    article = platform.get_article(article_id)
    comment = _comment(request, article.id, comment_id)
    context = template_context(
        request,
        article=article,
        comment={"id": comment.id, "name": comment.name, "text": comment.text},
        embed=embed,
        back_url=back,
        form_token=csrf.issue_form_token(get_settings(request).secret_key),
        reasons=comment_form_reasons(),
        values=values.pop("values", {"reason": "", "note": ""}),
        errors=values.pop("errors", {}),
        **values,
    )
    return request.app.state.templates.TemplateResponse(request, "report.html", context, status_code=status_code)


def comment_form_reasons():
    from civility.workflow.reports import REPORT_REASONS

    return REPORT_REASONS


def _paths(article_id: str, comment_id: int, embed: bool) -> str:
    if embed:
        return f"/embed/comments?{urlencode({'article': article_id})}#comment-{comment_id}"
    return f"/articles/{quote(article_id, safe='')}#comment-{comment_id}"


@router.get("/articles/{article_id}/comments/{comment_id}/report", response_class=HTMLResponse)
def report_page(request: Request, article_id: str, comment_id: int) -> Response:
    return _render(request, article_id, comment_id, embed=False, back=_paths(article_id, comment_id, False))


@router.get("/embed/comments/{comment_id}/report", response_class=HTMLResponse)
def embed_report_page(request: Request, comment_id: int, article: Annotated[str, Query(max_length=200)]) -> Response:
    return _render(request, article, comment_id, embed=True, back=_paths(article, comment_id, True))


@router.post("/articles/{article_id}/comments/{comment_id}/report", response_class=HTMLResponse)
async def report_post(request: Request, article_id: str, comment_id: int) -> Response:
    form = await request.form()
    fields = {
        k: v if isinstance(v := form.get(k, ""), str) else "" for k in ("reason", "note", "csrf_token", "website")
    }
    return await run_in_threadpool(_post, request, article_id, comment_id, fields, False)


@router.post("/embed/comments/{comment_id}/report", response_class=HTMLResponse)
async def embed_report_post(
    request: Request, comment_id: int, article: Annotated[str, Query(max_length=200)]
) -> Response:
    form = await request.form()
    fields = {
        k: v if isinstance(v := form.get(k, ""), str) else "" for k in ("reason", "note", "csrf_token", "website")
    }
    return await run_in_threadpool(_post, request, article, comment_id, fields, True)


def _post(request: Request, article_id: str, comment_id: int, fields: dict[str, str], embed: bool) -> Response:
    settings = get_settings(request)
    back = _paths(article_id, comment_id, embed)
    values = {"reason": fields["reason"], "note": fields["note"][:500]}
    try:
        csrf.check_same_origin(request, settings.base_url)
        csrf.check_form_token(settings.secret_key, fields["csrf_token"])
    except errors.PermissionDenied as exc:
        try:
            return _render(
                request,
                article_id,
                comment_id,
                embed=embed,
                back=back,
                status_code=403,
                form_error=str(exc),
                values=values,
            )
        except errors.NotFound:
            raise exc from None
    if fields["website"]:  # a bot filled the invisible field: thank it, store nothing
        return _render(request, article_id, comment_id, embed=embed, back=back, done=True)
    _comment(request, article_id, comment_id)
    try:
        get_platform(request).report_comment(comment_id, fields["reason"], fields["note"], ip=client_ip(request))
    except errors.ValidationError as exc:
        return _render(
            request, article_id, comment_id, embed=embed, back=back, status_code=422, errors=exc.fields, values=values
        )
    except errors.RateLimited as exc:
        response = _render(
            request, article_id, comment_id, embed=embed, back=back, status_code=429, form_error=str(exc), values=values
        )
        response.headers["Retry-After"] = str(max(1, exc.retry_after))
        return response
    return _render(request, article_id, comment_id, embed=embed, back=back, done=True)


@router.get("/api/comments/status")
def receipt_status(
    request: Request,
    receipt: Annotated[str, Query(max_length=200)],
    lang: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The current state of the comment a signed receipt names (what the posting page shows), the
    message in the page's language (``lang``) where its catalog has it."""
    found = _receipt_status(request, receipt)
    found["message"] = PageLanguage(reader_language(lang)).gettext(found["message"])
    return JSONResponse(found, headers={"Cache-Control": "no-store"})


def _receipt_status(request: Request, receipt: str) -> dict:
    get_platform(request).count_public_request(
        "receipt", client_ip(request), limit=STATUS_CHECKS_PER_HOUR, message="Too many status checks; please wait."
    )
    found = comment_form.read_receipt(request, receipt)
    if found is None:
        raise errors.NotFound("No such receipt.")
    return {"status": found["status"], "message": found["message"]}
