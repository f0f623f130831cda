"""Privacy links: one row per export/erasure request, found by the hash of its token (the
token itself is never stored), used once, deleted when used, expired or erased."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from civility.storage.schema import privacy_links


def add_link(
    conn: Connection,
    *,
    request_id: str,
    token_hash: str,
    action: str,
    email: str,
    dedupe_key: str,
    created_at: datetime,
    expires_at: datetime,
) -> bool:
    """Store a request; False (and nothing stored) when one with ``dedupe_key`` exists already.
    A savepoint keeps the duplicate from aborting the caller's transaction."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(privacy_links).values(
                    request_id=request_id,
                    token_hash=token_hash,
                    action=action,
                    email=email,
                    dedupe_key=dedupe_key,
                    created_at=created_at,
                    expires_at=expires_at,
                )
            )
    except IntegrityError:
        return False
    return True


def by_request(conn: Connection, request_id: str) -> Any:
    return conn.execute(select(privacy_links).where(privacy_links.c.request_id == request_id)).first()


def by_token_hash(conn: Connection, token_hash: str) -> Any:
    return conn.execute(select(privacy_links).where(privacy_links.c.token_hash == token_hash)).first()


def delete_request(conn: Connection, request_id: str) -> bool:
    """Delete one link; True when this call deleted it (the compare-and-set of single use)."""
    return conn.execute(delete(privacy_links).where(privacy_links.c.request_id == request_id)).rowcount == 1


def delete_for_email(conn: Connection, email: str) -> int:
    """Every link of an address (at erasure: the address must not outlive its comments here)."""
    return conn.execute(delete(privacy_links).where(privacy_links.c.email == email)).rowcount


def purge_expired(conn: Connection, *, now: datetime) -> int:
    return conn.execute(delete(privacy_links).where(privacy_links.c.expires_at < now)).rowcount
