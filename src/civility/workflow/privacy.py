"""Commenters' privacy rights and data retention: ask, by email address, for an export or an
erasure of one's comments; the link that does it is mailed to that address (only its owner can
use it), and the answer never says whether the address is known. Also the retention job that
forgets commenters' network addresses after `ip_retention_days`."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from civility.errors import Conflict, PermissionDenied, ValidationError
from civility.settings import Settings
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.schema import articles, comments, decisions, jobs
from civility.workflow.mail import Mail, MailSender, sender_from_settings
from civility.workflow.ratelimit import RateLimiter, address_bucket, hashed_key

PRIVACY_LINK_JOB = "privacy_link"
RETENTION_JOB = "purge_addresses"
ACTIONS = ("export", "erase")
ERASE_ACTOR = "commenter"
EMAIL_MAX = 254
REQUESTS_PER_EMAIL_PER_HOUR = 3
REQUESTS_PER_IP_PER_HOUR = 20
HOUR = timedelta(hours=1)
# Same shape the comment form accepts; no nested quantifiers (no ReDoS).
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")

_SUBJECT = {"export": "Your comments: the export you asked for", "erase": "Your comments: confirm the erasure"}
_BODY = {
    "export": "Someone (we hope you) asked for a copy of the comments posted with this address on {site}.\n\n"
              "Open this link to download them (it works for {hours} hours):\n{url}\n\n"
              "If you did not ask for this, ignore this mail: nothing happens.\n",
    "erase": "Someone (we hope you) asked to erase the comments posted with this address on {site}.\n\n"
             "Open this link and confirm to erase your name, email address and text from every comment "
             "(it works for {hours} hours):\n{url}\n\n"
             "If you did not ask for this, ignore this mail: nothing happens.\n",
}


def email_key(email: str) -> str:
    """How addresses are compared: case-insensitively, without surrounding spaces."""
    return email.strip().lower()


class Privacy:
    """Export and erasure through a mailed link, and address retention.

    ``request_link`` only validates, rate-limits and queues a job, in the same time whether or not
    the address has comments; the job (``send_link``) mails a link only to an address that has
    comments, so civility never mails strangers (it is not a relay)."""

    def __init__(self, db: Database, settings: Settings, queue: Any, decider: Any, limiter: RateLimiter,
                 mailer: MailSender | None = None):
        self.db = db
        self.settings = settings
        self.queue = queue
        self.decider = decider
        self.limiter = limiter
        self.mailer = mailer if mailer is not None else sender_from_settings(settings)
        self._tokens = URLSafeTimedSerializer(settings.secret_key, salt="civility.privacy-link")

    def register(self, handlers: Any) -> None:
        handlers.register(PRIVACY_LINK_JOB, self.send_link)
        handlers.register(RETENTION_JOB, self.purge_addresses)

    # -- the request: same answer for every address ----------------------------------------------
    def request_link(self, email: object, action: object, *, ip: str | None) -> None:
        email_s = email.strip() if isinstance(email, str) else ""
        errors = {}
        if not email_s or len(email_s) > EMAIL_MAX or not _EMAIL.fullmatch(email_s) or "\x00" in email_s:
            errors["email"] = "Please enter a valid email address, like name@example.org."
        if action not in ACTIONS:
            errors["action"] = "Choose export or erasure."
        if errors:
            raise ValidationError(errors)
        secret = self.settings.secret_key
        hashed = hashed_key(secret, "privacy-email", email_key(email_s))
        # One mail per address, action and 10 minutes, however often the form is sent.
        bucket = int(utcnow().timestamp() // 600)
        with self.db.write() as conn:
            if ip:
                self.limiter.hit(conn, hashed_key(secret, "privacy-ip", address_bucket(ip)), limit=REQUESTS_PER_IP_PER_HOUR,
                                 window=HOUR, message="Too many requests from your network address; please wait.")
            self.limiter.hit(conn, hashed, limit=REQUESTS_PER_EMAIL_PER_HOUR, window=HOUR,
                             message="Too many requests for this address; please wait.")
            job = {"email": email_s, "action": action, "message_id": uuid.uuid4().hex}
            key = f"privacy:{action}:{hashed}:{bucket}"
            if hasattr(self.queue, "enqueue_in"):  # the embedded queue commits the job with the count
                self.queue.enqueue_in(conn, PRIVACY_LINK_JOB, job, key=key)
                job = None
        if job is not None:
            self.queue.enqueue(PRIVACY_LINK_JOB, job, key=key)
        elif hasattr(self.queue, "wake"):
            self.queue.wake()

    # -- the job: mail the link to an address that has comments -----------------------------------
    def send_link(self, payload: dict[str, Any]) -> bool:
        email, action = str(payload.get("email", "")), str(payload.get("action", ""))
        if action not in ACTIONS or not email or not self._comment_ids(email):
            return False
        url = f"{self.settings.base_url.rstrip('/')}/privacy/confirm?token={self.make_token(email, action)}"
        hours = max(1, self.settings.privacy_link_max_age // 3600)
        body = _BODY[action].format(site=self.settings.site_name, hours=hours, url=url)
        self.mailer.send(Mail(to=email, subject=_SUBJECT[action], body=body, kind=f"privacy-{action}",
                              message_id=str(payload.get("message_id") or uuid.uuid4().hex)))
        return True

    def make_token(self, email: str, action: str) -> str:
        return self._tokens.dumps({"e": email_key(email), "a": action})

    def read_token(self, token: object, action: str | None = None) -> tuple[str, str]:
        """(email, action) of a valid, unexpired link; PermissionDenied otherwise."""
        if not isinstance(token, str) or not token or len(token) > 2000:
            raise PermissionDenied("This link is not valid. Ask for a new one.")
        try:
            data = self._tokens.loads(token, max_age=self.settings.privacy_link_max_age)
        except SignatureExpired:
            raise PermissionDenied("This link has expired. Ask for a new one.") from None
        except BadSignature:
            raise PermissionDenied("This link is not valid. Ask for a new one.") from None
        if not isinstance(data, dict) or data.get("a") not in ACTIONS or not isinstance(data.get("e"), str):
            raise PermissionDenied("This link is not valid. Ask for a new one.")
        if action is not None and data["a"] != action:
            raise PermissionDenied(f"This link is for {data['a']}, not {action}.")
        return data["e"], data["a"]

    # -- export and erasure ------------------------------------------------------------------------
    def export(self, token: object) -> dict[str, Any]:
        """Everything stored about the address's comments, decisions included."""
        email, _ = self.read_token(token, "export")
        with self.db.read() as conn:
            rows = conn.execute(
                select(comments, articles.c.title.label("article_title"))
                .join(articles, articles.c.id == comments.c.article_id)
                .where(func.lower(func.trim(comments.c.email)) == email, comments.c.erased_at.is_(None))
                .order_by(comments.c.id)
            ).all()
            ids = [r.id for r in rows]
            history: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            if ids:
                for d in conn.execute(select(decisions).where(decisions.c.comment_id.in_(ids)).order_by(decisions.c.id)):
                    history[d.comment_id].append({"decision": d.decision, "actor": _public_actor(d.actor),
                                                  "at": _iso(d.created_at),
                                                  "note": d.note, "reasons": d.reasons})
        return {
            "email": email,
            "exported_at": _iso(utcnow()),
            "comments": [
                {"id": r.id, "article_id": r.article_id, "article_title": r.article_title, "parent_id": r.parent_id,
                 "name": r.name, "email": r.email, "text": r.text, "status": r.status,
                 "created_at": _iso(r.created_at), "network_address": r.ip, "decisions": history[r.id]}
                for r in rows
            ],
        }

    def erase(self, token: object) -> int:
        """Blank name, email and text of every comment of the address (the audit log keeps that
        each existed and was erased); also forget the address in finished privacy jobs."""
        email, _ = self.read_token(token, "erase")
        erased = 0
        for comment_id in self._comment_ids(email):
            try:
                self.decider.erase(comment_id, actor=ERASE_ACTOR)
                erased += 1
            except Conflict:  # erased meanwhile by a second click
                continue
        self._scrub_jobs(email)
        return erased

    def _comment_ids(self, email: str) -> list[int]:
        with self.db.read() as conn:
            return list(conn.execute(
                select(comments.c.id)
                .where(func.lower(func.trim(comments.c.email)) == email_key(email), comments.c.erased_at.is_(None))
                .order_by(comments.c.id)
            ).scalars())

    def _scrub_jobs(self, email: str) -> None:
        key = email_key(email)
        with self.db.write() as conn:
            done = conn.execute(select(jobs.c.id, jobs.c.payload)
                                .where(jobs.c.kind == PRIVACY_LINK_JOB, jobs.c.status.in_(("done", "failed")))).all()
            ids = [r.id for r in done if email_key(str((r.payload or {}).get("email", ""))) == key]
            if ids:
                conn.execute(update(jobs).where(jobs.c.id.in_(ids)).values(payload={"scrubbed": True}))

    # -- retention ---------------------------------------------------------------------------------
    def purge_addresses(self, payload: dict[str, Any] | None = None) -> int:
        """The retention job: null comments' network addresses older than ip_retention_days."""
        return self.decider.purge_addresses(days=self.settings.ip_retention_days)

    def schedule_retention(self, now: datetime | None = None) -> None:
        """Queue today's retention job (one per day: the dedupe key is the date)."""
        day = (now or utcnow()).date().isoformat()
        self.queue.enqueue(RETENTION_JOB, {"day": day}, key=f"{RETENTION_JOB}:{day}")


def _public_actor(actor: str) -> str:
    """Who decided, without the moderator's account name (half of a login)."""
    return "moderator" if actor.startswith("moderator:") else actor


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None

