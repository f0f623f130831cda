"""Security headers on every response (strict CSP, no inline scripts) and the request body
size limit. Both are plain ASGI middleware so they also cover errors and static files."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages never run inline script or style: everything comes from /static on our own origin.
_CSP_BASE = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "manifest-src 'self'"
)
# The embed frame is meant to sit inside a publisher's page; everything else refuses framing.
CSP_PAGE = _CSP_BASE + "; frame-ancestors 'none'"
CSP_EMBED = _CSP_BASE + "; frame-ancestors http: https:"

_EMBEDDABLE_PREFIXES = ("/embed/",)
_CROSS_ORIGIN_RESOURCES = ("/embed.js", "/static/")
_PRIVATE_PREFIXES = ("/moderate", "/api/moderation", "/api/moderator", "/api/admin")


def security_headers(path: str, scheme: str) -> list[tuple[bytes, bytes]]:
    """The headers added to a response for ``path`` (exposed for tests and docs)."""
    embeddable = path.startswith(_EMBEDDABLE_PREFIXES)
    headers = [
        ("content-security-policy", CSP_EMBED if embeddable else CSP_PAGE),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "cross-origin-resource-policy",
            "cross-origin" if path.startswith(_CROSS_ORIGIN_RESOURCES) or embeddable else "same-origin",
        ),
    ]
    if not embeddable:
        headers.append(("x-frame-options", "DENY"))
    if path.startswith(_PRIVATE_PREFIXES):
        headers.append(("cache-control", "no-store"))
    if scheme == "https":
        headers.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class SecurityHeadersMiddleware:
    """Adds :func:`security_headers` to every HTTP response unless the app set one already."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""), scope.get("scheme", "http"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Answers 413 when a request body is over ``max_bytes``: by its Content-Length at once,
    or, for a streamed body without one, as soon as the bytes read pass the limit. The body
    (small by construction) is read here in full and replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_413(send, "Content-Length is not a number.", status=400)
                    return
                if declared > self.max_bytes:
                    await _send_413(send, self._message())
                    return
        if scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await _send_413(send, self._message())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self) -> str:
        return f"The request is larger than {self.max_bytes} bytes."


async def _send_413(send: Send, message: str, status: int = 413) -> None:
    import json

    error = "payload_too_large" if status == 413 else "bad_request"
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
