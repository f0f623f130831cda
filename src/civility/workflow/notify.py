"""Mail notifications, sent only after approval: the "notify" job (queued in the same transaction
as the approval) tells the commenter that their comment is published. The mail carries no
user-written text (only the article's title and a link), so it cannot relay a message, and it
is checked again at send time: a comment rejected or erased meanwhile sends nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from civility.domain import CommentStatus
from civility.settings import Settings
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import comments as comment_repo
from civility.workflow.mail import Mail, MailSender, sender_from_settings


class PublishedNotifier:
    """A Platform notifier: ``notifier(payload)`` for each "comment.approved" notify job."""

    def __init__(self, db: Database, settings: Settings, mailer: MailSender | None = None):
        self.db = db
        self.settings = settings
        self.mailer = mailer if mailer is not None else sender_from_settings(settings)

    def __call__(self, payload: dict[str, Any]) -> bool:
        if not self.settings.notify_on_publish:
            return False
        with self.db.read() as conn:
            row = comment_repo.get_row(conn, int(payload["comment_id"]))
            if row is None or row.status != CommentStatus.APPROVED.value or row.erased_at is not None or not row.email:
                return False
            article = article_repo.get_article(conn, row.article_id)
        if article is None:
            return False
        base = self.settings.base_url.rstrip("/")
        link = f"{base}/articles/{quote(article.id, safe='')}#comment-{row.id}"
        body = (
            f"Your comment on \u201c{article.title}\u201d is published:\n{link}\n\n"
            f"You get this mail because a comment was posted with this address on {self.settings.site_name}. "
            f"To download or erase your comments: {base}/privacy\n"
        )
        # One message per comment: a job run twice after a crash writes the same message id.
        self.mailer.send(
            Mail(
                to=row.email,
                subject="Your comment is published",
                body=body,
                kind="comment-published",
                message_id=f"published-{row.id}",
            )
        )
        return True
