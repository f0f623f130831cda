"""Keyset cursors: an opaque base64 token of (created_at, id), the last row of a page.
The next page is every row strictly after it in (created_at, id) order: no OFFSET scans."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from civility.errors import ValidationError
from civility.storage.clock import as_utc


def encode_cursor(created_at: datetime, row_id: int | str) -> str:
    raw = json.dumps([as_utc(created_at).isoformat(), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int | str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(row_id, (int, str)) or isinstance(row_id, bool):
            raise ValueError(row_id)
        return as_utc(datetime.fromisoformat(stamp)), row_id
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"after": "not a valid page cursor"}, "Invalid page cursor.") from None


def after_clause(created_col, id_col, cursor: str | None, *, descending: bool = False) -> ColumnElement | None:
    """The WHERE condition for rows after ``cursor`` (None when there is no cursor)."""
    if not cursor:
        return None
    created_at, row_id = decode_cursor(cursor)
    # The leading created_at >= / <= is a range the index can seek to (a bare OR cannot be used as
    # an index bound, so deep pages would scan from the top); the OR then settles ties on id.
    if descending:
        return and_(created_col <= created_at, or_(created_col < created_at, id_col < row_id))
    return and_(created_col >= created_at, or_(created_col > created_at, id_col > row_id))


def fetch_page(conn, query, limit: int) -> tuple[list, str | None]:
    """Run a keyset ``query`` (ordered by created_at, id; without a LIMIT) for one page: the
    rows, and the cursor of the next page when there is one."""
    rows = conn.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None)
