"""The embed for publishers with their own article pages: /embed.js (one <script> tag) puts
a frame showing /embed/comments?article=ID (or ?url=...) on their page; the frame is a plain
HTML page with the approved comments and the form, and works without JavaScript."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from civility.errors import Conflict, NotFound, ValidationError
from civility.web import comment_form
from civility.web.deps import client_ip, get_platform, get_settings, template_context
from civility.web.templating import STATIC_DIR
from civility.workflow.types import ArticleIn

router = APIRouter(include_in_schema=False)


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _register(request: Request, url: str, title: str | None):
    """An unknown page of one of the publisher's allowed origins becomes an article by itself:
    its URL and title (from the page, through embed.js) are stored; the Referer, when the browser
    sends one, must be of that origin too. Rate-limited per network address."""
    settings = get_settings(request)
    allowed = {o.strip().rstrip("/").lower() for o in settings.embed_allowed_origins.split(",") if o.strip()}
    origin = _origin(url)
    referer = request.headers.get("referer")
    if not allowed or origin not in allowed or (referer and _origin(referer) not in allowed):
        return None
    clean = " ".join((title or "").split())[:300] or url
    platform = get_platform(request)
    platform.count_public_request(
        "embed-register",
        client_ip(request),
        limit=60,
        message="Too many new pages registered from your address; please wait.",
    )
    try:
        return platform.add_article(ArticleIn(title=clean, body=clean, url=url.split("#")[0], source=origin or ""))
    except Conflict:  # registered by a concurrent frame meanwhile
        return platform.find_by_url(url.split("#")[0])


def _resolve(request: Request, article: str | None, url: str | None, title: str | None = None):
    platform = get_platform(request)
    if article:
        return platform.get_article(article)
    if url:
        found = platform.find_by_url(url) or _register(request, url, title)
        if found is None:
            raise NotFound("No article has that URL.")
        return found
    raise ValidationError({"article": "give ?article=ID or ?url=ADDRESS"}, "Which article?")


def _not_registered(request: Request, article: str | None, url: str | None) -> Response:
    """The embed's own message (no site header, no "back to the articles") for an unknown article."""
    context = template_context(request, article_id=article, url=url)
    return request.app.state.templates.TemplateResponse(request, "embed_unknown.html", context, status_code=404)


def _frame_path(article_id: str, lang: str | None = None) -> tuple[str, dict[str, str]]:
    """The frame's path and query; ``lang`` (the embed's, e.g. ckb) stays through posting."""
    return "/embed/comments", {"article": article_id, **({"lang": lang} if lang else {})}


@router.get("/embed.js")
def embed_script() -> Response:
    return FileResponse(
        STATIC_DIR / "embed.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/embed/comments", response_class=HTMLResponse)
def embed_frame(
    request: Request,
    article: Annotated[str | None, Query(max_length=200)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    after: Annotated[str | None, Query(max_length=500)] = None,
    submitted: str | None = None,
    reply_to: Annotated[str | None, Query(max_length=30)] = None,
    title: Annotated[str | None, Query(max_length=500)] = None,
    lang: Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z]{2,4})?$")] = None,
) -> Response:
    try:
        found = _resolve(request, article, url, title)
    except NotFound:
        return _not_registered(request, article, url)
    path, query = _frame_path(found.id, lang)
    context = comment_form.page_context(
        request,
        found,
        page_url=path,
        page_query=query,
        form_action=f"{path}?{urlencode(query)}",
        after=after,
        submitted=submitted,
        reply_to=reply_to,
        report_base=path,
    )
    return request.app.state.templates.TemplateResponse(request, "embed.html", context)


@router.post("/embed/comments", response_class=HTMLResponse)
async def embed_post(
    request: Request,
    article: Annotated[str, Query(max_length=200)],
    lang: Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z]{2,4})?$")] = None,
) -> Response:
    path, query = _frame_path(article, lang)
    return await comment_form.handle_post(
        request,
        article,
        template="embed.html",
        page_url=path,
        form_action=f"{path}?{urlencode(query)}",
        redirect_query=query,
        report_base=path,
    )


@router.get("/embed", response_class=HTMLResponse)
def embed_help(request: Request, article: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """How to embed: the snippets, filled in for one article when ?article= is given."""
    base = get_settings(request).base_url.rstrip("/")
    article_id = article or "ARTICLE-ID"
    snippet_id = f'<script src="{base}/embed.js" data-article-id="{article_id}" async></script>'
    snippet_url = f'<script src="{base}/embed.js" data-article-url="https://your.site/path/to/article" async></script>'
    snippet_iframe = (
        f'<iframe src="{base}/embed/comments?article={quote(article_id, safe="")}" '
        'title="Comments" style="width:100%;height:60rem;border:0" loading="lazy"></iframe>'
    )
    context = template_context(request, snippet_id=snippet_id, snippet_url=snippet_url, snippet_iframe=snippet_iframe)
    return request.app.state.templates.TemplateResponse(request, "embed_help.html", context)
