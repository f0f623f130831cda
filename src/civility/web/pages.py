"""Reader pages: the list of articles, an article with its approved comments and the comment
form, and the community rules."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from civility.web import comment_form
from civility.web.deps import get_platform, get_settings, template_context
from civility.web.i18n import PageLanguage, reader_language

router = APIRouter(include_in_schema=False)


def _site_language(request: Request) -> dict:
    """The site's reader language (``site_language``) for pages that belong to no article."""
    return PageLanguage(reader_language(get_settings(request).site_language)).context()


def article_path(article_id: str) -> str:
    return f"/articles/{quote(article_id, safe='')}"


@router.get("/", response_class=HTMLResponse)
def index(request: Request, cursor: str | None = None) -> Response:
    platform = get_platform(request)
    page = platform.list_articles(limit=30, cursor=cursor or None)
    counts = platform.approved_counts([a.id for a in page.items])
    context = template_context(
        request, **_site_language(request), articles=list(page.items), next_cursor=page.next_cursor, counts=counts
    )
    return request.app.state.templates.TemplateResponse(request, "index.html", context)


@router.get("/rules", response_class=HTMLResponse)
def rules(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "rules.html", template_context(request, **_site_language(request))
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: str,
    after: str | None = None,
    submitted: str | None = None,
    reply_to: str | None = None,
) -> Response:
    article = get_platform(request).get_article(article_id)
    path = article_path(article.id)
    context = comment_form.page_context(
        request,
        article,
        page_url=path,
        form_action=f"{path}/comments",
        after=after,
        submitted=submitted,
        reply_to=reply_to,
        report_base=f"{path}/comments",
    )
    return request.app.state.templates.TemplateResponse(request, "article.html", context)


@router.post("/articles/{article_id}/comments", response_class=HTMLResponse)
async def post_comment(request: Request, article_id: str) -> Response:
    path = article_path(article_id)
    return await comment_form.handle_post(
        request,
        article_id,
        template="article.html",
        page_url=path,
        form_action=f"{path}/comments",
        redirect_query={},
        report_base=f"{path}/comments",
    )
