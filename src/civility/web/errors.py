"""civility.errors -> HTTP, in one place. API paths answer JSON (``ErrorOut``); pages answer
an HTML error page. Forms that must keep what the reader typed catch errors themselves."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from civility import errors

log = logging.getLogger("civility.web")

# class -> (status, error kind)
STATUS = {
    errors.ValidationError: (422, "validation"),
    errors.NotFound: (404, "not_found"),
    errors.Conflict: (409, "conflict"),
    errors.RateLimited: (429, "rate_limited"),
    errors.PermissionDenied: (403, "forbidden"),
}

_HTTP_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
}

_FRIENDLY_MISSING = {
    "name": "Please give your name.",
    "email": "Please give your email address.",
    "text": "Please write a comment.",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/healthz" or path.endswith(".atom"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def status_of(exc: errors.CivilityError) -> tuple[int, str]:
    for cls, answer in STATUS.items():
        if isinstance(exc, cls):
            return answer
    return 500, "internal"


def retry_headers(exc: errors.CivilityError) -> dict[str, str]:
    if isinstance(exc, errors.RateLimited):
        return {"Retry-After": str(max(1, exc.retry_after))}
    return {}


def error_body(exc: errors.CivilityError) -> dict[str, Any]:
    status, kind = status_of(exc)
    body: dict[str, Any] = {"error": kind, "message": str(exc) or kind.replace("_", " ")}
    if isinstance(exc, errors.ValidationError):
        body["fields"] = exc.fields
    if isinstance(exc, errors.RateLimited):
        body["retry_after"] = max(1, exc.retry_after)
    return body


def fields_from_request_validation(exc: RequestValidationError) -> dict[str, str]:
    """FastAPI's list of pydantic errors -> {field: message}, friendly for the common cases."""
    fields: dict[str, str] = {}
    for item in exc.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "body"
        if field in fields:
            continue
        if item.get("type") == "missing" and field in _FRIENDLY_MISSING:
            fields[field] = _FRIENDLY_MISSING[field]
        else:
            fields[field] = str(item.get("msg", "is not valid"))
    return fields


def _html(request: Request, status: int, title: str, message: str, headers: dict[str, str] | None = None) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
        headers=headers,
    )


_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Already decided",
    413: "Too large",
    415: "Unsupported content type",
    422: "Please check the form",
    429: "Too many requests",
    500: "Something went wrong",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.CivilityError)
    async def _civility_error(request: Request, exc: errors.CivilityError) -> Response:
        status, _ = status_of(exc)
        if status == 500:
            log.exception("unexpected civility error", exc_info=exc)
        headers = retry_headers(exc)
        if wants_json(request):
            return JSONResponse(error_body(exc), status_code=status, headers=headers)
        return _html(request, status, _TITLES.get(status, "Error"), str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> Response:
        fields = fields_from_request_validation(exc)
        if wants_json(request):
            body = {"error": "validation", "message": "Some fields need attention.", "fields": fields}
            return JSONResponse(body, status_code=422)
        detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
        return _html(request, 422, _TITLES[422], detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        kind = _HTTP_KINDS.get(status, "error")
        message = exc.detail if isinstance(exc.detail, str) else kind.replace("_", " ")
        headers = dict(exc.headers or {})
        if wants_json(request):
            return JSONResponse({"error": kind, "message": message}, status_code=status, headers=headers)
        return _html(request, status, _TITLES.get(status, "Error"), message, headers)
