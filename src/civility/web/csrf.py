"""Cross-site request forgery defences.

Two kinds of state-changing request reach us from a browser:

- anonymous forms (comment form, login form): they carry a signed, time-limited form token
  (HMAC with the secret key, no cookie needed, so the form also works inside the embed
  frame on a publisher's page), and the Origin/Referer, when the browser sends one, must
  be ours;
- moderator actions: they carry the per-session CSRF token the platform issued with the
  session, compared in constant time (form field ``csrf_token`` or header ``X-CSRF-Token``).

JSON API calls authenticated with a bearer token carry no ambient credential, so they need
no CSRF token; the public JSON submit endpoint only accepts ``application/json``, which a
cross-site HTML form cannot send without a CORS preflight we never grant.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request

from civility.errors import PermissionDenied

FORM_TOKEN_MAX_AGE = 24 * 3600  # a reader may take a long time to write a comment
CSRF_HEADER = "x-csrf-token"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="civility.form-token")


def issue_form_token(secret_key: str) -> str:
    """A fresh signed token for an anonymous form."""
    return _serializer(secret_key).dumps(secrets.token_urlsafe(12))


def check_form_token(secret_key: str, token: str | None, *, max_age: int = FORM_TOKEN_MAX_AGE) -> None:
    if not token:
        raise PermissionDenied("The form is missing its security token. Reload the page and try again.")
    try:
        _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise PermissionDenied("The form has expired. Reload the page and try again.") from None
    except BadSignature:
        raise PermissionDenied("The form's security token is not valid. Reload the page and try again.") from None


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(request: Request, base_url: str) -> set[str]:
    origins = {f"{request.url.scheme}://{request.url.netloc}".lower()}
    base = _origin_of(base_url)
    if base:
        origins.add(base)
    return origins


def check_same_origin(request: Request, base_url: str) -> None:
    """Refuse a browser request whose Origin (or, failing that, Referer) is another site.
    A request with neither header passes: privacy tools strip both, and the token still counts."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        origin = _origin_of(referer) if referer else None
        if origin is None:
            if request.headers.get("origin") == "null":
                raise PermissionDenied("This form was sent from an opaque origin.")
            return
    if origin.lower() not in allowed_origins(request, base_url):
        raise PermissionDenied("This form was sent from another site.")


def check_session_token(expected: str, submitted: str | None) -> None:
    """Compare a moderator session's CSRF token with the one the request carries."""
    if not submitted or not expected or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise PermissionDenied("The security token is missing or wrong. Reload the page and try again.")
