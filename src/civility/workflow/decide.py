"""Human decisions: approve or reject a pending comment with a compare-and-set on its status and
version (the second of two moderators gets errors.Conflict), append the decision to the audit
log and publish the event, all in one transaction. Also erasure and address retention.

Decisions are revisable, never erased: with the version they were shown, a moderator may approve
a rejected comment (the machine's or a person's), or withdraw (or reject) an approved one. A
revision needs a reason; it is a new audit row, the earlier rows and the text stay as they were."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from civility.domain import CATEGORIES, CommentStatus, Decision, DecisionRecord
from civility.errors import Conflict, NotFound, ValidationError
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import counters
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import reports as report_repo
from civility.workflow import events as ev
from civility.workflow import publish

DECISIONS = ("approve", "reject", "withdraw")
REASON_MAX = 1000
UNDO_WINDOW_S = 300  # a moderator may take back their own decision this long (bulk actions' undo)


def clean_categories(decision: str, categories: object) -> list[str] | None:
    """The rules a rejection names (at least one, each a category id); an approval names none."""
    if categories is None or categories == "" or categories == []:
        values: list[str] = []
    elif isinstance(categories, str):
        values = [c.strip() for c in categories.split(",") if c.strip()]
    elif isinstance(categories, (list, tuple)) and all(isinstance(c, str) for c in categories):
        values = [c.strip() for c in categories if c.strip()]
    else:
        raise ValidationError({"categories": "a list of category ids"})
    if decision == "approve":
        if values:
            raise ValidationError({"categories": "an approval breaks no rule: give no categories"})
        return None
    if not values:
        raise ValidationError(
            {
                "categories": "a rejection names at least one of the publisher's rules: "
                + ", ".join(c for c in CATEGORIES if c != "toxic")
            }
        )
    unknown = [c for c in values if c not in CATEGORIES]
    if unknown:
        raise ValidationError({"categories": f"not a rule: {', '.join(unknown)}"})
    return list(dict.fromkeys(values))


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
        categories: list[str] | None = None,
    ) -> DecisionRecord:
        """Apply a moderator's decision.

        Without ``expected_version`` the comment must still be pending (to withdraw: published).
        With it, the comment must still be at that version (a moderator re-deciding from the page
        they were shown); either way a moved state raises Conflict and nothing is written. Revising
        a decision (the comment is not pending) needs a reason.
        """
        if decision not in DECISIONS:
            raise ValidationError({"decision": "must be approve, reject or withdraw"})
        if not actor or not actor.strip():
            raise ValidationError({"actor": "a decision needs an actor"})
        reason = (reason or "").strip() or None
        if reason and len(reason) > REASON_MAX:
            raise ValidationError({"reason": f"at most {REASON_MAX} characters"})
        withdraw = decision == "withdraw"
        verdict = Decision.REJECT if withdraw else Decision(decision)
        # a withdrawal (un-publishing) may name rules; a rejection must
        if withdraw:
            cited = clean_categories("reject", categories) if categories else None
        else:
            cited = clean_categories(decision, categories)
        target = publish.STATUS_OF[verdict]
        with self.db.write() as conn:
            row = _locked_live_row(conn, comment_id, erased=f"comment {comment_id} was erased")
            if withdraw and row.status != CommentStatus.APPROVED.value:
                raise Conflict(f"comment {comment_id} is {row.status}, not published: there is nothing to withdraw")
            if expected_version is None and not withdraw and row.status != CommentStatus.PENDING.value:
                raise Conflict(f"comment {comment_id} was already {row.status} by someone else")
            if expected_version is not None and row.status == target.value:
                raise Conflict(f"comment {comment_id} is already {row.status}")
            if expected_version is not None and row.version != expected_version:
                raise Conflict(f"comment {comment_id} changed since you loaded it; reload to see the latest decision")
            if row.status != CommentStatus.PENDING.value and not reason:
                raise ValidationError({"reason": "Say why: revising a decision needs a reason for the audit log."})
            from_status = CommentStatus(row.status) if withdraw else CommentStatus.PENDING
            if withdraw:
                # Taken down: not a machine-style rejection, its own event (webhooks, cache drop).
                moved = comment_repo.transition(
                    conn, comment_id, to_status=target.value, from_status=row.status, expected_version=expected_version
                )
                payload = (
                    None
                    if moved is None
                    else {
                        "comment_id": comment_id,
                        "article_id": row.article_id,
                        "decision": "withdraw",
                        "actor": actor,
                    }
                )
                if payload is not None:
                    self.events.publish(conn, ev.COMMENT_WITHDRAWN, payload)
            else:
                payload = publish.change_status(
                    conn,
                    self.events,
                    comment_id=comment_id,
                    article_id=row.article_id,
                    decision=verdict,
                    actor=actor,
                    from_status=from_status if expected_version is None else None,
                    expected_version=expected_version,
                )
            if payload is None:
                raise Conflict(f"comment {comment_id} changed since you loaded it; reload to see the latest decision")
            # The audit row keeps what the moderator had in front of them: the machine's latest
            # scores and the model/policy versions that produced them (None when never scored).
            seen = decision_repo.latest_machine(conn, comment_id)
            # an overturn: the machine had decided this comment automatically, the other way
            overturn = bool(
                seen is not None
                and seen.decision in ("approve", "reject")
                and seen.decision != decision
                and row.status == publish.STATUS_OF[Decision(seen.decision)].value
            )
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
                categories=cited,
                overturn=overturn,
            )
            report_repo.close_open(conn, comment_id)
        if withdraw:
            self.events.committed(ev.COMMENT_WITHDRAWN, payload)
        else:
            publish.announce(self.events, payload)
        return record

    def undo(self, comment_id: int, *, actor: str, window_s: int = UNDO_WINDOW_S) -> DecisionRecord:
        """Take back one's own latest approve/reject within ``window_s`` seconds: the comment is
        pending again (and leaves the public pages if it was published); an "undo" audit row says so."""
        with self.db.write() as conn:
            row = comment_repo.get_row(conn, comment_id, for_update=True)
            if row is None:
                raise NotFound(f"comment {comment_id} does not exist")
            history = decision_repo.history(conn, comment_id)
            last = history[-1] if history else None
            if (
                last is None
                or last.actor != actor
                or last.decision not in ("approve", "reject")
                or row.erased_at is not None
                or (utcnow() - last.created_at).total_seconds() > window_s
            ):
                raise Conflict(
                    f"comment {comment_id} can no longer be undone (only your own decision, "
                    f"within {window_s // 60} minutes, nobody else's since)"
                )
            if (
                comment_repo.transition(
                    conn,
                    comment_id,
                    to_status=CommentStatus.PENDING.value,
                    from_status=row.status,
                    expected_version=row.version,
                )
                is None
            ):
                raise Conflict(f"comment {comment_id} changed meanwhile")
            record = decision_repo.append(
                conn,
                comment_id=comment_id,
                decision="undo",
                actor=actor,
                note=f"undid {last.decision}: back in the queue",
            )
            payload = {"comment_id": comment_id, "article_id": row.article_id, "actor": actor}
            self.events.publish(conn, ev.COMMENT_REQUEUED, payload)
        self.events.committed(ev.COMMENT_REQUEUED, payload)
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
            # A moderator's free-text reason may quote the comment: it goes too (categories stay).
            decision_repo.erase_notes(conn, comment_id)
            # An erased comment is never shown again, whatever it was.
            comment_repo.transition(
                conn, comment_id, to_status=CommentStatus.REJECTED.value, from_status=None, expected_version=None
            )
            record = decision_repo.append(
                conn, comment_id=comment_id, decision="erase", actor=actor, note="personal data erased on request"
            )
            payload = {"comment_id": comment_id, "article_id": row.article_id, "actor": actor}
            self.events.publish(conn, ev.COMMENT_ERASED, payload)
        self.events.committed(ev.COMMENT_ERASED, payload)
        self.db.forget_freed()
        return record

    def purge_addresses(self, *, days: int) -> int:
        """Retention: forget commenters' network addresses older than ``days`` (and old rate events)."""
        cutoff = utcnow() - timedelta(days=days)
        with self.db.write() as conn:
            n = comment_repo.purge_addresses(conn, before=cutoff)
            counters.purge(conn, "rate", utcnow() - timedelta(days=1))
            counters.purge(conn, "login", utcnow() - timedelta(days=1))
        return n
