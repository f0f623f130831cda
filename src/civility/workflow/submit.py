"""Submitting a comment: validate, rate-limit, then store it and its scoring job in ONE
transaction before answering. An Idempotency-Key returns the first submission (created=False),
also when two retries race (the unique constraint decides, the loser reads the winner)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy.exc import IntegrityError

from civility.domain import CommentStatus, Decision
from civility.errors import CommentsClosed, Conflict, NotFound, ValidationError
from civility.jobs.base import JobQueue
from civility.moderation.language import identify
from civility.settings import Settings
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import commenters as commenter_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.workflow import events as ev
from civility.workflow import publish
from civility.workflow.ratelimit import RateLimiter, address_bucket, hashed_key
from civility.workflow.types import Outcome, SubmitResult

EMAIL_MAX = 254
IDEMPOTENCY_KEY_MAX = 200
HOUR = timedelta(hours=1)
SCORE_JOB = "score_comment"
BAN_POLICY = "ban@1"
TRUSTED_POLICY = "trusted@1"
# Deliberately simple (no nested quantifiers: no ReDoS): local@domain.tld, no spaces.
# Embeddings/overrides/isolates can make a name display as something else next to other text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
# Letters and signs that draw nothing: the Hangul fillers, the blank Braille pattern.
_BLANK_GRAPHIC = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@dataclass(frozen=True)
class CleanSubmission:
    name: str
    email: str
    text: str


def _storable(value: str) -> bool:
    """No NUL (PostgreSQL text refuses it) and no lone surrogates (not encodable as UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_visible(value: str) -> bool:
    """At least one character that draws something: a letter, digit, punctuation or symbol.
    Format characters (zero-width space and joiners, ZWNJ, word joiner, BOM, soft hyphen),
    spaces, lone combining marks and the filler letters draw nothing. They stay allowed next
    to visible ones: ZWNJ is part of normal Persian and Kurdish spelling."""
    return any(unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_GRAPHIC for ch in value)


def validate(settings: Settings, name: object, email: object, text: object) -> CleanSubmission:
    """Per-field messages a reader can act on; raises ValidationError when any field is wrong."""
    errors: dict[str, str] = {}
    name_s = name.strip() if isinstance(name, str) else ""
    email_s = email.strip() if isinstance(email, str) else ""
    text_s = text.strip() if isinstance(text, str) else ""

    if not name_s:
        errors["name"] = "Please enter your name."
    elif len(name_s) > settings.name_max_length:
        errors["name"] = f"Your name is too long: at most {settings.name_max_length} characters."
    elif not _storable(name_s) or any(
        unicodedata.category(ch) in {"Cc", "Zl", "Zp"} or ch in _BIDI_CONTROLS for ch in name_s
    ):
        errors["name"] = "Your name contains characters that cannot be used."
    elif not has_visible(name_s):
        errors["name"] = "Your name must contain at least one visible letter or sign."

    if not email_s:
        errors["email"] = "Please enter your email address (it is never shown)."
    elif len(email_s) > EMAIL_MAX or not EMAIL_PATTERN.fullmatch(email_s) or not _storable(email_s):
        errors["email"] = "Please enter a valid email address, like name@example.org."

    if not text_s:
        errors["text"] = "Please write a comment."
    elif len(text_s) > settings.comment_max_length:
        errors["text"] = f"Your comment is {len(text_s)} characters long; the limit is {settings.comment_max_length}."
    elif not _storable(text_s):
        errors["text"] = "Your comment contains characters that cannot be stored."
    elif not has_visible(text_s):
        errors["text"] = "Your comment must contain at least one visible character."

    if errors:
        raise ValidationError(errors)
    return CleanSubmission(name=name_s, email=email_s, text=text_s)


def comments_closed(article, settings: Settings, now=None) -> bool:
    """Closed by hand, or ``close_comments_after_days`` after publication (0: never by age)."""
    if article.comments_closed_at is not None:
        return True
    days = settings.close_comments_after_days
    start = article.published_at or article.created_at
    if days <= 0 or start is None:
        return False
    return (now or utcnow()) >= start + timedelta(days=days)


class Submitter:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        queue: JobQueue,
        events: ev.Events,
        limiter: RateLimiter,
        settle: Callable[[int], Outcome] | None = None,
    ):
        self.db = db
        # After the commit: wait (briefly) for the machine's verdict, so the answer is the truth.
        self.settle = settle
        self.settings = settings
        self.queue = queue
        self.events = events
        self.limiter = limiter

    def submit(
        self,
        article_id: str,
        name: object,
        email: object,
        text: object,
        *,
        ip: str | None,
        idempotency_key: str | None = None,
        parent_id: int | None = None,
    ) -> SubmitResult:
        clean = validate(self.settings, name, email, text)
        if idempotency_key is not None:
            idempotency_key = idempotency_key.strip()
            if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX or not _storable(idempotency_key):
                raise ValidationError({"idempotency_key": f"must be 1-{IDEMPOTENCY_KEY_MAX} characters"})
            earlier = self._replay(idempotency_key, article_id, clean)
            if earlier is not None:
                return earlier
        try:
            comment_id = self._store(article_id, clean, ip=ip, key=idempotency_key, parent_id=parent_id)
        except IntegrityError:
            # Lost a race with a concurrent retry carrying the same key: answer with the winner.
            earlier = self._replay(idempotency_key, article_id, clean) if idempotency_key else None
            if earlier is None:
                raise
            return earlier
        payload = {"comment_id": comment_id, "article_id": article_id}
        self.events.committed(ev.COMMENT_SAVED, payload)  # wakes the worker (publish.wire)
        if self.settle is not None:
            outcome = self.settle(comment_id)
            return SubmitResult(comment_id=comment_id, status=outcome.status, created=True, rules=outcome.rules)
        return SubmitResult(comment_id=comment_id, status=CommentStatus.PENDING, created=True)

    def _replay(self, key: str, article_id: str, clean: CleanSubmission) -> SubmitResult | None:
        with self.db.read() as conn:
            row = comment_repo.find_by_idempotency_key(conn, key)
        if row is None:
            return None
        if row.article_id != article_id or row.text != clean.text or row.email != clean.email:
            raise Conflict("this Idempotency-Key was already used for a different comment")
        return SubmitResult(comment_id=row.id, status=CommentStatus(row.status), created=False)

    def _store(
        self, article_id: str, clean: CleanSubmission, *, ip: str | None, key: str | None, parent_id: int | None
    ) -> int:
        secret = self.settings.secret_key
        with self.db.write() as conn:
            article = article_repo.get_article(conn, article_id)
            if article is None:
                raise NotFound(f"article {article_id!r} does not exist")
            if comments_closed(article, self.settings):
                raise CommentsClosed("Comments on this article are closed.")
            thread_id = None
            if parent_id is not None:
                parent = comment_repo.get_row(conn, parent_id)
                if parent is None or parent.article_id != article_id or parent.status != CommentStatus.APPROVED.value:
                    raise ValidationError({"parent_id": "You can only reply to a published comment of this article."})
                thread_id = parent.thread_id or parent.id
            if ip:
                self.limiter.hit(
                    conn,
                    hashed_key(secret, "comment-ip", address_bucket(ip)),
                    limit=self.settings.rate_limit_ip_per_hour,
                    window=HOUR,
                    message="Too many comments from your network address; please wait.",
                )
            self.limiter.hit(
                conn,
                hashed_key(secret, "comment-email", clean.email.lower()),
                limit=self.settings.rate_limit_email_per_hour,
                window=HOUR,
                message="Too many comments from this email address; please wait.",
            )
            comment_id = comment_repo.insert_comment(
                conn,
                article_id=article_id,
                parent_id=parent_id,
                thread_id=thread_id,
                name=clean.name,
                email=clean.email,
                text=clean.text,
                lang=identify(clean.text).lang,
                status=CommentStatus.PENDING.value,
                version=1,
                created_at=utcnow(),
                ip=ip[:64] if ip else None,
                idempotency_key=key,
            )
            self.events.publish(conn, ev.COMMENT_SAVED, {"comment_id": comment_id, "article_id": article_id})
            ruled, decided = self._commenter_rules(conn, comment_id, article_id, clean.email)
            if not ruled:
                self.queue.enqueue_in(conn, SCORE_JOB, {"comment_id": comment_id}, key=f"score:{comment_id}")
        if decided is not None:
            publish.announce(self.events, decided)
        return comment_id

    def _commenter_rules(self, conn, comment_id: int, article_id: str, email: str) -> tuple[bool, dict | None]:
        """A banned address (held or rejected, as the publisher chose) or a trusted commenter
        (published at once, when the publisher turned trust on) skips the machine; the audit row
        says which rule applied. Returns (a rule applied, the status change to announce after the commit)."""
        now = utcnow()
        ban = commenter_repo.active_ban(conn, email, now=now)
        if ban is not None:
            reject = self.settings.banned_comments == "reject"
            decision_repo.append(
                conn,
                comment_id=comment_id,
                decision="reject" if reject else "review",
                actor="machine",
                policy_version=BAN_POLICY,
                note=f"banned address ({ban['reason']})",
            )
            if not reject:
                return True, None  # held for a person; no machine score
            done = publish.change_status(
                conn,
                self.events,
                comment_id=comment_id,
                article_id=article_id,
                decision=Decision.REJECT,
                actor="machine",
                from_status=CommentStatus.PENDING,
                expected_version=None,
            )
            return True, done
        needed = self.settings.trusted_after_approved
        if needed > 0:
            approved, rejected = commenter_repo.trust_counts(
                conn, email, since=now - timedelta(days=self.settings.trusted_clean_days)
            )
            if approved >= needed and rejected == 0:
                decision_repo.append(
                    conn,
                    comment_id=comment_id,
                    decision="approve",
                    actor="machine",
                    policy_version=TRUSTED_POLICY,
                    note=f"trusted commenter: {approved} approved comments, none rejected in "
                    f"{self.settings.trusted_clean_days} days",
                )
                done = publish.change_status(
                    conn,
                    self.events,
                    comment_id=comment_id,
                    article_id=article_id,
                    decision=Decision.APPROVE,
                    actor="machine",
                    from_status=CommentStatus.PENDING,
                    expected_version=None,
                )
                return True, done
        return False, None
