"""Full-text search of comment texts for the review queue, one implementation per backend:
SQLite FTS5 (an external-content table kept in step by triggers, so an erasure also drops the
words from the index) and PostgreSQL full-text search (a GIN index on to_tsvector('simple', text)).
Never a LIKE scan. ``match_clause`` gives the WHERE condition for a reader's plain words."""

from __future__ import annotations

import re

from sqlalchemy import func, literal_column, text
from sqlalchemy.sql.elements import ColumnElement

from civility.storage.schema import comments

SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS comments_fts USING fts5(text, content='comments', content_rowid='id')",
    """
    CREATE TRIGGER IF NOT EXISTS comments_fts_ai AFTER INSERT ON comments BEGIN
        INSERT INTO comments_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS comments_fts_ad AFTER DELETE ON comments BEGIN
        INSERT INTO comments_fts(comments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS comments_fts_au AFTER UPDATE OF text ON comments BEGIN
        INSERT INTO comments_fts(comments_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO comments_fts(rowid, text) VALUES (new.id, new.text);
    END
    """,
    "INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS comments_fts_ai",
    "DROP TRIGGER IF EXISTS comments_fts_ad",
    "DROP TRIGGER IF EXISTS comments_fts_au",
    "DROP TABLE IF EXISTS comments_fts",
]
POSTGRESQL = [
    "CREATE INDEX IF NOT EXISTS ix_comments_fts ON comments USING gin (to_tsvector('simple'::regconfig, text))"
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS ix_comments_fts"]

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def ddl(dialect: str, *, drop: bool = False) -> list[str]:
    if dialect == "sqlite":
        return SQLITE_DROP if drop else SQLITE
    if dialect == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL
    raise ValueError(f"no full-text search for dialect {dialect!r}")


def terms(query: str) -> list[str]:
    """The words of a search box: letters and digits only (no query syntax reaches the engine)."""
    return _WORD.findall(query or "")[:MAX_TERMS]


def match_clause(dialect: str, query: str) -> ColumnElement | None:
    """Comments whose text has every word of ``query`` (prefix match on the last one); None when
    the query has no words."""
    words = terms(query)
    if not words:
        return None
    if dialect == "sqlite":
        # Each word quoted as an FTS5 string; the last one also as a prefix ("bud" finds "budget").
        expr = " ".join('"' + w.replace('"', "") + '"' for w in words[:-1])
        expr = (expr + " " if expr else "") + '"' + words[-1].replace('"', "") + '"*'
        sub = text("SELECT rowid FROM comments_fts WHERE comments_fts MATCH :fts_q").bindparams(fts_q=expr)
        return comments.c.id.in_(sub.columns(rowid=comments.c.id.type).subquery().select())
    tsquery = " & ".join(f"{w}:*" if i == len(words) - 1 else w for i, w in enumerate(words))
    # The config as a literal (not a bound parameter), so the expression matches the GIN index.
    simple = literal_column("'simple'::regconfig")
    return func.to_tsvector(simple, comments.c.text).op("@@")(func.to_tsquery(simple, tsquery))
