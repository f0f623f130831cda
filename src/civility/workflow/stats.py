"""The numbers behind the moderators' stats page, over the last ``days`` days: comments per day,
the machine's rejections by rule category, the automation rate per day (the share of decisions
taken by the machine), the age of what waits in the queue (p50/p95), and how holds ended, per
category (a held comment a person then approved: where the machine is too cautious)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import case, exists, func, select

from civility.storage.clock import as_utc, utcnow
from civility.storage.engine import Database
from civility.storage.schema import comments, decisions


def _flags(value: str | None) -> list[str]:
    return [c for c in (value or "").split(",") if c] or ["(no reason)"]


def compute(db: Database, *, days: int = 30) -> dict:
    """Aggregated in the database (grouped counts, index-ordered percentiles); only the category
    strings of the rejected and the held comments travel to Python."""
    now = utcnow()
    since = now - timedelta(days=days)
    machine = decisions.c.actor == "machine"
    final = decisions.c.decision.in_(("approve", "reject", "withdraw"))
    with db.read() as conn:
        per_day = conn.execute(
            select(func.date(comments.c.created_at), func.count())
            .where(comments.c.created_at >= since)
            .group_by(func.date(comments.c.created_at))
        ).all()
        auto_rows = conn.execute(
            select(func.date(decisions.c.created_at), func.sum(case((machine, 1), else_=0)), func.count())
            .where(decisions.c.created_at >= since, final)
            .group_by(func.date(decisions.c.created_at))
        ).all()
        rejected_flags = (
            conn.execute(
                select(comments.c.flags)
                .select_from(decisions.join(comments, comments.c.id == decisions.c.comment_id))
                .where(decisions.c.created_at >= since, machine, decisions.c.decision == "reject")
            )
            .scalars()
            .all()
        )
        held = decisions.alias("held")
        ended = conn.execute(
            select(decisions.c.decision, comments.c.flags)
            .select_from(decisions.join(comments, comments.c.id == decisions.c.comment_id))
            .where(
                decisions.c.created_at >= since,
                decisions.c.actor.like("moderator:%"),
                decisions.c.decision.in_(("approve", "reject")),
                exists(
                    select(held.c.id).where(
                        held.c.comment_id == decisions.c.comment_id,
                        held.c.actor == "machine",
                        held.c.decision == "review",
                        held.c.id < decisions.c.id,
                    )
                ),
            )
        ).all()
        waiting = conn.execute(
            select(func.count()).select_from(comments).where(comments.c.status == "pending")
        ).scalar_one()

        def age_at(q: float) -> float | None:
            if not waiting:
                return None
            # The q-th oldest-to-newest position, read from the (status, created_at, id) index.
            offset = min(waiting - 1, max(0, round((1 - q) * (waiting - 1))))
            stamp = conn.execute(
                select(comments.c.created_at)
                .where(comments.c.status == "pending")
                .order_by(comments.c.created_at.desc(), comments.c.id.desc())
                .offset(offset)
                .limit(1)
            ).scalar_one()
            return (now - as_utc(stamp)).total_seconds() / 3600

        p50, p95 = age_at(0.5), age_at(0.95)
    day_keys = [(since + timedelta(days=i + 1)).date().isoformat() for i in range(days)]
    counts = {str(d)[:10]: n for d, n in per_day}
    auto = {str(d)[:10]: (int(m or 0), int(n)) for d, m, n in auto_rows}
    rejected_by = Counter(c for flags in rejected_flags for c in _flags(flags))
    holds: dict[str, Counter] = defaultdict(Counter)
    for decision, flags in ended:
        for c in _flags(flags):
            holds[c]["approved" if decision == "approve" else "rejected"] += 1
    return {
        "days": days,
        "per_day": [(d, counts.get(d, 0)) for d in day_keys],
        "rejected_by_category": sorted(rejected_by.items(), key=lambda kv: -kv[1]),
        "automation": [(d, (auto[d][0] / auto[d][1]) if d in auto and auto[d][1] else None) for d in day_keys],
        "queue": {"waiting": waiting, "p50_hours": p50, "p95_hours": p95},
        "holds": sorted(((c, v["approved"], v["rejected"]) for c, v in holds.items()), key=lambda t: -(t[1] + t[2])),
    }
