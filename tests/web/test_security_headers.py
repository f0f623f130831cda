"""Security headers on every kind of response, templates without inline script or style (so
the strict CSP holds), and the body-size limit for streamed bodies too."""

from __future__ import annotations

import re

import pytest

from civility.web.security import CSP_PAGE
from civility.web.templating import TEMPLATE_DIR

PATHS = [
    "/",
    "/rules",
    "/healthz",
    "/api/articles",
    "/openapi.json",
    "/static/civility.css",
    "/moderate/login",
    "/articles/nope",
    "/api/articles/nope",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_headers(client, path):
    answer = client.get(path)
    headers = answer.headers
    assert headers["content-security-policy"] == CSP_PAGE
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # only over https


def test_csp_is_strict():
    assert "default-src 'none'" in CSP_PAGE
    assert "script-src 'self';" in CSP_PAGE and "unsafe-inline" not in CSP_PAGE and "unsafe-eval" not in CSP_PAGE
    assert "base-uri 'none'" in CSP_PAGE and "form-action 'self'" in CSP_PAGE


def test_hsts_over_https(make_app):
    _, _, client = make_app(base_url="https://comments.example")
    answer = client.get("https://comments.example/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_moderator_pages_are_not_cached(client):
    assert client.get("/moderate/login").headers["cache-control"] == "no-store"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATE_DIR.glob("*.html")))
def test_templates_have_no_inline_script_style_or_handlers(template):
    source = (TEMPLATE_DIR / template).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script> would be blocked by the CSP"
    assert "<style" not in source
    assert not re.search(r"\sstyle=\"", source)
    assert not re.search(r"\son[a-z]+=", source), "inline event handlers are blocked by the CSP"
    assert "|safe" not in source.replace(" ", ""), "no template may switch escaping off"


def test_streamed_body_over_the_limit_is_413(make_app):
    _, _, client = make_app(max_body_bytes=1000)

    def chunks():
        for _ in range(20):
            yield b"x" * 100

    answer = client.post("/api/articles/x/comments", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-security-policy"] == CSP_PAGE


def test_bad_content_length_is_400(client):
    answer = client.post(
        "/api/articles/x/comments", content=b"{}", headers={"content-length": "abc", "content-type": "application/json"}
    )
    assert answer.status_code == 400
