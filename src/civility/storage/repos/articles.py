"""Articles: insert, fetch, list (keyset by created_at, id, newest first) and per-article policy overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from civility.domain import Article
from civility.storage.clock import as_utc, utcnow
from civility.storage.pagination import after_clause, encode_cursor
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
        created_at=as_utc(row.created_at),
        comments_closed_at=as_utc(row.comments_closed_at),
    )


def insert_article(conn: Connection, article: Article, *, policy_overrides: dict[str, Any] | None = None) -> None:
    now = utcnow()
    conn.execute(
        insert(articles).values(
            id=article.id,
            title=article.title,
            body=article.body,
            source=article.source,
            url=article.url,
            lang=article.lang,
            published_at=article.published_at,
            created_at=now,
            sort_at=article.published_at or now,
            policy_overrides=policy_overrides,
        )
    )


def get_article(conn: Connection, article_id: str) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    return row_to_article(row) if row else None


def find_by_url(conn: Connection, url: str) -> Article | None:
    row = conn.execute(select(articles).where(articles.c.url == url)).first()
    return row_to_article(row) if row else None


def titles(conn: Connection, article_ids: list[str]) -> dict[str, str]:
    """Titles of several articles in one query."""
    if not article_ids:
        return {}
    return dict(conn.execute(select(articles.c.id, articles.c.title).where(articles.c.id.in_(article_ids))).all())


def id_exists(conn: Connection, article_id: str) -> bool:
    return conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first() is not None


def list_page(conn: Connection, *, limit: int, after: str | None) -> tuple[list[Article], str | None]:
    """Newest first by publication time (the time it was added when it has none), keyset-paged."""
    query = select(articles).order_by(articles.c.sort_at.desc(), articles.c.id.desc())
    cond = after_clause(articles.c.sort_at, articles.c.id, after, descending=True)
    if cond is not None:
        query = query.where(cond)
    rows = conn.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].sort_at, rows[-1].id) if more and rows else None
    return [row_to_article(r) for r in rows], cursor


def set_closed(conn: Connection, article_id: str, closed_at: datetime | None) -> bool:
    result = conn.execute(update(articles).where(articles.c.id == article_id).values(comments_closed_at=closed_at))
    return result.rowcount == 1


def policy_overrides(conn: Connection, article_id: str) -> dict[str, Any] | None:
    return conn.execute(select(articles.c.policy_overrides).where(articles.c.id == article_id)).scalar()


def set_policy_overrides(conn: Connection, article_id: str, overrides: dict[str, Any] | None) -> bool:
    result = conn.execute(update(articles).where(articles.c.id == article_id).values(policy_overrides=overrides))
    return result.rowcount == 1


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(articles)).scalar_one()
