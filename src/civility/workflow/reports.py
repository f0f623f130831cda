"""Readers report a published comment with a reason: no account, rate-limited per network
address, one report per reader and comment. When a comment has ``reports_to_requeue`` open
reports it goes back to the review queue (it leaves the public pages at once), with an audit
row by "readers"; a moderator's next decision closes its reports."""

from __future__ import annotations

from datetime import timedelta

from civility.domain import CommentStatus
from civility.errors import NotFound, ValidationError
from civility.settings import Settings
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import reports as report_repo
from civility.workflow import events as ev
from civility.workflow.ratelimit import RateLimiter, address_bucket, hashed_key

REPORT_REASONS: dict[str, str] = {
    "insult": "It attacks a person",
    "hate": "It attacks a group of people",
    "threat": "It threatens someone",
    "spam": "It is advertising or spam",
    "off_topic": "It is off topic",
    "privacy": "It shares someone's private information",
    "other": "Something else",
}
NOTE_MAX = 500
READERS = "readers"
HOUR = timedelta(hours=1)


class Reports:
    def __init__(self, db: Database, settings: Settings, events: ev.Events, limiter: RateLimiter):
        self.db = db
        self.settings = settings
        self.events = events
        self.limiter = limiter

    def report(self, comment_id: int, reason: object, note: object, *, ip: str | None) -> bool:
        """Record a reader's report; True when this report sent the comment back to the queue.
        A second report of the same comment by the same reader is accepted and ignored."""
        reason_s = reason.strip() if isinstance(reason, str) else ""
        note_s = (note.strip() if isinstance(note, str) else "") or None
        if reason_s not in REPORT_REASONS:
            raise ValidationError({"reason": "Please choose why you report this comment."})
        if note_s and (len(note_s) > NOTE_MAX or "\x00" in note_s):
            raise ValidationError({"note": f"At most {NOTE_MAX} characters, please."})
        secret = self.settings.secret_key
        reporter = hashed_key(secret, "reporter", address_bucket(ip) if ip else "unknown")
        payload: dict | None = None
        with self.db.write() as conn:
            row = comment_repo.get_row(conn, comment_id, for_update=True)
            if row is None or row.status != CommentStatus.APPROVED.value or row.erased_at is not None:
                raise NotFound("Only a published comment can be reported.")
            self.limiter.hit(
                conn,
                hashed_key(secret, "report-ip", address_bucket(ip) if ip else "unknown"),
                limit=self.settings.rate_limit_reports_per_hour,
                window=HOUR,
                message="You have sent many reports in a short time; please wait.",
            )
            added = report_repo.add(
                conn, comment_id=comment_id, reason=reason_s, note=note_s, reporter=reporter, at=utcnow()
            )
            if added:
                self.events.publish(
                    conn,
                    ev.COMMENT_REPORTED,
                    {"comment_id": comment_id, "article_id": row.article_id, "reason": reason_s},
                )
            threshold = self.settings.reports_to_requeue
            if added and threshold > 0 and report_repo.open_count(conn, comment_id) >= threshold:
                version = comment_repo.transition(
                    conn,
                    comment_id,
                    to_status=CommentStatus.PENDING.value,
                    from_status=CommentStatus.APPROVED.value,
                    expected_version=row.version,
                )
                if version is not None:
                    n = report_repo.open_count(conn, comment_id)
                    decision_repo.append(
                        conn,
                        comment_id=comment_id,
                        decision="review",
                        actor=READERS,
                        reasons=[{"category": "reports", "note": f"{n} reader reports"}],
                        note=f"back in the queue after {n} reader reports",
                    )
                    payload = {"comment_id": comment_id, "article_id": row.article_id, "actor": READERS}
                    self.events.publish(conn, ev.COMMENT_REQUEUED, payload)
        if payload is not None:
            self.events.committed(ev.COMMENT_REQUEUED, payload)
            return True
        return False
