"""Atom feed of an article's approved comments. Built with ElementTree, which escapes every
string; an author is a name only (Atom's optional <email> is never written)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET  # nosec B405 - builds XML only, never parses any

from fastapi import APIRouter, Query, Request, Response

from civility.web.deps import get_platform, get_settings
from civility.web.timefmt import iso

router = APIRouter(include_in_schema=False)

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _tag_base(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},2026:civility"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters even escaped; drop them."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0xFFFE <= ord(ch) <= 0xFFFF and not 0xD800 <= ord(ch) <= 0xDFFF)
    )


def build_feed(article, comments: list, base_url: str) -> bytes:
    base = base_url.rstrip("/")
    page = f"{base}/articles/{quote(article.id, safe='')}"
    tag = _tag_base(base)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", f"{tag}:article:{article.id}:comments")
    _sub(feed, "title", f"Comments on: {article.title}")
    _sub(feed, "link", rel="alternate", type="text/html", href=page)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{page}/comments.atom")
    newest = max((c.created_at for c in comments), default=article.published_at)
    _sub(feed, "updated", iso(newest or datetime.now(timezone.utc)))
    for comment in comments:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{tag}:comment:{comment.id}")
        first_line = comment.text.strip().splitlines()[0] if comment.text.strip() else ""
        _sub(entry, "title", f"{comment.name}: {first_line[:80]}")
        author = _sub(entry, "author")
        _sub(author, "name", comment.name)
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{page}#comment-{comment.id}")
        _sub(entry, "published", iso(comment.created_at))
        _sub(entry, "updated", iso(comment.created_at))
        _sub(entry, "content", comment.text, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def newest_comments(platform, article_id: str, count: int) -> list:
    """The ``count`` newest approved comments, newest first: one index-ordered query."""
    return platform.public_comments(article_id, limit=count, newest_first=True).items


@router.get("/articles/{article_id}/comments.atom")
def comments_feed(
    request: Request, article_id: str, limit: Annotated[int, Query(ge=1, le=200)] = FEED_SIZE
) -> Response:
    platform = get_platform(request)
    article = platform.get_article(article_id)
    body = build_feed(article, newest_comments(platform, article.id, limit), get_settings(request).base_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
