"""The review queue moderators work from: comments with their email, the article title, the
latest verdict and the audit trail (the public list is ``publish.PublicComments``)."""

from __future__ import annotations

from civility.domain import CommentStatus
from civility.errors import NotFound, ValidationError
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.workflow.publish import page_limit
from civility.workflow.types import Page, QueueItem


class ReviewQueue:
    def __init__(self, db: Database):
        self.db = db

    def review_queue(self, *, status: str = "pending", article_id: str | None = None, after: str | None = None,
                     limit: int = 50, lang: str | None = None) -> Page[QueueItem]:
        try:
            status = CommentStatus(status).value
        except ValueError:
            raise ValidationError({"status": "pending, approved or rejected"}) from None
        limit = page_limit(limit)
        # Pending: oldest first (first in, first decided); decided lists: newest first.
        descending = status != CommentStatus.PENDING.value
        with self.db.read() as conn:
            rows, cursor = comment_repo.page(conn, status=status, article_id=article_id, after=after, limit=limit,
                                             descending=descending, lang=lang)
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
