"""What the learning page shows, computed from the audit log: per language and per day, how many
comments the machine decided on its own and how often an automatic decision was later overturned
(or a hold ended approved); per category and language, how many decisions the site's moderators
made; the current bands and what the last learning run changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from civility.storage.clock import as_utc, utcnow
from civility.storage.engine import Database
from civility.storage.repos import learning as repo
from civility.storage.repos import site as site_repo

MACHINE = "machine"


@dataclass
class DayFigures:
    machine: int = 0
    approved: int = 0
    rejected: int = 0
    held: int = 0
    approved_overturned: int = 0
    rejected_overturned: int = 0
    held_then_approved: int = 0

    @property
    def automation(self) -> float | None:
        return (self.approved + self.rejected) / self.machine if self.machine else None

    @property
    def approve_error(self) -> float | None:
        return self.approved_overturned / self.approved if self.approved else None

    @property
    def reject_error(self) -> float | None:
        return self.rejected_overturned / self.rejected if self.rejected else None


@dataclass
class Overview:
    days: list[date]
    by_lang: dict[str, dict[date, DayFigures]]
    decisions: dict[str, dict[str, int]]  # category (or "approve") -> lang -> human decisions
    models: list[Any]
    active: Any | None
    last_run: dict[str, Any] = field(default_factory=dict)


def overview(db: Database, *, days: int = 30) -> Overview:
    since = utcnow() - timedelta(days=days)
    with db.read() as conn:
        rows = repo.audit_rows(conn, since=since)
        models = repo.history(conn, limit=20)
        active = repo.active(conn)
        last_run = site_repo.get(conn, "learning_last_run", {}) or {}
    first_machine: dict[int, tuple[str, date, str]] = {}
    humans: dict[int, list[str]] = defaultdict(list)
    decisions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        lang = (r.lang or "und").lower()
        if r.actor == MACHINE:
            first_machine.setdefault(r.comment_id, (r.decision, as_utc(r.created_at).date(), lang))
            continue
        humans[r.comment_id].append(r.decision)
        if r.decision == "approve":
            decisions["approve"][lang] += 1
        for cat in r.categories or ():
            decisions[cat][lang] += 1
    by_lang: dict[str, dict[date, DayFigures]] = defaultdict(lambda: defaultdict(DayFigures))
    for cid, (decision, day, lang) in first_machine.items():
        final = humans.get(cid, [])
        for key in (lang, "all"):
            f = by_lang[key][day]
            f.machine += 1
            if decision == "approve":
                f.approved += 1
                f.approved_overturned += int("reject" in final)
            elif decision == "reject":
                f.rejected += 1
                f.rejected_overturned += int("approve" in final)
            else:
                f.held += 1
                f.held_then_approved += int(bool(final) and final[-1] == "approve")
    today = utcnow().date()
    span = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    return Overview(
        span,
        {k: dict(v) for k, v in by_lang.items()},
        {k: dict(v) for k, v in decisions.items()},
        models,
        active,
        last_run,
    )
