"""Pages for a commenter's privacy rights: ask for a link (export or erasure) by email; the link
from the mail opens a confirmation page; confirming downloads the export or erases. The first
answer is the same whether or not the address has comments."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.web import csrf
from civility.web.deps import client_ip, get_platform, get_settings, template_context
from civility.web.forms import read_text_fields

router = APIRouter(include_in_schema=False)

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> Response:
    settings = get_settings(request)
    context = template_context(
        request,
        form_token=csrf.issue_form_token(settings.secret_key),
        hours=max(1, settings.privacy_link_max_age // 3600),
        **values,
    )
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers={**_NO_STORE, **(headers or {})}
    )


def _check_form(request: Request, token: str) -> None:
    settings = get_settings(request)
    csrf.check_same_origin(request, settings.base_url)
    csrf.check_form_token(settings.secret_key, token)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_form(request: Request) -> Response:
    return _page(request, "privacy.html", email="", action="export", errors={}, sent=False)


@router.post("/privacy", response_class=HTMLResponse)
async def privacy_request(request: Request) -> Response:
    values, bad = await read_text_fields(request, ("email", "action", "csrf_token"))
    keep = {"email": values["email"][:254], "action": values["action"]}
    if bad:
        return _page(
            request,
            "privacy.html",
            422,
            errors={k: v for k, v in bad.items() if k == "email"},
            form_error="The form was not sent as UTF-8 text; please send it again.",
            sent=False,
            **keep,
        )
    try:
        _check_form(request, values["csrf_token"])
    except errors.PermissionDenied as exc:
        return _page(request, "privacy.html", 403, form_error=str(exc), errors={}, sent=False, **keep)
    privacy = get_platform(request).privacy
    try:
        await run_in_threadpool(privacy.request_link, values["email"], values["action"], ip=client_ip(request))
    except errors.ValidationError as exc:
        return _page(request, "privacy.html", 422, errors=exc.fields, sent=False, **keep)
    except errors.RateLimited as exc:
        wait = max(1, exc.retry_after)
        return _page(
            request,
            "privacy.html",
            429,
            {"Retry-After": str(wait)},
            errors={},
            sent=False,
            form_error=f"{exc} Try again in about {max(1, round(wait / 60))} minute(s).",
            **keep,
        )
    return _page(request, "privacy.html", 202, email="", action="export", errors={}, sent=True)


@router.get("/privacy/confirm", response_class=HTMLResponse)
def privacy_confirm_page(request: Request, token: str | None = None) -> Response:
    privacy = get_platform(request).privacy
    try:
        email, action = privacy.read_token(token)
    except errors.PermissionDenied as exc:
        return _error(request, str(exc))
    return _page(request, "privacy_confirm.html", email=email, action=action, token=token, erased=None)


@router.post("/privacy/confirm", response_class=HTMLResponse)
async def privacy_confirm(request: Request) -> Response:
    values, bad = await read_text_fields(request, ("token", "csrf_token"))
    privacy = get_platform(request).privacy
    try:
        if bad:
            raise errors.PermissionDenied("This link is not valid or was already used. Ask for a new one.")
        _check_form(request, values["csrf_token"])
        _, action = privacy.read_token(values["token"])
        if action == "export":
            data = await run_in_threadpool(privacy.export, values["token"])
            body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
            return Response(
                body,
                media_type="application/json",
                headers={**_NO_STORE, "Content-Disposition": 'attachment; filename="my-comments.json"'},
            )
        erased = await run_in_threadpool(privacy.erase, values["token"])
    except errors.PermissionDenied as exc:
        return _error(request, str(exc))
    return _page(request, "privacy_confirm.html", erased=erased, action="erase", email="", token=None)


def _error(request: Request, message: str) -> Response:
    context = template_context(request, title="This link cannot be used", message=message)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", context, status_code=403, headers=_NO_STORE
    )
