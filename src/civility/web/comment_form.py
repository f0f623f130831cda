"""The reader's comment form, shared by the article page and the embed frame: what the page
shows around the list and form, and what happens when the form is posted (validation
messages next to the fields and every typed character kept; 429 keeps the text too)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.domain import Article
from civility.web import csrf
from civility.web.deps import client_ip, get_platform, get_settings, template_context
from civility.web.forms import read_text_fields
from civility.web.i18n import PageLanguage, reader_language

_FORM_FIELDS = ("name", "email", "text")
_HIDDEN_FIELDS = ("csrf_token", "idempotency_key", "website", "parent_id")
_RECEIPT_MAX_AGE = 7 * 24 * 3600


def _receipts(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="civility.receipt")


HELD = "Thank you. Your comment is held for review: a moderator reads it before it appears."
PUBLISHED = "Thank you. Your comment is published."
NOT_PUBLISHED = "Your comment was not published."


def outcome_message(settings, outcome) -> str:
    """The sentence a reader is told about their own comment (also in the API's answer)."""
    status = getattr(outcome.status, "value", outcome.status)
    if status == "approved":
        return PUBLISHED
    if status != "rejected":
        return HELD
    if settings.rejection_detail == "none":
        return NOT_PUBLISHED
    if outcome.rules:
        label = "The community rule it breaks" if len(outcome.rules) == 1 else "The community rules it breaks"
        return f"{NOT_PUBLISHED} {label}: {'; '.join(outcome.rules)}."
    if getattr(outcome, "by_moderator", False):
        return f"{NOT_PUBLISHED} A moderator found that it breaks the community rules."
    return NOT_PUBLISHED


def receipt_for(settings, comment_id: int) -> str:
    return _receipts(settings.secret_key).dumps(comment_id)


def read_receipt(request: Request, receipt: str | None) -> dict[str, str] | None:
    """What the page tells the reader who just posted: published, held, or not published (with
    the rule it broke, unless the publisher chose to say only that). The receipt is signed, so
    nobody can make the page show a message, nor learn a comment's fate without its receipt."""
    if not receipt or len(receipt) > 200:
        return None
    settings = get_settings(request)
    try:
        comment_id = int(_receipts(settings.secret_key).loads(receipt, max_age=_RECEIPT_MAX_AGE))
    except (BadSignature, TypeError, ValueError):
        return None
    try:
        outcome = get_platform(request).submission_outcome(comment_id)
    except errors.NotFound:
        return {"status": "pending", "message": HELD, "receipt": receipt}  # the honeypot's receipt names no comment
    status = getattr(outcome.status, "value", outcome.status)
    return {"status": status, "message": outcome_message(settings, outcome), "receipt": receipt}


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=lambda: {k: "" for k in _FORM_FIELDS})
    errors: dict[str, str] = field(default_factory=dict)
    form_error: str | None = None
    idempotency_key: str = ""
    parent_id: int | None = None


def page_context(
    request: Request,
    article: Article,
    *,
    page_url: str,
    form_action: str,
    after: str | None,
    page_query: dict[str, str] | None = None,
    state: FormState | None = None,
    submitted: str | None = None,
    reply_to: str | None = None,
    report_base: str = "",
) -> dict[str, Any]:
    """Everything the article and embed templates need: the article, one page of threads of
    approved comments, and the form (empty, or as the reader left it; a reply when ``reply_to``
    names a published comment of the article), in the page's language (the embed's ``lang``,
    else the article's)."""
    platform = get_platform(request)
    settings = get_settings(request)
    page = platform.public_threads(article.id, after=after or None, limit=settings.page_size)
    state = state or FormState()
    if state.parent_id is None and reply_to and reply_to.isdigit() and len(reply_to) < 19:
        state.parent_id = int(reply_to)
    reply_parent = _reply_parent(platform, article.id, state.parent_id)
    if reply_parent is None:
        state.parent_id = None
    query = dict(page_query or {})
    first_url = f"{page_url}?{urlencode(query)}" if query else page_url
    more_url = f"{page_url}?{urlencode({**query, 'after': page.next_cursor})}" if page.next_cursor else None
    language = PageLanguage(reader_language(query.get("lang"), article.lang))
    return template_context(
        request,
        **language.context(),
        article=article,
        threads=[_nest(thread) for thread in page.items],
        comment_count=platform.approved_count(article.id),
        comments_open=platform.comments_open(article),
        reply_parent=reply_parent,
        reply_url=lambda cid: f"{page_url}?{urlencode({**query, 'reply_to': cid})}#comment-form",
        cancel_reply_url=f"{first_url}#comment-form",
        report_url=lambda cid: f"{report_base}/{cid}/report" + (f"?{urlencode(query)}" if query else ""),
        next_cursor=page.next_cursor,
        after=after,
        first_url=first_url,
        more_url=more_url,
        form_action=form_action,
        form_token=csrf.issue_form_token(settings.secret_key),
        idempotency_key=state.idempotency_key or secrets.token_urlsafe(16),
        values=state.values,
        errors=state.errors,
        form_error=state.form_error,
        submitted=read_receipt(request, submitted),
    )


