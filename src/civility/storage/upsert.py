"""INSERT ... ON CONFLICT for both backends: the dialect's own ``insert`` construct (SQLite and
PostgreSQL spell it the same way, through different SQLAlchemy classes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table


def insert_on_conflict(conn: Connection, table: Table) -> Any:
    """``insert(table)`` of the connection's dialect, which has ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
