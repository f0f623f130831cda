"""Commenters by email: bans (reason, expiry, lifted) and the counts that make one trusted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from civility.storage.clock import as_utc
from civility.storage.schema import bans, comments


def add_ban(conn: Connection, *, email: str, reason: str, actor: str, at: datetime, expires_at: datetime | None) -> int:
    return conn.execute(
        insert(bans)
        .values(email=email.strip().lower(), reason=reason, actor=actor, created_at=at, expires_at=expires_at)
        .returning(bans.c.id)
    ).scalar_one()


def lift_bans(conn: Connection, email: str, *, at: datetime) -> int:
    result = conn.execute(
        update(bans).where(bans.c.email == email.strip().lower(), bans.c.lifted_at.is_(None)).values(lifted_at=at)
    )
    return result.rowcount


def active_ban(conn: Connection, email: str, *, now: datetime) -> dict | None:
    row = conn.execute(
        select(bans)
        .where(
            bans.c.email == email.strip().lower(),
            bans.c.lifted_at.is_(None),
            or_(bans.c.expires_at.is_(None), bans.c.expires_at > now),
        )
        .order_by(bans.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "reason": row.reason,
        "actor": row.actor,
        "created_at": as_utc(row.created_at),
        "expires_at": as_utc(row.expires_at),
    }


def trust_counts(conn: Connection, email: str, *, since: datetime) -> tuple[int, int]:
    """(approved comments ever, rejected comments posted since ``since``) of this address."""
    lower = email.strip().lower()
    approved = conn.execute(
        select(func.count())
        .select_from(comments)
        .where(func.lower(comments.c.email) == lower, comments.c.status == "approved")
    ).scalar_one()
    rejected = conn.execute(
        select(func.count())
        .select_from(comments)
        .where(
            and_(func.lower(comments.c.email) == lower, comments.c.status == "rejected", comments.c.created_at >= since)
        )
    ).scalar_one()
    return approved, rejected
