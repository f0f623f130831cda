"""The append-only audit log: insert a decision, read a comment's history and its latest machine verdict."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, insert, select, update

from civility.domain import DecisionRecord, Verdict
from civility.storage.clock import as_utc, utcnow
from civility.storage.schema import decisions


def row_to_record(row) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        comment_id=row.comment_id,
        decision=row.decision,
        actor=row.actor,
        created_at=as_utc(row.created_at),
        reasons=list(row.reasons or []),
        scores=dict(row.scores or {}),
        model_version=row.model_version,
        policy_version=row.policy_version,
        note=row.note,
        categories=list(row.categories) if row.categories is not None else None,
        overturn=row.overturn,
    )


def append(
    conn: Connection,
    *,
    comment_id: int,
    decision: str,
    actor: str,
    reasons: list[dict[str, Any]] | None = None,
    scores: dict[str, Any] | None = None,
    model_version: str | None = None,
    policy_version: str | None = None,
    note: str | None = None,
    categories: list[str] | None = None,
    overturn: bool | None = None,
    base_scores: dict[str, Any] | None = None,
) -> DecisionRecord:
    values = dict(
        comment_id=comment_id,
        decision=decision,
        actor=actor,
        created_at=utcnow(),
        reasons=reasons or [],
        scores=scores or {},
        model_version=model_version,
        policy_version=policy_version,
        note=note,
        categories=categories,
        overturn=overturn,
    )
    new_id = conn.execute(
        insert(decisions).values(**values, base_scores=base_scores).returning(decisions.c.id)
    ).scalar_one()
    return DecisionRecord(id=new_id, **values)


def erase_notes(conn: Connection, comment_id: int) -> int:
    """At erasure (the comment is already blanked in this transaction): people's decisions lose
    their free-text notes, which may quote the comment; the categories of their reasons stay.
    The machine's reasons hold offsets and marked notes only, and stay as they are. The
    append-only trigger allows exactly this update (storage/triggers.py, revision 0003)."""
    rows = conn.execute(
        select(decisions.c.id, decisions.c.reasons, decisions.c.note).where(
            decisions.c.comment_id == comment_id, decisions.c.actor != "machine"
        )
    ).all()
    changed = 0
    for row in rows:
        reasons = [
            {k: v for k, v in r.items() if k != "note"} if isinstance(r, dict) else r for r in (row.reasons or [])
        ]
        if row.note is None and reasons == list(row.reasons or []):
            continue
        conn.execute(update(decisions).where(decisions.c.id == row.id).values(note=None, reasons=reasons))
        changed += 1
    return changed


def history(conn: Connection, comment_id: int) -> list[DecisionRecord]:
    rows = conn.execute(select(decisions).where(decisions.c.comment_id == comment_id).order_by(decisions.c.id)).all()
    return [row_to_record(r) for r in rows]


def histories(conn: Connection, comment_ids: list[int]) -> dict[int, list[DecisionRecord]]:
    out: dict[int, list[DecisionRecord]] = {cid: [] for cid in comment_ids}
    if not comment_ids:
        return out
    rows = conn.execute(select(decisions).where(decisions.c.comment_id.in_(comment_ids)).order_by(decisions.c.id)).all()
    for row in rows:
        out[row.comment_id].append(row_to_record(row))
    return out


def has_machine_decision(conn: Connection, comment_id: int) -> bool:
    query = select(decisions.c.id).where(decisions.c.comment_id == comment_id, decisions.c.actor == "machine").limit(1)
    return conn.execute(query).first() is not None


def latest_machine(conn: Connection, comment_id: int) -> DecisionRecord | None:
    row = conn.execute(
        select(decisions)
        .where(decisions.c.comment_id == comment_id, decisions.c.actor == "machine")
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).first()
    return row_to_record(row) if row else None


def offsets_only(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reasons as the audit log keeps them: evidence as offsets into the comment, never a copy of
    its words (the log is append-only, so a copy would outlive the comment's erasure). A reason's
    note that quotes its evidence ("phone number: '+1 555...'") keeps a marker in its place."""
    out = []
    for reason in reasons:
        spans = reason.get("evidence", [])
        evidence = [{k: v for k, v in e.items() if k != "text"} for e in spans]
        stored = {**reason, "evidence": evidence}
        if reason.get("note"):
            stored["note"] = _mark(str(reason["note"]), spans)
        out.append(stored)
    return out


def _mark(note: str, spans: list[dict[str, Any]]) -> str:
    order = sorted(range(len(spans)), key=lambda i: -len(spans[i].get("text") or ""))
    for i in order:
        words = spans[i].get("text") or ""
        if len(words) >= 3:
            note = note.replace(words, f"\u27e6{i}\u27e7")
    return note


def _unmark(note: str, spans: list[dict[str, Any]]) -> str:
    return _MARKER.sub(lambda m: spans[int(m.group(1))]["text"] if int(m.group(1)) < len(spans) else "", note)


_MARKER = re.compile("\u27e6(\\d+)\u27e7")


def _with_text(reasons: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    out = []
    for reason in reasons:
        evidence = [
            {**e, "text": e.get("text", (text or "")[e["start"] : e["end"]])} for e in reason.get("evidence", [])
        ]
        rebuilt = {**reason, "evidence": evidence}
        if reason.get("note"):
            rebuilt["note"] = _unmark(str(reason["note"]), evidence)
        out.append(rebuilt)
    return out


def latest_verdict(records: list[DecisionRecord], text: str | None = None) -> Verdict | None:
    """The newest machine verdict in a history, rebuilt from what the audit row stored; the
    evidence words are cut from ``text`` (the comment, blank once erased)."""
    for record in reversed(records):
        if record.actor == "machine" and record.decision in {"approve", "reject", "review"}:
            return Verdict.from_dict(
                {
                    "decision": record.decision,
                    "scores": record.scores,
                    "reasons": _with_text(record.reasons, text),
                    "model": record.model_version or "none",
                    "policy": record.policy_version or "none",
                    "notes": [record.note] if record.note else [],
                }
            )
    return None
