"""Human decisions: approve or reject a pending comment with a compare-and-set on its status and
version (the second of two moderators gets errors.Conflict), append the decision to the audit
log and publish the event, all in one transaction. Also erasure and address retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from civility.domain import CommentStatus, Decision, DecisionRecord
from civility.errors import Conflict, NotFound, ValidationError
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import counters
from civility.storage.repos import decisions as decision_repo
from civility.workflow import events as ev
from civility.workflow import publish

REASON_MAX = 1000


def _locked_live_row(conn: Connection, comment_id: int, *, erased: str) -> Any:
    """The comment's row, locked for this transaction; NotFound, or Conflict(``erased``) when erased."""
    row = comment_repo.get_row(conn, comment_id, for_update=True)
    if row is None:
        raise NotFound(f"comment {comment_id} does not exist")
    if row.erased_at is not None:
        raise Conflict(erased)
    return row


class Decider:
    def __init__(self, db: Database, events: ev.Events):
        self.db = db
        self.events = events

    def decide(
        self,
        comment_id: int,
        decision: str,
        *,
        actor: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> DecisionRecord:
        """Apply a moderator's decision.

        Without ``expected_version`` the comment must still be pending. With it, the comment
        must still be at that version (a moderator re-deciding from the page they were shown);
        either way a moved state raises Conflict and nothing is written.
        """
        if decision not in ("approve", "reject"):
            raise ValidationError({"decision": "must be approve or reject"})
        if not actor or not actor.strip():
            raise ValidationError({"actor": "a decision needs an actor"})
        reason = (reason or "").strip() or None
        if reason and len(reason) > REASON_MAX:
            raise ValidationError({"reason": f"at most {REASON_MAX} characters"})
        verdict = Decision(decision)
        target = publish.STATUS_OF[verdict]
        with self.db.write() as conn:
            row = _locked_live_row(conn, comment_id, erased=f"comment {comment_id} was erased")
            if expected_version is None and row.status != CommentStatus.PENDING.value:
                raise Conflict(f"comment {comment_id} was already {row.status} by someone else")
            if expected_version is not None and row.status == target.value:
                raise Conflict(f"comment {comment_id} is already {row.status}")
            payload = publish.change_status(
                conn,
                self.events,
                comment_id=comment_id,
                article_id=row.article_id,
                decision=verdict,
                actor=actor,
                from_status=CommentStatus.PENDING if expected_version is None else None,
                expected_version=expected_version,
            )
            if payload is None:
                raise Conflict(f"comment {comment_id} changed since you loaded it; reload to see the latest decision")
            # The audit row keeps what the moderator had in front of them: the machine's latest
            # scores and the model/policy versions that produced them (None when never scored).
            seen = decision_repo.latest_machine(conn, comment_id)
            record = decision_repo.append(
                conn,
                comment_id=comment_id,
                decision=decision,
                actor=actor.strip(),
                reasons=[{"category": "moderator", "note": reason}] if reason else [],
                scores=dict(seen.scores) if seen else {},
                model_version=seen.model_version if seen else None,
                policy_version=seen.policy_version if seen else None,
                note=reason,
            )
        publish.announce(self.events, payload)
        return record

    def history(self, comment_id: int) -> list[DecisionRecord]:
        with self.db.read() as conn:
            if comment_repo.get_row(conn, comment_id) is None:
                raise NotFound(f"comment {comment_id} does not exist")
            return decision_repo.history(conn, comment_id)

    def erase(self, comment_id: int, *, actor: str) -> DecisionRecord:
        """Blank name, email and text of one comment; the audit log keeps that it existed and was erased."""
        with self.db.write() as conn:
            row = _locked_live_row(conn, comment_id, erased=f"comment {comment_id} was already erased")
            comment_repo.erase(conn, comment_id, at=utcnow())
            # An erased comment is never shown again, whatever it was.
            comment_repo.transition(conn, comment_id, to_status=CommentStatus.REJECTED.value, from_status=None,
                                    expected_version=None)
            record = decision_repo.append(conn, comment_id=comment_id, decision="erase", actor=actor,
                                          note="personal data erased on request")
            payload = {"comment_id": comment_id, "article_id": row.article_id, "actor": actor}
            self.events.publish(conn, ev.COMMENT_ERASED, payload)
        self.events.committed(ev.COMMENT_ERASED, payload)
        return record

    def purge_addresses(self, *, days: int) -> int:
        """Retention: forget commenters' network addresses older than ``days`` (and old rate events)."""
        cutoff = utcnow() - timedelta(days=days)
        with self.db.write() as conn:
            n = comment_repo.purge_addresses(conn, before=cutoff)
            counters.purge(conn, "rate", utcnow() - timedelta(days=1))
            counters.purge(conn, "login", utcnow() - timedelta(days=1))
        return n
