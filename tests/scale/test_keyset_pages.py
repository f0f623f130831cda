"""Big stories read from indexes: an article with 10,000 approved comments serves its first
page and every later page through ix_comments_public with a keyset range (no OFFSET, no sort),
on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, text

from civility.storage.schema import comments
from civility.workflow.types import ArticleIn

from .test_platform_queues import make_platform

N = 10_000


def seed(platform, article_id: str, n: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = [
        dict(
            article_id=article_id,
            name=f"Reader {i}",
            email=f"r{i}@example.org",
            text=f"Comment {i}",
            status="approved",
            version=1,
            created_at=start + timedelta(seconds=i // 3),
        )  # ties on purpose
        for i in range(n)
    ]
    with platform.db.write() as conn:
        conn.execute(insert(comments), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE comments"))


def captured_page_queries(platform, article_id: str, pages: int):
    """Walk the public pages through the platform, keeping the SQL of each page query."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM comments" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    event.listen(platform.db.engine, "before_cursor_execute", keep)
    ids: list[int] = []
    after = None
    try:
        for _ in range(pages):
            page = platform.public_comments(article_id, after=after, limit=50)
            ids.extend(c.id for c in page.items)
            after = page.next_cursor
            if after is None:
                break
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", keep)
    return ids, after, seen


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def big_story(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    platform = make_platform(url, "embedded")
    platform.add_article(ArticleIn(id="big", title="A big story", body="Everyone has a view."))
    for k in range(20):  # other stories, so the planner has to pick the per-article index
        platform.add_article(ArticleIn(id=f"other{k}", title=f"Story {k}", body="Less said."))
        seed(platform, f"other{k}", 250)
    seed(platform, "big", N)
    yield platform
    platform.close()


def plan(platform, statement: str, parameters) -> str:
    with platform.db.read() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(str(r[-1]) for r in rows)
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters).all())


def test_every_page_comes_from_the_index(big_story):
    ids, after, queries = captured_page_queries(big_story, "big", pages=N // 50 + 1)
    assert after is None and len(ids) == N and len(set(ids)) == N  # all of them, each once
    first, later, last = queries[0], queries[1], queries[-1]
    for statement, parameters in (first, later, last):
        # SQLAlchemy's SQLite dialect always writes "LIMIT ? OFFSET ?"; the offset must be 0.
        if "OFFSET" in statement.upper():
            assert statement.upper().rstrip().endswith("OFFSET ?") and parameters[-1] == 0, (statement, parameters)
    for statement, parameters in (first, later, last):
        shown = plan(big_story, statement, parameters)
        if big_story.db.dialect == "sqlite":
            assert "USING INDEX ix_comments_public" in shown, shown
        else:  # PostgreSQL may pick (status, created_at, id) when one story holds most rows: also an index
            assert "Index Scan using ix_comments_public" in shown or "Index Scan using ix_comments_queue" in shown, (
                shown
            )
            assert "Seq Scan" not in shown, shown
        assert "TEMP B-TREE" not in shown and "Sort" not in shown, shown  # the index gives the order
    # A later page starts inside the index (a range on created_at), it does not scan from the top.
    for statement, parameters in (later, last):
        shown = plan(big_story, statement, parameters)
        if big_story.db.dialect == "sqlite":
            assert "created_at>" in shown.replace(" ", ""), shown
        else:
            index_cond = shown.split("Index Cond:")[1].split("Filter")[0]
            assert "created_at >=" in index_cond, shown
