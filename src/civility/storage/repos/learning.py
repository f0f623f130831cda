"""What learning reads and writes: the site's human decisions as labelled examples (erased
comments never included), the versioned site models, and the audit-log figures the learning
page charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from civility.storage.clock import as_utc, utcnow
from civility.storage.schema import comments, decisions, site_models

MACHINE = "machine"
HUMAN_DECISIONS = ("approve", "reject")


@dataclass(frozen=True)
class Example:
    """One comment the site's moderators decided: the label is their latest decision."""

    comment_id: int
    decision_id: int
    decided_at: datetime
    rejected: bool
    categories: tuple[str, ...]
    overturn: bool
    lang: str | None
    text: str
    article_id: str
    base_scores: dict[str, Any] | None  # the shipped model's scores from the machine verdict
    base_model: str | None


def count_human_decisions(conn: Connection, *, after_id: int = 0) -> int:
    query = (
        select(func.count())
        .select_from(decisions)
        .where(decisions.c.actor != MACHINE, decisions.c.decision.in_(HUMAN_DECISIONS), decisions.c.id > after_id)
    )
    return int(conn.execute(query).scalar_one())


def examples(conn: Connection, *, limit: int | None = None) -> list[Example]:
    """The latest human decision of every comment that is not erased, oldest decision first
    (the most recent ``limit`` when given). Erased comments are excluded here, at learning time,
    so no later model can see them, whatever an earlier model saw."""
    latest_human = (
        select(decisions.c.comment_id, func.max(decisions.c.id).label("decision_id"))
        .where(decisions.c.actor != MACHINE, decisions.c.decision.in_(HUMAN_DECISIONS))
        .group_by(decisions.c.comment_id)
        .subquery()
    )
    latest_machine = (
        select(decisions.c.comment_id, func.max(decisions.c.id).label("machine_id"))
        .where(decisions.c.actor == MACHINE, decisions.c.decision.in_(("approve", "reject", "review")))
        .group_by(decisions.c.comment_id)
        .subquery()
    )
    human = decisions.alias("human")
    machine = decisions.alias("machine")
    query = (
        select(
            comments.c.id,
            comments.c.lang,
            comments.c.text,
            comments.c.article_id,
            human.c.id.label("decision_id"),
            human.c.created_at,
            human.c.decision,
            human.c.categories,
            human.c.overturn,
            machine.c.scores,
            machine.c.base_scores,
            machine.c.model_version,
        )
        .select_from(
            latest_human.join(human, human.c.id == latest_human.c.decision_id)
            .join(comments, comments.c.id == latest_human.c.comment_id)
            .outerjoin(latest_machine, latest_machine.c.comment_id == latest_human.c.comment_id)
            .outerjoin(machine, machine.c.id == latest_machine.c.machine_id)
        )
        .where(comments.c.erased_at.is_(None))
        .order_by(human.c.id.desc())
    )
    if limit:
        query = query.limit(limit)
    out = []
    for row in conn.execute(query).all():
        base_scores = row.base_scores if row.base_scores is not None else row.scores
        base_model = row.model_version.split("+", 1)[0] if row.model_version else None
        out.append(
            Example(
                comment_id=row.id,
                decision_id=row.decision_id,
                decided_at=as_utc(row.created_at),
                rejected=row.decision == "reject",
                categories=tuple(row.categories or ()),
                overturn=bool(row.overturn),
                lang=row.lang,
                text=row.text,
                article_id=row.article_id,
                base_scores=dict(base_scores) if base_scores else None,
                base_model=base_model,
            )
        )
    out.reverse()
    return out


# -- site models ----------------------------------------------------------------------------------
def next_version(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(site_models.c.version), 0))).scalar_one()) + 1


def active(conn: Connection) -> Any | None:
    return conn.execute(
        select(site_models).where(site_models.c.status == "active").order_by(site_models.c.version.desc()).limit(1)
    ).first()


def active_version(conn: Connection) -> int | None:
    """The one cheap query every process runs (with a short TTL) to notice a promotion."""
    return conn.execute(select(func.max(site_models.c.version)).where(site_models.c.status == "active")).scalar()


def get(conn: Connection, version: int) -> Any | None:
    return conn.execute(select(site_models).where(site_models.c.version == version)).first()


def history(conn: Connection, limit: int = 50) -> list[Any]:
    return list(conn.execute(select(site_models).order_by(site_models.c.version.desc()).limit(limit)).all())


def store(
    conn: Connection,
    *,
    version: int,
    base_model: str,
    artifact: dict[str, Any],
    report: dict[str, Any],
    decisions_used: int,
    promote: bool,
) -> None:
    now = utcnow()
    if promote:
        conn.execute(update(site_models).where(site_models.c.status == "active").values(status="kept"))
    conn.execute(
        insert(site_models).values(
            version=version,
            created_at=now,
            status="active" if promote else "rejected",
            base_model=base_model,
            artifact=artifact,
            report=report,
            decisions_used=decisions_used,
            promoted_at=now if promote else None,
        )
    )


def rollback(conn: Connection) -> tuple[int | None, int | None]:
    """Retire the active model and re-activate the newest kept one before it: (from, to)."""
    current = active(conn)
    if current is None:
        return None, None
    previous = conn.execute(
        select(site_models)
        .where(and_(site_models.c.status == "kept", site_models.c.version < current.version))
        .order_by(site_models.c.version.desc())
        .limit(1)
    ).first()
    conn.execute(update(site_models).where(site_models.c.version == current.version).values(status="retired"))
    if previous is not None:
        conn.execute(
            update(site_models)
            .where(site_models.c.version == previous.version)
            .values(status="active", promoted_at=utcnow())
        )
    return current.version, previous.version if previous is not None else None


def retire_models_trained_on(conn: Connection, comment_id: int) -> list[tuple[int, bool]]:
    """An erased comment's decisions may be inside site models: those are retired (never used or
    rolled back to again; the active one too: the shipped bands decide until the next run).
    Returns (version, was active) of each."""
    first = conn.execute(
        select(func.min(decisions.c.id)).where(
            decisions.c.comment_id == comment_id,
            decisions.c.actor != MACHINE,
            decisions.c.decision.in_(HUMAN_DECISIONS),
        )
    ).scalar()
    if first is None:
        return []
    rows = conn.execute(
        select(site_models.c.version, site_models.c.report, site_models.c.status).where(
            site_models.c.status.in_(("active", "kept", "rejected"))
        )
    ).all()
    hit = [
        (r.version, r.status == "active") for r in rows if int((r.report or {}).get("last_decision_id") or 0) >= first
    ]
    if hit:
        conn.execute(update(site_models).where(site_models.c.version.in_([v for v, _ in hit])).values(status="retired"))
    return hit


# -- the audit log, for the learning page ---------------------------------------------------------
def audit_rows(conn: Connection, *, since: datetime, limit: int = 200_000) -> list[Any]:
    """(comment_id, id, decision, actor, created_at, overturn, lang, categories) since a time, oldest first."""
    query = (
        select(
            decisions.c.comment_id,
            decisions.c.id,
            decisions.c.decision,
            decisions.c.actor,
            decisions.c.created_at,
            decisions.c.overturn,
            decisions.c.categories,
            comments.c.lang,
        )
        .select_from(decisions.join(comments, comments.c.id == decisions.c.comment_id))
        .where(decisions.c.created_at >= since, decisions.c.decision.in_(("approve", "reject", "review")))
        .order_by(decisions.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).all())
