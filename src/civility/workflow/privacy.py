"""Commenters' privacy rights: ask, by email address, for an export or an erasure of one's
comments; the link that does it is mailed to that address (only its owner can use it), and the
answer never says whether the address is known.

Links are opaque and single-use: a request stores a row (storage/repos/privacy.py) under a
random id; the link's token is derived from that id with the secret key and only its SHA-256 is
stored. The job that mails the link carries the id alone -- no address in job arguments, queue
tables or worker logs. A link works once, until ``privacy_link_max_age`` seconds after the
request; rows of used, expired and erased addresses are deleted. The retention job itself
(addresses, sessions, these links) is `Platform.maintain`, run periodically by the queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from civility.errors import Conflict, MailError, PermissionDenied, ValidationError
from civility.jobs.base import Handlers, JobQueue
from civility.settings import Settings
from civility.storage.clock import as_utc, utcnow
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import privacy as link_repo
from civility.workflow.decide import Decider
from civility.workflow.mail import Mail, MailSender, sender_from_settings
from civility.workflow.ratelimit import RateLimiter, address_bucket, hashed_key
from civility.workflow.submit import EMAIL_MAX, EMAIL_PATTERN  # the same address the comment form accepts

PRIVACY_LINK_JOB = "privacy_link"
RETENTION_JOB = "retention"
ACTIONS = ("export", "erase")
ERASE_ACTOR = "commenter"
TOKEN_MAX = 200
REQUESTS_PER_EMAIL_PER_HOUR = 3
REQUESTS_PER_IP_PER_HOUR = 20
HOUR = timedelta(hours=1)
_INVALID = "This link is not valid or was already used. Ask for a new one."
_EXPIRED = "This link has expired. Ask for a new one."

_SUBJECT = {"export": "Your comments: the export you asked for", "erase": "Your comments: confirm the erasure"}
_BODY = {
    "export": "Someone (we hope you) asked for a copy of the comments posted with this address on {site}.\n\n"
    "Open this link to download them (it works once, for {hours} hours):\n{url}\n\n"
    "If you did not ask for this, ignore this mail: nothing happens.\n",
    "erase": "Someone (we hope you) asked to erase the comments posted with this address on {site}.\n\n"
    "Open this link and confirm to erase your name, email address and text from every comment "
    "(it works once, for {hours} hours):\n{url}\n\n"
    "If you did not ask for this, ignore this mail: nothing happens.\n",
}


def email_key(email: str) -> str:
    """How addresses are compared: case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Privacy:
    """Export and erasure through a mailed, single-use link.

    ``request_link`` only validates, rate-limits, stores the request and queues its job, in the
    same way whether or not the address has comments; the job (``send_link``) mails a link only
    to an address that has comments, so civility never mails strangers (it is not a relay), and
    forgets the request of an address that has none."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        queue: JobQueue,
        decider: Decider,
        limiter: RateLimiter,
        mailer: MailSender | None = None,
    ):
        self.db = db
        self.settings = settings
        self.queue = queue
        self.decider = decider
        self.limiter = limiter
        self.mailer = mailer if mailer is not None else sender_from_settings(settings)

    def register(self, handlers: Handlers) -> None:
        handlers.register(PRIVACY_LINK_JOB, self.send_link)

    # -- the request: same answer for every address ----------------------------------------------
    def request_link(self, email: object, action: object, *, ip: str | None) -> None:
        email_s = email.strip() if isinstance(email, str) else ""
        errors = {}
        if not email_s or len(email_s) > EMAIL_MAX or not EMAIL_PATTERN.fullmatch(email_s) or "\x00" in email_s:
            errors["email"] = "Please enter a valid email address, like name@example.org."
        if action not in ACTIONS:
            errors["action"] = "Choose export or erasure."
        if errors:
            raise ValidationError(errors)
        action = str(action)
        secret = self.settings.secret_key
        hashed = hashed_key(secret, "privacy-email", email_key(email_s))
        now = utcnow()
        # One mail per address, action and 10 minutes, however often the form is sent.
        bucket = int(now.timestamp() // 600)
        request_id = secrets.token_hex(16)
        with self.db.write() as conn:
            if ip:
                self.limiter.hit(
                    conn,
                    hashed_key(secret, "privacy-ip", address_bucket(ip)),
                    limit=REQUESTS_PER_IP_PER_HOUR,
                    window=HOUR,
                    message="Too many requests from your network address; please wait.",
                )
            self.limiter.hit(
                conn,
                hashed,
                limit=REQUESTS_PER_EMAIL_PER_HOUR,
                window=HOUR,
                message="Too many requests for this address; please wait.",
            )
            stored = link_repo.add_link(
                conn,
                request_id=request_id,
                token_hash=token_hash(self._token(request_id)),
                action=action,
                email=email_key(email_s),
                dedupe_key=f"{action}:{hashed}:{bucket}",
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.privacy_link_max_age),
            )
            if stored:  # the job commits with the request, and names it by its id only
                self.queue.enqueue_in(conn, PRIVACY_LINK_JOB, {"request": request_id}, key=f"privacy:{request_id}")
        self.queue.wake()

    def _token(self, request_id: str) -> str:
        """The link's secret: a MAC of the request id (so a job run twice mails the same link)."""
        mac = hmac.new(
            self.settings.secret_key.encode("utf-8"), b"civility.privacy-link:" + request_id.encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    # -- the job: mail the link to an address that has comments -----------------------------------
    def send_link(self, payload: dict[str, Any]) -> bool:
        request_id = str(payload.get("request", ""))
        with self.db.read() as conn:
            row = link_repo.by_request(conn, request_id) if request_id else None
            known = bool(row is not None and comment_repo.ids_by_email(conn, row.email))
        if row is None or row.action not in ACTIONS:
            return False
        if not known:  # never mail a stranger, nor keep their address
            with self.db.write() as conn:
                link_repo.delete_request(conn, request_id)
            return False
        url = f"{self.settings.base_url.rstrip('/')}/privacy/confirm?token={self._token(request_id)}"
        hours = max(1, self.settings.privacy_link_max_age // 3600)
        body = _BODY[row.action].format(site=self.settings.site_name, hours=hours, url=url)
        try:
            self.mailer.send(
                Mail(
                    to=row.email,
                    subject=_SUBJECT[row.action],
                    body=body,
                    kind=f"privacy-{row.action}",
                    message_id=f"privacy-{request_id}",
                )
            )
        except MailError:
            raise
        except Exception as exc:  # the text of a mail error may quote the address: not into the job log
            raise MailError(f"could not send the privacy mail of request {request_id}: {type(exc).__name__}") from None
        return True

    # -- the link --------------------------------------------------------------------------------
    def _link(self, conn: Any, token: object, action: str | None) -> Any:
        if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
            raise PermissionDenied(_INVALID)
        row = link_repo.by_token_hash(conn, token_hash(token))
        if row is None:
            raise PermissionDenied(_INVALID)
        if as_utc(row.expires_at) <= utcnow():
            raise PermissionDenied(_EXPIRED)
        if action is not None and row.action != action:
            raise PermissionDenied(f"This link is for {row.action}, not {action}.")
        return row

    def read_token(self, token: object, action: str | None = None) -> tuple[str, str]:
        """(email, action) of a valid, unused, unexpired link; PermissionDenied otherwise."""
        with self.db.read() as conn:
            row = self._link(conn, token, action)
        return row.email, row.action

    def _use(self, conn: Any, token: object, action: str) -> Any:
        """Check the link and spend it, in the caller's transaction: of two clicks, one wins."""
        row = self._link(conn, token, action)
        if not link_repo.delete_request(conn, row.request_id):
            raise PermissionDenied(_INVALID)
        return row

    # -- export and erasure ------------------------------------------------------------------------
    def export(self, token: object) -> dict[str, Any]:
        """Everything stored about the address's comments, decisions included. Uses the link."""
        with self.db.write() as conn:
            email = self._use(conn, token, "export").email
            rows = comment_repo.rows_by_email(conn, email)
            history = decision_repo.histories(conn, [r.id for r in rows])
        return {
            "email": email,
            "exported_at": _iso(utcnow()),
            "comments": [
                {
                    "id": r.id,
                    "article_id": r.article_id,
                    "article_title": r.article_title,
                    "parent_id": r.parent_id,
                    "name": r.name,
                    "email": r.email,
                    "text": r.text,
                    "status": r.status,
                    "created_at": _iso(r.created_at),
                    "network_address": r.ip,
                    "decisions": [
                        {
                            "decision": d.decision,
                            "actor": _public_actor(d.actor),
                            "at": _iso(d.created_at),
                            "note": d.note,
                            "reasons": d.reasons,
                        }
                        for d in history[r.id]
                    ],
                }
                for r in rows
            ],
        }

    def erase(self, token: object) -> int:
        """Blank name, email and text of every comment of the address (the audit log keeps that
        each existed and was erased) and forget the address's other links. Uses the link."""
        with self.db.write() as conn:
            email = self._use(conn, token, "erase").email
            ids = comment_repo.ids_by_email(conn, email)
        erased = 0
        for comment_id in ids:
            try:
                self.decider.erase(comment_id, actor=ERASE_ACTOR)
                erased += 1
            except Conflict:  # erased meanwhile
                continue
        with self.db.write() as conn:
            link_repo.delete_for_email(conn, email)
        self.db.forget_freed()
        return erased

    # -- retention ---------------------------------------------------------------------------------
    def purge_expired_links(self, now: datetime | None = None) -> int:
        with self.db.write() as conn:
            return link_repo.purge_expired(conn, now=now or utcnow())


def _public_actor(actor: str) -> str:
    """Who decided, without the moderator's account name (half of a login)."""
    return "moderator" if actor.startswith("moderator:") else actor


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
