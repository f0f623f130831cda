"""Sliding-window event counters in the database (rate limits, login failures), shared by
every web process. Keys are HMACs of emails/addresses, never the raw values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, delete, func, insert, select

from civility.storage.schema import login_failures, rate_events

TABLES: dict[str, Table] = {"rate": rate_events, "login": login_failures}


def add(conn: Connection, table: str, key: str, at: datetime) -> None:
    conn.execute(insert(TABLES[table]).values(key=key, at=at))


def window(conn: Connection, table: str, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many events ``key`` has since ``since``, and the oldest of them."""
    t = TABLES[table]
    count, oldest = conn.execute(select(func.count(), func.min(t.c.at)).where(t.c.key == key, t.c.at >= since)).one()
    return int(count), oldest


def remove(conn: Connection, table: str, key: str, at: datetime) -> None:
    """Take back one event (a login attempt counted in advance that turned out right)."""
    t = TABLES[table]
    conn.execute(delete(t).where(t.c.key == key, t.c.at == at))


def clear(conn: Connection, table: str, key: str) -> None:
    t = TABLES[table]
    conn.execute(delete(t).where(t.c.key == key))


def purge(conn: Connection, table: str, before: datetime) -> int:
    t = TABLES[table]
    return conn.execute(delete(t).where(t.c.at < before)).rowcount
