"""Comments: insert (text frozen by trigger), idempotency lookup, keyset pages for the public
and the review queue, status transitions guarded by version, erasure and address retention."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from civility.domain import Comment, CommentStatus
from civility.errors import ValidationError
from civility.storage.clock import as_utc
from civility.storage.pagination import after_clause, fetch_page
from civility.storage.schema import articles, comments, neardup_bands

# Ids and versions from requests can be any integer; one the column cannot hold names no row
# (instead of an OverflowError / out-of-range error from the driver, i.e. a 500).
_ID_RANGE = (1, 2**63 - 1)
_VERSION_RANGE = (0, 2**31 - 1)


def _in(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def row_to_comment(row) -> Comment:
    return Comment(
        id=row.id,
        article_id=row.article_id,
        name=row.name,
        email=row.email,
        text=row.text,
        status=CommentStatus(row.status),
        created_at=as_utc(row.created_at),
        parent_id=row.parent_id,
        lang=row.lang,
        erased=row.erased_at is not None,
    )


def insert_comment(conn: Connection, **values) -> int:
    values.setdefault("risk", 0.0)  # never scored sorts as 0: the queue's score order can use its index
    result = conn.execute(insert(comments).values(**values).returning(comments.c.id))
    return result.scalar_one()


def get_row(conn: Connection, comment_id: int, *, for_update: bool = False):
    if not _in(comment_id, _ID_RANGE):
        return None
    query = select(comments).where(comments.c.id == comment_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def find_by_idempotency_key(conn: Connection, key: str):
    return conn.execute(select(comments).where(comments.c.idempotency_key == key)).first()


def page(
    conn: Connection,
    *,
    status: str,
    article_id: str | None,
    after: str | None,
    limit: int,
    descending: bool = False,
    top_level: bool = False,
    public: bool = False,
    lang: str | None = None,
):
    """Rows of one status (optionally one article, one language) in (created_at, id) order, plus
    the next cursor. ``top_level``: threads' first comments only; ``public``: no reply whose parent
    is not published."""
    order = (
        (comments.c.created_at.desc(), comments.c.id.desc()) if descending else (comments.c.created_at, comments.c.id)
    )
    query = select(comments).where(comments.c.status == status).order_by(*order)
    if top_level:
        query = query.where(comments.c.parent_id.is_(None))
    if article_id is not None:
        query = query.where(comments.c.article_id == article_id)
    if lang is not None:
        query = query.where(comments.c.lang == lang)
    cond = after_clause(comments.c.created_at, comments.c.id, after, descending=descending)
    if cond is not None:
        query = query.where(cond)
    rows, cursor = fetch_page(conn, query, limit)
    if public:
        # Drop replies whose parent is not published (any more): one primary-key lookup per page.
        parents = {r.parent_id for r in rows if r.parent_id is not None}
        shown = (
            set(
                conn.execute(
                    select(comments.c.id).where(comments.c.id.in_(parents), comments.c.status == "approved")
                ).scalars()
            )
            if parents
            else set()
        )
        rows = [r for r in rows if r.parent_id is None or r.parent_id in shown]
    return rows, cursor


QUEUE_SORTS = ("oldest", "newest", "fine_first", "risky_first")


def queue_page(
    conn: Connection,
    *,
    status: str | None,
    limit: int,
    after: str | None = None,
    sort: str = "oldest",
    article_id: str | None = None,
    category: str | None = None,
    lang: str | None = None,
    email: str | None = None,
    search=None,
):
    """The review queue with the moderator's sort and filters. ``search``: a full-text WHERE clause
    (storage/fts.py). Sorting by the machine's highest score pages by (score, id); comments never
    scored have score 0 (fine first, risky last)."""
    query = select(comments)
    if status is not None:  # None: every status (a commenter's history)
        query = query.where(comments.c.status == status)
    if article_id:
        query = query.where(comments.c.article_id == article_id)
    if category:
        query = query.where(comments.c.flags.contains(f",{category},", autoescape=True))
    if lang:
        query = query.where(comments.c.lang == lang)
    if email:
        query = query.where(func.lower(comments.c.email) == email.strip().lower())
    if search is not None:
        query = query.where(search)
    if sort in ("oldest", "newest"):
        descending = sort == "newest"
        order = (
            (comments.c.created_at.desc(), comments.c.id.desc())
            if descending
            else (comments.c.created_at, comments.c.id)
        )
        cond = after_clause(comments.c.created_at, comments.c.id, after, descending=descending)
        query = query.order_by(*order)
        if cond is not None:
            query = query.where(cond)
        return fetch_page(conn, query, limit)
    risk = comments.c.risk
    descending = sort == "risky_first"
    query = query.order_by(risk.desc(), comments.c.id.desc()) if descending else query.order_by(risk, comments.c.id)
    if after:
        value, row_id = _decode_score_cursor(after)
        # The leading range lets the (status, risk, id) index seek; the OR settles ties on id.
        if descending:
            query = query.where(risk <= value, or_(risk < value, comments.c.id < row_id))
        else:
            query = query.where(risk >= value, or_(risk > value, comments.c.id > row_id))
    rows = conn.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _encode_score_cursor(rows[-1].risk or 0.0, rows[-1].id) if more and rows else None
    return rows, cursor


def _encode_score_cursor(value: float, row_id: int) -> str:
    raw = json.dumps(["s", float(value), int(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_score_cursor(cursor: str) -> tuple[float, int]:
    try:
        tag, value, row_id = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if tag != "s" or isinstance(row_id, bool) or not isinstance(row_id, int) or not isinstance(value, (int, float)):
            raise ValueError(cursor)
        return float(value), row_id
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"after": "not a valid page cursor"}, "Invalid page cursor.") from None


def counts_by_email(conn: Connection, email: str) -> dict[str, int]:
    """A commenter's comments per status (any case of the address)."""
    query = (
        select(comments.c.status, func.count())
        .where(func.lower(comments.c.email) == email.strip().lower())
        .group_by(comments.c.status)
    )
    counts = {s.value: 0 for s in CommentStatus}
    counts.update({status: n for status, n in conn.execute(query).all()})
    return counts


