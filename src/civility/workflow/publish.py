"""The publish step, whoever decides (the machine in scoring.py, a moderator in decide.py):

1. ``change_status`` moves a pending comment to approved or rejected with a compare-and-set on
   its status and version, and publishes "comment.approved"/"comment.rejected" inside the same
   transaction;
2. what an approval sets off is wired here once (``wire``): a "notify" job queued in that
   transaction (notify.py sends the mail at run time), the article's cached public pages dropped
   after the commit (cache.py is the cache itself), the worker woken;
3. ``PublicComments`` reads what is published: an article's approved comments, keyset pages,
   no email, through the shared cache; and the discussion as threads (a reply only under its
   published parent).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from civility.domain import CommentStatus, Decision
from civility.errors import NotFound, ValidationError
from civility.jobs.base import JobQueue
from civility.storage.clock import as_utc
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import comments as comment_repo
from civility.workflow import events as ev
from civility.workflow.cache import PublicCommentsCache
from civility.workflow.types import Page, PublicComment, ThreadEntry

NOTIFY_JOB = "notify"
MAX_LIMIT = 200
STATUS_OF = {Decision.APPROVE: CommentStatus.APPROVED, Decision.REJECT: CommentStatus.REJECTED}
EVENT_OF = {Decision.APPROVE: ev.COMMENT_APPROVED, Decision.REJECT: ev.COMMENT_REJECTED}


def change_status(
    conn: Connection,
    events: ev.Events,
    *,
    comment_id: int,
    article_id: str,
    decision: Decision,
    actor: str,
    from_status: CommentStatus | None,
    expected_version: int | None,
) -> dict[str, Any] | None:
    """Approve or reject inside ``conn``'s transaction. Returns the event payload to announce
    with ``announce`` after the commit, or None (and publishes nothing) when the guard failed:
    someone else moved the comment first."""
    new_version = comment_repo.transition(
        conn,
        comment_id,
        to_status=STATUS_OF[decision].value,
        from_status=from_status.value if from_status is not None else None,
        expected_version=expected_version,
    )
    if new_version is None:
        return None
    payload = {"comment_id": comment_id, "article_id": article_id, "decision": decision.value, "actor": actor}
    events.publish(conn, EVENT_OF[decision], payload)
    return payload


def announce(events: ev.Events, payload: dict[str, Any]) -> None:
    """After the commit: run the after-commit subscribers of the status change in ``payload``."""
    events.committed(EVENT_OF[Decision(payload["decision"])], payload)


def wire(events: ev.Events, queue: JobQueue, cache: PublicCommentsCache) -> None:
    """Subscribe the consequences of a status change (once per Platform)."""

    def drop_cached_pages(payload: dict[str, Any]) -> None:
        if payload.get("article_id"):
            cache.invalidate(str(payload["article_id"]))

    # Also when a comment leaves the public pages: rejected or withdrawn after approval, back in the
    # queue after readers' reports or an undo.
    for name in (
        ev.COMMENT_APPROVED,
        ev.COMMENT_ERASED,
        ev.COMMENT_REJECTED,
        ev.COMMENT_WITHDRAWN,
        ev.COMMENT_REQUEUED,
    ):
        events.subscribe_after_commit(name, drop_cached_pages)

    def queue_notification(conn: Connection, payload: dict[str, Any]) -> None:
        queue.enqueue_in(
            conn,
            NOTIFY_JOB,
            {"comment_id": payload["comment_id"], "event": ev.COMMENT_APPROVED},
            key=f"notify:{payload['comment_id']}",
        )

    events.subscribe(ev.COMMENT_APPROVED, queue_notification)
    for name in (ev.COMMENT_APPROVED, ev.COMMENT_REJECTED, ev.COMMENT_SAVED):
        events.subscribe_after_commit(name, lambda _payload: queue.wake())


def page_limit(limit: int) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise ValidationError({"limit": "a whole number"}) from None
    return max(1, min(value, MAX_LIMIT))


def _public(r: Any) -> PublicComment:
    return PublicComment(
        id=r.id,
        article_id=r.article_id,
        parent_id=r.parent_id,
        name=r.name,
        text=r.text,
        created_at=as_utc(r.created_at),
        lang=r.lang,
    )


class PublicComments:
    """An article's published comments as anyone may read them."""

    def __init__(self, db: Database, cache: PublicCommentsCache, default_page_size: int = 50):
        self.db = db
        self.cache = cache
        self.default_page_size = default_page_size

    def page(
        self, article_id: str, *, after: str | None = None, limit: int | None = None, newest_first: bool = False
    ) -> Page[PublicComment]:
        """Approved comments, oldest first (the reading order of a page) or newest first (feeds);
        the same index serves both directions. Only the oldest-first pages are cached."""
        if newest_first:
            return self.from_database(article_id, after=after, limit=limit, newest_first=True)
        return self.cache.page(
            article_id, after, limit, lambda: self.from_database(article_id, after=after, limit=limit)
        )

    def approved_count(self, article_id: str) -> int:
        return self.cache.approved_count(article_id, lambda: self._count(article_id))

    def _count(self, article_id: str) -> int:
        with self.db.read() as conn:
            return comment_repo.count_by_status(conn, article_id).get(CommentStatus.APPROVED.value, 0)

    def from_database(
        self, article_id: str, *, after: str | None = None, limit: int | None = None, newest_first: bool = False
    ) -> Page[PublicComment]:
        """The page read from the database, past the cache."""
        limit = page_limit(limit or self.default_page_size)
        with self.db.read() as conn:
            if not article_repo.id_exists(conn, article_id):
                raise NotFound(f"article {article_id!r} does not exist")
            rows, cursor = comment_repo.page(
                conn,
                status=CommentStatus.APPROVED.value,
                article_id=article_id,
                after=after,
                limit=limit,
                descending=newest_first,
                public=True,
            )
        return Page(items=[_public(r) for r in rows], next_cursor=cursor)

    def threads(
        self, article_id: str, *, after: str | None = None, limit: int | None = None
    ) -> Page[list[ThreadEntry]]:
        """One page of threads (paged by their first comment, oldest first), each a list of
        entries in reading order. A reply is shown only when every comment above it is published."""
        limit = page_limit(limit or self.default_page_size)
        with self.db.read() as conn:
            if not article_repo.id_exists(conn, article_id):
                raise NotFound(f"article {article_id!r} does not exist")
            roots, cursor = comment_repo.page(
                conn,
                status=CommentStatus.APPROVED.value,
                article_id=article_id,
                after=after,
                limit=limit,
                top_level=True,
            )
            replies = comment_repo.thread_replies(conn, article_id, [r.id for r in roots])
        by_id = {r.id: r for r in [*roots, *replies]}
        children: dict[int, list] = {}
        for r in replies:
            children.setdefault(r.parent_id, []).append(r)
        threads = []
        for root in roots:
            entries = [ThreadEntry(_public(root), 0)]
            # Depth-first, in posting order: a reply right under the comment it answers.
            stack = [(child, 1) for child in reversed(children.get(root.id, []))]
            while stack:
                row, depth = stack.pop()
                parent_name = by_id[row.parent_id].name
                entries.append(ThreadEntry(_public(row), min(depth, 2), parent_name if depth > 2 else None))
                stack.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
            threads.append(entries)
        return Page(items=threads, next_cursor=cursor)
