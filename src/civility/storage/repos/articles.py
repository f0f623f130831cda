"""Articles: insert, fetch, list (keyset by created_at, id, newest first) and per-article policy overrides."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from civility.domain import Article
from civility.storage.clock import as_utc, utcnow
from civility.storage.pagination import after_clause, fetch_page
from civility.storage.schema import articles


def row_to_article(row) -> Article:
    return Article(
        id=row.id,
        title=row.title,
        body=row.body,
        source=row.source or "",
        url=row.url,
        lang=row.lang or "en",
        published_at=as_utc(row.published_at),
    )


def insert_article(conn: Connection, article: Article, *, policy_overrides: dict[str, Any] | None = None) -> None:
    conn.execute(
        insert(articles).values(
            id=article.id,
            title=article.title,
            body=article.body,
            source=article.source,
            url=article.url,
            lang=article.lang,
            published_at=article.published_at,
            created_at=utcnow(),
            policy_overrides=policy_overrides,
        )
    )


def get_article(conn: Connection, article_id: str) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    return row_to_article(row) if row else None


def find_by_url(conn: Connection, url: str) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.url == url)).first()
    return row_to_article(row) if row else None


def id_exists(conn: Connection, article_id: str) -> bool:
    return conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first() is not None


def list_page(conn: Connection, *, limit: int, after: str | None) -> tuple[list[Article], str | None]:
    query = select(articles).order_by(articles.c.created_at.desc(), articles.c.id.desc())
    cond = after_clause(articles.c.created_at, articles.c.id, after, descending=True)
    if cond is not None:
        query = query.where(cond)
    rows, cursor = fetch_page(conn, query, limit)
    return [row_to_article(r) for r in rows], cursor


def policy_overrides(conn: Connection, article_id: str) -> dict[str, Any] | None:
    return conn.execute(select(articles.c.policy_overrides).where(articles.c.id == article_id)).scalar()


def set_policy_overrides(conn: Connection, article_id: str, overrides: dict[str, Any] | None) -> bool:
    result = conn.execute(update(articles).where(articles.c.id == article_id).values(policy_overrides=overrides))
    return result.rowcount == 1


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(articles)).scalar_one()
