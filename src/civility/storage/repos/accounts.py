"""Moderators and their sessions (the session id is a hash of the token; the token is never stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from civility.storage.clock import as_utc, utcnow
from civility.storage.schema import moderators, sessions


def insert_moderator(conn: Connection, *, name: str, password_hash: str, role: str) -> int:
    return conn.execute(
        insert(moderators)
        .values(name=name, password_hash=password_hash, role=role, created_at=utcnow())
        .returning(moderators.c.id)
    ).scalar_one()


def moderator_by_name(conn: Connection, name: str):
    return conn.execute(select(moderators).where(moderators.c.name == name)).first()


def moderator_by_id(conn: Connection, moderator_id: int):
    return conn.execute(select(moderators).where(moderators.c.id == moderator_id)).first()


def all_moderators(conn: Connection):
    return conn.execute(select(moderators).order_by(moderators.c.name)).all()


def set_password_hash(conn: Connection, moderator_id: int, password_hash: str) -> None:
    conn.execute(update(moderators).where(moderators.c.id == moderator_id).values(password_hash=password_hash))


def insert_session(
    conn: Connection, *, session_id: str, moderator_id: int, csrf_token: str, expires_at: datetime
) -> None:
    conn.execute(
        insert(sessions).values(
            id=session_id, moderator_id=moderator_id, csrf_token=csrf_token, created_at=utcnow(), expires_at=expires_at
        )
    )


def session_with_moderator(conn: Connection, session_id: str):
    query = (
        select(
            sessions.c.id,
            sessions.c.csrf_token,
            sessions.c.created_at,
            sessions.c.expires_at,
            moderators.c.id.label("moderator_id"),
            moderators.c.name,
            moderators.c.role,
            moderators.c.created_at.label("moderator_created_at"),
        )
        .join(moderators, moderators.c.id == sessions.c.moderator_id)
        .where(sessions.c.id == session_id)
    )
    row = conn.execute(query).first()
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    return row


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id == session_id))


def delete_expired_sessions(conn: Connection) -> int:
    return conn.execute(delete(sessions).where(sessions.c.expires_at <= utcnow())).rowcount
