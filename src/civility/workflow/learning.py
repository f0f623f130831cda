"""Learning runs: read the site's decisions from the database (erased comments excluded at this
moment, so no later model sees them), fit and check a site model (models/learn.py), store every
version, promote only a better one, roll back. One learner at a time: a PostgreSQL advisory lock
(several workers), a process lock on SQLite. Runs in the worker or the CLI, never in a request.
Also the scheduling: a learning job after every N new human decisions, and nightly."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any, Iterator

from sqlalchemy import text as sql_text

from civility.domain import Article, ModerationInput
from civility.errors import Conflict, ModelError
from civility.jobs.base import JobQueue
from civility.settings import Settings
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import learning as repo
from civility.storage.repos import site as site_repo

log = logging.getLogger(__name__)

LEARN_JOB = "learn_site_model"
LAST_RUN_KEY = "learning_last_run"
ADVISORY_LOCK_KEY = 0x6369_7669_6C69  # "civili": one learner per PostgreSQL database
RESCORE_BATCH = 256
_PROCESS_LOCK = threading.Lock()


class Learner:
    def __init__(self, db: Database, settings: Settings, scorer: Any, queue: JobQueue | None = None):
        self.db = db
        self.settings = settings
        self.scorer = scorer
        self.queue = queue

    # -- one learner at a time -------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        if not _PROCESS_LOCK.acquire(blocking=False):
            raise Conflict("another learning run is in progress in this process")
        try:
            if self.db.dialect == "postgresql":
                with self.db.engine.connect() as conn:
                    got = conn.execute(sql_text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
                    conn.commit()
                    if not got:
                        raise Conflict("another learning run is in progress (PostgreSQL advisory lock held)")
                    try:
                        yield
                    finally:
                        conn.execute(sql_text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                        conn.commit()
            else:
                yield
        finally:
            _PROCESS_LOCK.release()

    # -- the run ---------------------------------------------------------------------------------
    def config(self):
        from civility.models.learn import LearnConfig
        from civility.moderation.site_model import UNKNOWN_LANG

        langs = tuple(x.strip().lower() for x in self.settings.site_model_base_languages.split(",") if x.strip())
        return LearnConfig(base_languages=(*langs, UNKNOWN_LANG))

    def run(self) -> dict[str, Any]:
        """One learning run; returns its report (also stored as the last run)."""
        from civility.models.learn import LabelledExample, learn
        from civility.moderation.site_model import SiteModel

        engine = self.scorer.moderator()
        if engine is None:
            raise ModelError("learning needs the moderation engine (moderation = auto and a loadable model)")
        started, t0 = utcnow(), time.perf_counter()
        with self._exclusive():
            with self.db.read() as conn:
                rows = repo.examples(conn, limit=self.settings.learn_max_decisions or None)
                current_row = repo.active(conn)
                version = repo.next_version(conn)
            base = engine.model_version
            scores = self._base_scores(engine, rows)
            examples = [
                LabelledExample(scores[i], r.lang, r.text, r.rejected, r.categories, r.overturn)
                for i, r in enumerate(rows)
            ]
            current = None
            if current_row is not None:
                try:
                    current = SiteModel.from_dict(current_row.artifact)
                except ModelError as exc:
                    log.error("the active site model is unusable (%s); comparing with the shipped bands", exc)
            result = learn(
                examples,
                base_policy=engine.default_policy,
                base_model=base,
                version=version,
                current=current,
                config=self.config(),
            )
            report = {
                **result.report,
                "started_at": started.isoformat(),
                "seconds": round(time.perf_counter() - t0, 3),
                "last_decision_id": max((r.decision_id for r in rows), default=0),
                "rescored": sum(1 for r in rows if not _usable(r, base)),
            }
            with self.db.write() as conn:
                if result.model is not None:
                    repo.store(
                        conn,
                        version=version,
                        base_model=base,
                        artifact=result.model.to_dict(),
                        report=report,
                        decisions_used=len(rows),
                        promote=result.promote,
                    )
                site_repo.put(conn, LAST_RUN_KEY, {k: report[k] for k in _SUMMARY if k in report})
        self.scorer.forget_site_model()
        return report

    def _base_scores(self, engine: Any, rows: list[repo.Example]) -> list[dict[str, Any]]:
        """The shipped model's scores of each example: from its machine verdict when that engine
        made it, else scored again now from the stored text (without the submission context)."""
        base = engine.model_version
        out: list[dict[str, Any] | None] = [r.base_scores if _usable(r, base) else None for r in rows]
        todo = [i for i, s in enumerate(out) if s is None]
        articles: dict[str, Article | None] = {}
        with self.db.read() as conn:
            for i in todo:
                aid = rows[i].article_id
                if aid not in articles:
                    articles[aid] = article_repo.get_article(conn, aid)
        for start in range(0, len(todo), RESCORE_BATCH):
            chunk = todo[start : start + RESCORE_BATCH]
            items = [
                ModerationInput(
                    text=rows[i].text,
                    id=rows[i].comment_id,
                    lang=rows[i].lang,
                    article=articles.get(rows[i].article_id),
                )
                for i in chunk
            ]
            for i, verdict in zip(chunk, engine.verdicts(items)):
                out[i] = dict(verdict.scores)
        return [s or {} for s in out]

    def rollback(self) -> tuple[int | None, int | None]:
        with self._exclusive(), self.db.write() as conn:
            result = repo.rollback(conn)
        self.scorer.forget_site_model()
        return result

    def forget(self, payload: dict[str, Any]) -> None:
        """After an erasure: every site model that learnt from the comment is retired, the active
        one included (the shipped bands decide meanwhile), and a learning run is queued at once."""
        with self.db.write() as conn:
            retired = repo.retire_models_trained_on(conn, int(payload["comment_id"]))
            if self.queue is not None and any(active for _v, active in retired) and self.settings.moderation == "auto":
                self.queue.enqueue_in(
                    conn, LEARN_JOB, {"reason": "erasure"}, key=f"learn:erased:{payload['comment_id']}"
                )
        if retired:
            self.scorer.forget_site_model()
            log.info(
                "site models %s retired: they learnt from erased comment %s",
                [v for v, _ in retired],
                payload["comment_id"],
            )

    # -- scheduling ------------------------------------------------------------------------------
    def last_run(self) -> dict[str, Any]:
        with self.db.read() as conn:
            return site_repo.get(conn, LAST_RUN_KEY, {}) or {}

    def maybe_schedule(self, _payload: Any = None) -> bool:
        """After a human decision: queue a learning job once N new ones have come in."""
        every = self.settings.learn_every_decisions
        if not every or self.queue is None or self.settings.moderation != "auto":
            return False
        last = int(self.last_run().get("last_decision_id") or 0)
        with self.db.read() as conn:
            fresh = repo.count_human_decisions(conn, after_id=last)
        if fresh < every:
            return False
        with self.db.write() as conn:
            self.queue.enqueue_in(conn, LEARN_JOB, {"reason": f"{fresh} new decisions"}, key=f"learn:after:{last}")
        return True

    def schedule_nightly(self, now: datetime | None = None) -> bool:
        """Hourly maintenance: queue one learning run a day when there are new decisions."""
        if not self.settings.learn_nightly or self.queue is None or self.settings.moderation != "auto":
            return False
        now = now or utcnow()
        last = self.last_run()
        with self.db.read() as conn:
            fresh = repo.count_human_decisions(conn, after_id=int(last.get("last_decision_id") or 0))
        started = last.get("started_at")
        if not fresh or (started and now - datetime.fromisoformat(started) < timedelta(hours=20)):
            return False
        with self.db.write() as conn:
            self.queue.enqueue_in(conn, LEARN_JOB, {"reason": "nightly"}, key=f"learn:nightly:{now.date().isoformat()}")
        return True

    def handle_job(self, payload: dict[str, Any]) -> None:
        try:
            report = self.run()
        except Conflict as exc:  # another worker is learning: its run covers these decisions
            log.info("learning job skipped: %s", exc)
            return
        log.info(
            "learning run: version %s promoted=%s (%s)",
            report.get("version"),
            report.get("promoted"),
            report.get("why"),
        )


_SUMMARY = (
    "version",
    "decisions",
    "train",
    "holdout",
    "promoted",
    "why",
    "current",
    "changes",
    "bands",
    "holdout_candidate",
    "holdout_current",
    "started_at",
    "seconds",
    "last_decision_id",
    "rescored",
)


def _usable(row: repo.Example, base_model: str) -> bool:
    return bool(row.base_scores) and row.base_model == base_model
