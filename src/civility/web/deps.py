"""What every route needs from the request: the platform, the settings, the reader's
address, and who the moderator is (session cookie or bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request

from civility.errors import PermissionDenied
from civility.settings import Settings
from civility.web import csrf

if TYPE_CHECKING:  # the web layer talks to the workflow facade only
    from civility.workflow.platform import Platform

SESSION_COOKIE = "civility_session"


def get_platform(request: Request) -> "Platform":
    return request.app.state.platform


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def client_ip(request: Request) -> str | None:
    """The peer address. Behind a proxy run uvicorn with --proxy-headers and
    --forwarded-allow-ips so this is the reader's address, not the proxy's."""
    return request.client.host if request.client else None


def is_https(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


@dataclass(frozen=True)
class ModeratorSession:
    """The signed-in moderator of this request and how they proved it."""

    id: int
    name: str
    role: str
    csrf_token: str
    token: str
    via: str  # "cookie" | "bearer"

    @property
    def actor(self) -> str:
        return f"moderator:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def find_moderator(request: Request) -> ModeratorSession | None:
    """The moderator behind this request, or None. A bearer token wins over the cookie."""
    cached = getattr(request.state, "moderator", "unset")
    if cached != "unset":
        return cached
    platform = get_platform(request)
    found: ModeratorSession | None = None
    token = _bearer(request)
    via = "bearer"
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        via = "cookie"
    if token and len(token) <= 512:
        session = platform.get_session(token)
        if session is not None:
            mod = session.moderator
            found = ModeratorSession(mod.id, mod.name, mod.role, session.csrf_token, token, via)
    request.state.moderator = found
    return found


def require_moderator_api(request: Request) -> ModeratorSession:
    """For JSON moderator endpoints: 401 without credentials; a cookie session must also send
    its CSRF token in X-CSRF-Token on every state-changing request."""
    moderator = find_moderator(request)
    if moderator is None:
        raise HTTPException(
            status_code=401,
            detail="Sign in first: send Authorization: Bearer <token> from POST /api/moderator/session.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if moderator.via == "cookie" and request.method not in {"GET", "HEAD", "OPTIONS"}:
        csrf.check_session_token(moderator.csrf_token, request.headers.get(csrf.CSRF_HEADER))
    return moderator


def require_admin_api(request: Request) -> ModeratorSession:
    moderator = require_moderator_api(request)
    if not moderator.is_admin:
        raise PermissionDenied("This needs an admin account.")
    return moderator


def require_json(request: Request) -> None:
    """Only JSON is accepted here: a cross-site HTML form cannot send it without a CORS
    preflight (which this server never grants), so the endpoint needs no CSRF token."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise HTTPException(415, "Send the comment as application/json.")


def template_context(request: Request, **values: Any) -> dict[str, Any]:
    """Values every page template may use."""
    settings = get_settings(request)
    return {
        "site_name": settings.site_name,
        "base_url": settings.base_url.rstrip("/"),
        "comment_max_length": settings.comment_max_length,
        "name_max_length": settings.name_max_length,
        **values,
    }
