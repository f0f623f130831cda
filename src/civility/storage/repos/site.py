"""Site-wide settings stored in the database (the publisher's policy overrides, editable at run time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from civility.storage.clock import utcnow
from civility.storage.schema import site_settings
from civility.storage.upsert import insert_on_conflict

POLICY_KEY = "policy_overrides"


def get(conn: Connection, key: str, default: Any = None) -> Any:
    value = conn.execute(select(site_settings.c.value).where(site_settings.c.key == key)).scalar()
    return default if value is None else value


def put(conn: Connection, key: str, value: Any) -> None:
    stmt = insert_on_conflict(conn, site_settings).values(key=key, value=value, updated_at=utcnow())
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": utcnow()})
    conn.execute(stmt)
