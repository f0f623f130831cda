"""JSON API for articles: list, get, look up by the publisher's URL, and add (publisher token)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from civility.errors import NotFound, PermissionDenied
from civility.web.deps import get_platform, get_settings
from civility.web.schemas import ArticleOut, ArticlePageOut, ArticleRequest, ArticleSummaryOut, ErrorOut
from civility.workflow.types import ArticleIn

router = APIRouter(prefix="/api/articles", tags=["articles"])


def require_publisher(request: Request) -> None:
    expected = get_settings(request).publisher_token
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not expected:
        raise PermissionDenied("Adding articles over the API is off: set publisher_token to enable it.")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "Send Authorization: Bearer <publisher token>.", headers={"WWW-Authenticate": "Bearer"}
        )
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise PermissionDenied("The publisher token is wrong.")


@router.get("", response_model=ArticlePageOut, responses={422: {"model": ErrorOut}}, summary="Articles, newest first")
def list_articles(
    request: Request,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ArticlePageOut:
    page = get_platform(request).list_articles(limit=limit, cursor=cursor or None)
    return ArticlePageOut(items=[ArticleSummaryOut.model_validate(a) for a in page.items], next_cursor=page.next_cursor)


@router.get(
    "/lookup",
    response_model=ArticleOut,
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    summary="The article published at a URL on the publisher's site (used by the embed)",
)
def lookup_article(request: Request, url: Annotated[str, Query(min_length=1, max_length=2000)]) -> ArticleOut:
    article = get_platform(request).find_by_url(url)
    if article is None:
        raise NotFound("No article has that URL.")
    return ArticleOut.model_validate(article)


@router.get("/{article_id}", response_model=ArticleOut, responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def get_article(request: Request, article_id: str) -> ArticleOut:
    return ArticleOut.model_validate(get_platform(request).get_article(article_id))


@router.post(
    "",
    response_model=ArticleOut,
    status_code=201,
    responses={
        401: {"model": ErrorOut, "description": "No bearer token"},
        403: {"model": ErrorOut, "description": "Wrong token, or the endpoint is off"},
        409: {"model": ErrorOut, "description": "An article with this id or URL exists"},
        422: {"model": ErrorOut},
    },
    summary="Add an article (Authorization: Bearer <publisher_token>)",
    dependencies=[Depends(require_publisher)],
)
def add_article(request: Request, article: ArticleRequest) -> ArticleOut:
    created = get_platform(request).add_article(article_in(article))
    return ArticleOut.model_validate(created)


def article_in(article: ArticleRequest) -> ArticleIn:
    return ArticleIn(
        id=article.id or None,
        title=article.title,
        body=article.body,
        source=article.source,
        url=article.url or None,
        lang=article.lang or "en",
        published_at=article.published_at,
    )
