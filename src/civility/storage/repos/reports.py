"""Readers' reports of published comments: add (one per reporter and comment), count the open
ones, close them when a moderator decides, and read them for the moderators' view."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

from civility.storage.clock import as_utc
from civility.storage.schema import reports
from civility.storage.upsert import insert_on_conflict


def add(conn: Connection, *, comment_id: int, reason: str, note: str | None, reporter: str, at: datetime) -> bool:
    """Store a report; False when this reporter already reported this comment (nothing stored)."""
    query = (
        insert_on_conflict(conn, reports)
        .values(comment_id=comment_id, reason=reason, note=note, reporter=reporter, status="open", created_at=at)
        .on_conflict_do_nothing()
    )
    return conn.execute(query.returning(reports.c.id)).first() is not None


def open_count(conn: Connection, comment_id: int) -> int:
    query = (
        select(func.count()).select_from(reports).where(reports.c.comment_id == comment_id, reports.c.status == "open")
    )
    return conn.execute(query).scalar_one()


def close_open(conn: Connection, comment_id: int) -> int:
    """A moderator looked at the comment: its open reports are handled (kept, for the record)."""
    result = conn.execute(
        update(reports).where(reports.c.comment_id == comment_id, reports.c.status == "open").values(status="handled")
    )
    return result.rowcount


def for_comments(conn: Connection, comment_ids: list[int]) -> dict[int, list[dict]]:
    """Every report of these comments, oldest first: reason, note, when, open or handled."""
    out: dict[int, list[dict]] = {cid: [] for cid in comment_ids}
    if not comment_ids:
        return out
    rows = conn.execute(select(reports).where(reports.c.comment_id.in_(comment_ids)).order_by(reports.c.id)).all()
    for row in rows:
        out[row.comment_id].append(
            {"reason": row.reason, "note": row.note, "status": row.status, "created_at": as_utc(row.created_at)}
        )
    return out