def _nest(thread) -> dict[str, Any]:
    """A thread's entries (reading order) as a tree of two levels for the template."""
    first = thread[0]
    root: dict[str, Any] = {"comment": first.comment, "depth": 0, "reply_to": None, "children": []}
    for entry in thread[1:]:
        node = {"comment": entry.comment, "depth": entry.depth, "reply_to": entry.reply_to, "children": []}
        if entry.depth == 1 or not root["children"]:
            root["children"].append(node)
        else:
            root["children"][-1]["children"].append(node)
    return root


def _reply_parent(platform, article_id: str, parent_id: int | None):
    """The published comment of this article being replied to, or None."""
    if parent_id is None:
        return None
    try:
        item = platform.queue_item(parent_id)
    except errors.NotFound:
        return None
    c = item.comment
    if c.article_id != article_id or getattr(c.status, "value", c.status) != "approved" or c.erased:
        return None
    return {"id": c.id, "name": c.name}


async def read_form(request: Request) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(typed values, hidden values, errors) from the posted form; anything not a string is
    dropped, and a field that is not UTF-8 text is blank with a message in ``errors``."""
    fields, bad = await read_text_fields(request, _FORM_FIELDS + _HIDDEN_FIELDS)
    values = {k: fields[k] for k in _FORM_FIELDS}
    hidden = {k: fields[k] for k in _HIDDEN_FIELDS}
    return values, hidden, bad


async def handle_post(
    request: Request,
    article_id: str,
    *,
    template: str,
    page_url: str,
    form_action: str,
    redirect_query: dict[str, str],
    report_base: str = "",
) -> Response:
    """Read the form here, then do the database work off the event loop."""
    values, hidden, bad = await read_form(request)
    return await run_in_threadpool(
        process_post,
        request,
        article_id,
        values,
        hidden,
        bad=bad,
        template=template,
        page_url=page_url,
        form_action=form_action,
        redirect_query=redirect_query,
        report_base=report_base,
    )


def process_post(
    request: Request,
    article_id: str,
    values: dict[str, str],
    hidden: dict[str, str],
    *,
    template: str,
    page_url: str,
    form_action: str,
    redirect_query: dict[str, str],
    report_base: str = "",
    bad: dict[str, str] | None = None,
) -> Response:
    """Post the comment; on success 303 back to the page with the outcome, otherwise the
    same page again with messages, the reader's text and the same idempotency key."""
    platform = get_platform(request)
    settings = get_settings(request)
    templates = request.app.state.templates
    article = platform.get_article(article_id)
    parent = hidden.get("parent_id", "").strip()
    state = FormState(
        values=values,
        idempotency_key=hidden.get("idempotency_key", "")[:200],
        parent_id=int(parent) if parent.isdigit() and len(parent) < 19 else None,
    )

    def again(status: int, headers: dict[str, str] | None = None) -> Response:
        context = page_context(
            request,
            article,
            page_url=page_url,
            page_query=redirect_query,
            form_action=form_action,
            after=None,
            state=state,
            report_base=report_base,
        )
        return templates.TemplateResponse(request, template, context, status_code=status, headers=headers)

    if bad:  # bytes that are not UTF-8: nothing is stored, the reader is told which field
        state.errors = {k: v for k, v in bad.items() if k in _FORM_FIELDS}
        if set(bad) - set(_FORM_FIELDS):
            state.form_error = "The form was not sent as UTF-8 text; please send it again."
        return again(422)

    try:
        csrf.check_same_origin(request, settings.base_url)
        csrf.check_form_token(settings.secret_key, hidden.get("csrf_token"))
    except errors.PermissionDenied as exc:
        state.form_error = f"{exc} Your text is kept below."
        return again(403)

    def done(comment_id: int) -> Response:
        receipt = receipt_for(settings, comment_id)
        query = urlencode({**redirect_query, "submitted": receipt})
        return RedirectResponse(f"{page_url}?{query}#comment-form", status_code=303)

    if hidden.get("website"):
        # A bot filled the invisible field: answer exactly as for a held comment, store nothing.
        return done(-secrets.randbelow(10**9) - 1)

    def submit(key: str | None):
        return platform.submit_comment(
            article.id,
            values["name"],
            values["email"],
            values["text"],
            ip=client_ip(request),
            idempotency_key=key,
            parent_id=state.parent_id,
        )

    try:
        try:
            result = submit(state.idempotency_key or None)
        except errors.CommentsClosed:
            raise
        except errors.Conflict:
            # The form's key was used for a different text (the reader went back and edited
            # after posting): this is a new comment, so it gets a new key.
            state.idempotency_key = secrets.token_urlsafe(16)
            result = submit(state.idempotency_key)
    except errors.ValidationError as exc:
        state.errors = dict(exc.fields)
        return again(422)
    except errors.RateLimited as exc:
        wait = max(1, exc.retry_after)
        minutes = max(1, round(wait / 60))
        state.form_error = (
            f"You have posted a lot in a short time. Please wait about {minutes} minute"
            f"{'' if minutes == 1 else 's'} and send again: your text is kept below."
        )
        return again(429, {"Retry-After": str(wait)})
    except errors.Conflict as exc:
        state.form_error = str(exc) + (" Your text is kept below." if isinstance(exc, errors.CommentsClosed) else "")
        return again(409)
    return done(result.comment_id)
