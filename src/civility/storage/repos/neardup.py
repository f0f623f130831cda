"""Near-duplicate lookup tables: band keys of each comment's signature, and candidate search."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, insert, select, update

from civility.storage.schema import comments, neardup_bands


def store(conn: Connection, comment_id: int, signature: bytes, band_keys: Iterable[str]) -> None:
    conn.execute(update(comments).where(comments.c.id == comment_id).values(signature=signature))
    rows = [{"band_key": str(k)[:64], "comment_id": comment_id} for k in dict.fromkeys(band_keys)]
    if rows:
        existing = set(
            conn.execute(select(neardup_bands.c.band_key).where(neardup_bands.c.comment_id == comment_id)).scalars()
        )
        rows = [r for r in rows if r["band_key"] not in existing]
        if rows:
            conn.execute(insert(neardup_bands), rows)


def candidates(conn: Connection, band_keys: Iterable[str], *, exclude: int, limit: int = 200) -> list[tuple[int, bytes]]:
    """Earlier comments sharing at least one band key, with their signatures."""
    keys = [str(k)[:64] for k in dict.fromkeys(band_keys)]
    if not keys:
        return []
    ids = (
        select(neardup_bands.c.comment_id)
        .where(neardup_bands.c.band_key.in_(keys), neardup_bands.c.comment_id != exclude)
        .distinct()
        .subquery()
    )
    query = (
        select(comments.c.id, comments.c.signature)
        .where(comments.c.id.in_(select(ids.c.comment_id)), comments.c.signature.is_not(None), comments.c.id < exclude)
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    return [(row.id, bytes(row.signature)) for row in conn.execute(query)]
