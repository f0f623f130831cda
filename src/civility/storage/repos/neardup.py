"""Near-duplicate lookup tables: band keys of each comment's signature, and candidate search."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, bindparam, select, update

from civility.storage.schema import comments, neardup_bands
from civility.storage.upsert import insert_on_conflict


def store_many(conn: Connection, signatures: dict[int, tuple[bytes, Iterable[str]]]) -> None:
    """Signatures and band keys of several comments in few statements (re-storing is a no-op)."""
    if not signatures:
        return
    conn.execute(
        update(comments).where(comments.c.id == bindparam("cid")).values(signature=bindparam("sig")),
        [{"cid": cid, "sig": sig} for cid, (sig, _) in signatures.items()],
    )
    rows = [
        {"band_key": str(k)[:64], "comment_id": cid}
        for cid, (_, keys) in signatures.items()
        for k in dict.fromkeys(keys)
    ]
    conn.execute(insert_on_conflict(conn, neardup_bands).on_conflict_do_nothing(), rows)


def store(conn: Connection, comment_id: int, signature: bytes, band_keys: Iterable[str]) -> None:
    store_many(conn, {comment_id: (signature, band_keys)})


def candidates(
    conn: Connection, band_keys: Iterable[str], *, exclude: int, limit: int = 200
) -> list[tuple[int, bytes]]:
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
