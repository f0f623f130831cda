"""Webhooks for the publisher's systems: "comment.published", "comment.rejected",
"comment.withdrawn" and "comment.reported" are POSTed as JSON to ``webhook_url``, signed with
HMAC-SHA256 of the body under ``webhook_secret`` (header ``X-Civility-Signature: sha256=<hex>``,
plus ``X-Civility-Event`` and ``X-Civility-Delivery``). Each delivery is a job queued in the same
transaction as the event, so it is sent at least once and retried with backoff by the job queue
when the receiver fails. The body never carries the commenter's email or network address."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from civility.jobs.base import JobQueue
from civility.settings import Settings
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.workflow import events as ev

WEBHOOK_JOB = "webhook"
TIMEOUT_S = 10
_NAMES = {
    ev.COMMENT_APPROVED: "comment.published",
    ev.COMMENT_REJECTED: "comment.rejected",
    ev.COMMENT_WITHDRAWN: "comment.withdrawn",
    ev.COMMENT_REPORTED: "comment.reported",
}


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx: the job queue tries again later."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhooks:
    def __init__(self, db: Database, settings: Settings, queue: JobQueue):
        self.db = db
        self.settings = settings
        self.queue = queue

    @property
    def enabled(self) -> bool:
        return bool(self.settings.webhook_url)

    def register(self, events: ev.Events, handlers: Any) -> None:
        handlers.register(WEBHOOK_JOB, self.deliver)
        for name in _NAMES:
            events.subscribe(name, lambda conn, payload, name=name: self._enqueue(conn, name, payload))

    def _enqueue(self, conn, name: str, payload: dict[str, Any]) -> None:
        if not self.enabled:
            return
        event = _NAMES[name]
        delivery = f"{event}:{payload['comment_id']}:{utcnow().isoformat()}"
        self.queue.enqueue_in(
            conn,
            WEBHOOK_JOB,
            {
                "event": event,
                "comment_id": payload["comment_id"],
                "reason": payload.get("reason"),
                "at": utcnow().isoformat(),
                "delivery": delivery,
            },
            key=f"webhook:{delivery}"[:200],
        )

    def body(self, job: dict[str, Any]) -> bytes:
        """What is sent: the event and the comment's public fields (its text only once published)."""
        with self.db.read() as conn:
            row = comment_repo.get_row(conn, int(job["comment_id"]))
        comment: dict[str, Any] = {"id": int(job["comment_id"])}
        if row is not None:
            comment.update(
                article_id=row.article_id,
                parent_id=row.parent_id,
                status=row.status,
                created_at=row.created_at.isoformat() if row.created_at else None,
            )
            if row.status == "approved" and row.erased_at is None:
                comment.update(name=row.name, text=row.text)
        data = {"event": job["event"], "delivery": job["delivery"], "at": job["at"], "comment": comment}
        if job.get("reason"):
            data["report_reason"] = job["reason"]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    def deliver(self, job: dict[str, Any]) -> None:
        url = self.settings.webhook_url
        if not url:
            return  # turned off since it was queued
        body = self.body(job)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={  # noqa: S310 - the publisher's URL
                "Content-Type": "application/json",
                "User-Agent": "civility-webhook",
                "X-Civility-Event": job["event"],
                "X-Civility-Delivery": job["delivery"],
                "X-Civility-Signature": sign(self.settings.webhook_secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310  # nosec B310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            raise DeliveryFailed(f"webhook to {url} failed: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"webhook to {url} answered {status}")
