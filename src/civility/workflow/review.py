"""The review queue moderators work from: comments with their email, the article title, the
latest verdict, the audit trail and readers' reports; its sort, filters and search; a commenter's
history; and what a reader is told about their own comment (the public list is
``publish.PublicComments``)."""

from __future__ import annotations

from civility.domain import CommentStatus
from civility.domain.categories import CATEGORY_TABLE
from civility.errors import NotFound, ValidationError
from civility.storage import fts
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import commenters as commenter_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import reports as report_repo
from civility.workflow.publish import page_limit
from civility.workflow.types import Outcome, Page, QueueItem


class ReviewQueue:
    def __init__(self, db: Database):
        self.db = db

    def review_queue(
        self,
        *,
        status: str = "pending",
        article_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
        sort: str | None = None,
        category: str | None = None,
        lang: str | None = None,
        email: str | None = None,
        q: str | None = None,
    ) -> Page[QueueItem]:
        """A page of the queue. ``sort``: oldest (default for pending), newest (default for decided
        lists), fine_first / risky_first (by the machine's highest score); filters by article,
        reason category, language and commenter email; ``q``: full-text search of the texts."""
        try:
            status = CommentStatus(status).value
        except ValueError:
            raise ValidationError({"status": "pending, approved or rejected"}) from None
        limit = page_limit(limit)
        sort = sort or ("oldest" if status == CommentStatus.PENDING.value else "newest")
        if sort not in comment_repo.QUEUE_SORTS:
            raise ValidationError({"sort": ", ".join(comment_repo.QUEUE_SORTS)})
        if category is not None and category not in CATEGORY_TABLE:
            raise ValidationError({"category": "one of the rule categories"})
        with self.db.read() as conn:
            search = fts.match_clause(conn.dialect.name, q) if q else None
            rows, cursor = comment_repo.queue_page(
                conn,
                status=status,
                article_id=article_id,
                after=after,
                limit=limit,
                sort=sort,
                category=category,
                lang=lang or None,
                email=email or None,
                search=search,
            )
            items = self._items(conn, rows)
        return Page(items=items, next_cursor=cursor)

    @staticmethod
    def _items(conn, rows) -> list[QueueItem]:
        """Queue items for these rows: histories, reports and article titles in few queries."""
        histories = decision_repo.histories(conn, [r.id for r in rows])
        reported = report_repo.for_comments(conn, [r.id for r in rows])
        titles = article_repo.titles(conn, list({r.article_id for r in rows}))
        return [
            QueueItem(
                comment=comment_repo.row_to_comment(r),
                article_title=titles.get(r.article_id, ""),
                version=r.version,
                verdict=decision_repo.latest_verdict(histories[r.id], r.text),
                decisions=histories[r.id],
                reports=reported[r.id],
            )
            for r in rows
        ]

    def queue_item(self, comment_id: int) -> QueueItem:
        with self.db.read() as conn:
            row = comment_repo.get_row(conn, comment_id)
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            history = decision_repo.history(conn, comment_id)
            article = article_repo.get_article(conn, row.article_id)
            reported = report_repo.for_comments(conn, [comment_id])[comment_id]
        return QueueItem(
            comment=comment_repo.row_to_comment(row),
            article_title=article.title if article else "",
            version=row.version,
            verdict=decision_repo.latest_verdict(history, row.text),
            decisions=history,
            reports=reported,
        )

    def commenter(self, email: str, *, limit: int = 50) -> dict:
        """A commenter's record for moderators: comments per status, the share rejected among
        decided ones, and their latest comments (any status) with their decision histories."""
        email = (email or "").strip()
        if not email:
            raise ValidationError({"email": "required"})
        with self.db.read() as conn:
            counts = comment_repo.counts_by_email(conn, email)
            ban = commenter_repo.active_ban(conn, email, now=utcnow())
            rows, _ = comment_repo.queue_page(conn, status=None, limit=limit, sort="newest", email=email)
            recent = self._items(conn, rows)
        decided = counts["approved"] + counts["rejected"]
        return {
            "email": email,
            "counts": counts,
            "total": sum(counts.values()),
            "rejection_rate": (counts["rejected"] / decided) if decided else None,
            "recent": recent[:limit],
            "ban": ban,
        }

    def outcome(self, comment_id: int) -> Outcome:
        """What the reader who posted ``comment_id`` may be told: its status and, when it was not
        published, the community rules the machine found it breaks (rule words, no scores, no
        evidence). A person's rejection names no rule (their note is for the audit log)."""
        with self.db.read() as conn:
            row = comment_repo.get_row(conn, comment_id)
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            status = CommentStatus(row.status)
            if status is not CommentStatus.REJECTED or row.erased_at is not None:
                return Outcome(status=status)
            history = decision_repo.history(conn, comment_id)
        last = next((d for d in reversed(history) if d.decision in ("reject", "withdraw", "erase")), None)
        if last is None or last.actor != "machine":
            return Outcome(status=status, by_moderator=True)
        categories = [r.get("category") for r in last.reasons if r.get("category") in CATEGORY_TABLE]
        specific = [c for c in categories if c != "toxic"] or categories
        rules = tuple(dict.fromkeys(CATEGORY_TABLE[c].rule for c in specific))
        return Outcome(status=status, rules=rules)

    def counts(self, article_id: str | None = None) -> dict[str, int]:
        with self.db.read() as conn:
            return comment_repo.count_by_status(conn, article_id)
