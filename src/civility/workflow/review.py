"""Reading comments: the public list (approved only, no email, keyset pages) and the review
queue moderators work from (comment with email, article title, latest verdict, audit trail)."""

from __future__ import annotations

from civility.domain import CommentStatus
from civility.errors import NotFound, ValidationError
from civility.storage.clock import as_utc
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.workflow.types import Page, PublicComment, QueueItem

MAX_LIMIT = 200


def _limit(limit: int) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise ValidationError({"limit": "a whole number"}) from None
    return max(1, min(value, MAX_LIMIT))


class Reader:
    def __init__(self, db: Database, default_page_size: int = 50):
        self.db = db
        self.default_page_size = default_page_size

    def public_comments(self, article_id: str, *, after: str | None = None, limit: int | None = None,
                        newest_first: bool = False) -> Page[PublicComment]:
        limit = _limit(limit or self.default_page_size)
        with self.db.read() as conn:
            if not article_repo.id_exists(conn, article_id):
                raise NotFound(f"article {article_id!r} does not exist")
            rows, cursor = comment_repo.page(conn, status=CommentStatus.APPROVED.value, article_id=article_id,
                                             after=after, limit=limit, descending=newest_first)
        items = [
            PublicComment(id=r.id, article_id=r.article_id, parent_id=r.parent_id, name=r.name, text=r.text,
                          created_at=as_utc(r.created_at), lang=r.lang)
            for r in rows
        ]
        return Page(items=items, next_cursor=cursor)

    def review_queue(self, *, status: str = "pending", article_id: str | None = None, after: str | None = None,
                     limit: int = 50) -> Page[QueueItem]:
        try:
            status = CommentStatus(status).value
        except ValueError:
            raise ValidationError({"status": "pending, approved or rejected"}) from None
        limit = _limit(limit)
        # Pending: oldest first (first in, first decided); decided lists: newest first.
        descending = status != CommentStatus.PENDING.value
        with self.db.read() as conn:
            rows, cursor = comment_repo.page(conn, status=status, article_id=article_id, after=after, limit=limit,
                                             descending=descending)
            histories = decision_repo.histories(conn, [r.id for r in rows])
            titles: dict[str, str] = {}
            for r in rows:
                if r.article_id not in titles:
                    article = article_repo.get_article(conn, r.article_id)
                    titles[r.article_id] = article.title if article else ""
        items = [
            QueueItem(
                comment=comment_repo.row_to_comment(r),
                article_title=titles[r.article_id],
                version=r.version,
                verdict=decision_repo.latest_verdict(histories[r.id], r.text),
                decisions=histories[r.id],
            )
            for r in rows
        ]
        return Page(items=items, next_cursor=cursor)

    def queue_item(self, comment_id: int) -> QueueItem:
        with self.db.read() as conn:
            row = comment_repo.get_row(conn, comment_id)
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            history = decision_repo.history(conn, comment_id)
            article = article_repo.get_article(conn, row.article_id)
        return QueueItem(comment=comment_repo.row_to_comment(row), article_title=article.title if article else "",
                         version=row.version, verdict=decision_repo.latest_verdict(history, row.text), decisions=history)

    def counts(self, article_id: str | None = None) -> dict[str, int]:
        with self.db.read() as conn:
            return comment_repo.count_by_status(conn, article_id)
