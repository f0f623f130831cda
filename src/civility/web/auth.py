"""Moderator sign-in and sign-out: the HTML form (session cookie, HttpOnly, SameSite=Lax,
Secure over HTTPS) and the JSON session endpoints that hand out a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from civility import errors
from civility.web import csrf
from civility.web.deps import (
    SESSION_COOKIE,
    ModeratorSession,
    client_ip,
    find_moderator,
    get_platform,
    get_settings,
    is_https,
    require_json,
    require_moderator_api,
    template_context,
)
from civility.web.schemas import ErrorOut
from civility.web.schemas_moderation import LoginIn, SessionOut

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/moderator", tags=["moderation"])

_BAD_LOGIN = "That name and password do not match an account."


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL, never '//host' (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/moderate"
    return target


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = get_settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings),
    )


def _login_page(
    request: Request,
    *,
    status: int = 200,
    error: str | None = None,
    name: str = "",
    next_url: str = "/moderate",
    signed_out: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    settings = get_settings(request)
    context = template_context(
        request,
        form_token=csrf.issue_form_token(settings.secret_key),
        error=error,
        name=name,
        next_url=safe_next(next_url),
        signed_out=signed_out,
    )
    return request.app.state.templates.TemplateResponse(
        request, "login.html", context, status_code=status, headers=headers
    )


@router.get("/moderate/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None, signed_out: bool = False) -> Response:
    if find_moderator(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=next or "/moderate", signed_out=signed_out)


@router.post("/moderate/login", response_class=HTMLResponse)
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/moderate",
) -> Response:
    return await run_in_threadpool(_login, request, name, password, csrf_token, next)


def _login(request: Request, name: str, password: str, csrf_token: str, next_url: str) -> Response:
    settings = get_settings(request)
    platform = get_platform(request)
    try:
        csrf.check_same_origin(request, settings.base_url)
        csrf.check_form_token(settings.secret_key, csrf_token)
    except errors.PermissionDenied as exc:
        return _login_page(request, status=403, error=str(exc), name=name, next_url=next_url)
    try:
        moderator = platform.authenticate(name, password, client_ip(request))
    except errors.RateLimited as exc:
        wait = max(1, exc.retry_after)
        return _login_page(
            request,
            status=429,
            error=f"Too many failed sign-ins. Try again in {max(1, round(wait / 60))} minute(s).",
            name=name,
            next_url=next_url,
            headers={"Retry-After": str(wait)},
        )
    if moderator is None:
        return _login_page(request, status=401, error=_BAD_LOGIN, name=name, next_url=next_url)
    token, _csrf = platform.create_session(moderator.id)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(request, response, token)
    return response


@router.post("/moderate/logout")
async def logout(request: Request, csrf_token: Annotated[str, Form(max_length=1000)] = "") -> Response:
    return await run_in_threadpool(_logout, request, csrf_token)


def _logout(request: Request, csrf_token: str) -> Response:
    moderator = find_moderator(request)
    response = RedirectResponse("/moderate/login?signed_out=true", status_code=303)
    if moderator is not None:
        csrf.check_session_token(moderator.csrf_token, csrf_token)
        get_platform(request).delete_session(moderator.token)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request, get_settings(request))
    )
    return response


@api.post(
    "/session",
    response_model=SessionOut,
    status_code=201,
    responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut}},
    summary="Sign in; returns a bearer token (and its CSRF token for cookie use)",
    dependencies=[Depends(require_json)],
)
def create_session(request: Request, login: LoginIn) -> SessionOut:
    platform = get_platform(request)
    moderator = platform.authenticate(login.name, login.password, client_ip(request))
    if moderator is None:
        from fastapi import HTTPException

        raise HTTPException(401, _BAD_LOGIN, headers={"WWW-Authenticate": "Bearer"})
    token, csrf_token = platform.create_session(moderator.id)
    return SessionOut(
        token=token,
        csrf_token=csrf_token,
        moderator=moderator.name,
        role=moderator.role,
        expires_in=get_settings(request).session_max_age,
    )


@api.delete(
    "/session",
    status_code=204,
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
    summary="Sign out (ends the session behind the token or cookie)",
)
def delete_session(request: Request, moderator: ModeratorSession = Depends(require_moderator_api)) -> Response:
    get_platform(request).delete_session(moderator.token)
    return Response(status_code=204)