def thread_replies(conn: Connection, article_id: str, thread_ids: list[int]) -> list:
    """Published replies in these threads, in (created_at, id) order."""
    if not thread_ids:
        return []
    query = (
        select(comments)
        .where(
            comments.c.article_id == article_id, comments.c.thread_id.in_(thread_ids), comments.c.status == "approved"
        )
        .order_by(comments.c.created_at, comments.c.id)
    )
    return conn.execute(query).all()


def approved_counts(conn: Connection, article_ids: list[str]) -> dict[str, int]:
    """Published comments per article, for a list of articles (one grouped query)."""
    if not article_ids:
        return {}
    query = (
        select(comments.c.article_id, func.count())
        .where(comments.c.article_id.in_(article_ids), comments.c.status == "approved")
        .group_by(comments.c.article_id)
    )
    out = {a: 0 for a in article_ids}
    out.update({a: n for a, n in conn.execute(query).all()})
    return out


def count_by_status(conn: Connection, article_id: str | None = None) -> dict[str, int]:
    query = select(comments.c.status, func.count()).group_by(comments.c.status)
    if article_id is not None:
        query = query.where(comments.c.article_id == article_id)
    counts = {s.value: 0 for s in CommentStatus}
    counts.update({status: n for status, n in conn.execute(query).all()})
    return counts


def transition(
    conn: Connection,
    comment_id: int,
    *,
    to_status: str,
    from_status: str | None,
    expected_version: int | None,
) -> int | None:
    """Move a comment to ``to_status`` when it is still in ``from_status`` / ``expected_version``.

    Returns the new version, or None when the guard failed (someone else moved it first).
    The compare-and-set lives in the WHERE clause, so it holds across processes and backends.
    """
    if not _in(comment_id, _ID_RANGE) or (expected_version is not None and not _in(expected_version, _VERSION_RANGE)):
        return None
    query = update(comments).where(comments.c.id == comment_id)
    if from_status is not None:
        query = query.where(comments.c.status == from_status)
    if expected_version is not None:
        query = query.where(comments.c.version == expected_version)
    query = query.values(status=to_status, version=comments.c.version + 1).returning(comments.c.version)
    return conn.execute(query).scalar()


def set_machine_summary(conn: Connection, comment_id: int, *, risk: float | None, flags: list[str]) -> None:
    """The machine's highest score and its reasons' categories, for the queue's sort and filters."""
    conn.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(risk=risk if risk is not None else 0.0, flags=("," + ",".join(flags) + ",") if flags else None)
    )


def count_recent(
    conn: Connection, *, email: str | None = None, ip: str | None = None, since: datetime, until: datetime | None = None
) -> int:
    query = select(func.count()).select_from(comments).where(comments.c.created_at >= since)
    if until is not None:
        query = query.where(comments.c.created_at <= until)
    if email is not None:
        query = query.where(comments.c.email == email)
    if ip is not None:
        query = query.where(comments.c.ip == ip)
    return conn.execute(query).scalar_one()


def erase(conn: Connection, comment_id: int, *, at: datetime) -> bool:
    """Blank name, email and text once (the only UPDATE of them the trigger allows)."""
    conn.execute(delete(neardup_bands).where(neardup_bands.c.comment_id == comment_id))
    result = conn.execute(
        update(comments)
        .where(comments.c.id == comment_id, comments.c.erased_at.is_(None))
        .values(name="", email="", text="", ip=None, signature=None, idempotency_key=None, erased_at=at)
    )
    return result.rowcount == 1


def _of_address(email_key: str):
    """Comments posted with an address, compared as privacy requests compare them (stripped and
    lower-cased), erased ones excluded."""
    return (func.lower(func.trim(comments.c.email)) == email_key, comments.c.erased_at.is_(None))


def ids_by_email(conn: Connection, email_key: str) -> list[int]:
    """Ids of the live comments of an address (``email_key``: stripped, lower-cased)."""
    return list(conn.execute(select(comments.c.id).where(*_of_address(email_key)).order_by(comments.c.id)).scalars())


def rows_by_email(conn: Connection, email_key: str) -> list:
    """The live comments of an address with their article's title (a privacy export)."""
    return list(
        conn.execute(
            select(comments, articles.c.title.label("article_title"))
            .join(articles, articles.c.id == comments.c.article_id)
            .where(*_of_address(email_key))
            .order_by(comments.c.id)
        ).all()
    )


def purge_addresses(conn: Connection, *, before: datetime) -> int:
    result = conn.execute(
        update(comments).where(comments.c.created_at < before, comments.c.ip.is_not(None)).values(ip=None)
    )
    return result.rowcount


def pending_without_machine_decision(conn: Connection, limit: int = 1000) -> list[int]:
    """Pending comments never scored: the source of truth a lost job can be re-derived from."""
    from civility.storage.schema import decisions

    scored = select(decisions.c.comment_id).where(decisions.c.actor == "machine")
    query = (
        select(comments.c.id)
        .where(
            comments.c.status == CommentStatus.PENDING.value,
            comments.c.erased_at.is_(None),
            comments.c.id.not_in(scored),
        )
        .order_by(comments.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())
