"""EmbeddedQueue: jobs stored in the application's own database (the jobs table), claimed with a
lease, run by `run_pending` (tests, the worker thread, `civility worker`). Jobs left running by a
dead process are re-queued by `recover()` at start-up, and by any claimer once their lease expires."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from datetime import timedelta
from typing import Any, Callable, Sequence

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from civility.jobs.base import Handlers, Payload
from civility.storage.clock import as_utc, utcnow
from civility.storage.engine import Database
from civility.storage.schema import jobs
from civility.storage.upsert import insert_on_conflict

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
KEEP_DONE = timedelta(days=7)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedQueue:
    """A durable queue on the jobs table. Safe for several worker threads and processes:
    claims are compare-and-set (SQLite: under the one writer; PostgreSQL: FOR UPDATE SKIP LOCKED)."""

    def __init__(
        self,
        db: Database,
        handlers: Handlers | None = None,
        *,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self.db = db
        self.handlers = handlers or Handlers()
        self.lease = lease
        self.max_attempts = max_attempts
        self.host = socket.gethostname()
        self.worker_id = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._periodic: dict[str, int] = {}
        self._period_queued: dict[str, int] = {}

    # -- enqueue ---------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: Payload, *, key: str | None = None) -> None:
        with self.db.write() as conn:
            self.enqueue_in(conn, kind, payload, key=key)
        self.wake()

    def enqueue_in(self, conn: Connection, kind: str, payload: Payload, *, key: str | None = None) -> None:
        """Enqueue inside the caller's transaction (the job commits with the data it is about)."""
        now = utcnow()
        stmt = insert_on_conflict(conn, jobs).values(
            kind=kind, payload=payload, status="queued", attempts=0, run_after=now, dedupe_key=key, created_at=now
        )
        if key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        conn.execute(stmt)

    def wake(self) -> None:
        """Tell an in-process worker thread that new work is there (no-op without one)."""
        self._wake.set()

    def wait_for_work(self, timeout: float) -> None:
        self._wake.wait(timeout)
        self._wake.clear()

    # -- periodic jobs -----------------------------------------------------------------------
    def every(self, kind: str, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("a period must be at least one second")
        self._periodic[kind] = int(seconds)

    def _queue_periodic(self) -> None:
        """Queue this period's job of each periodic kind, once per process and period; the dedupe
        key (kind and period) makes it one job across every process on the database."""
        now = time.time()
        for kind, seconds in self._periodic.items():
            start = int(now // seconds) * seconds
            if self._period_queued.get(kind) != start:
                self.enqueue(kind, {"period": start}, key=f"periodic:{kind}:{start}")
                self._period_queued[kind] = start

    # -- claim and run ---------------------------------------------------------------------
    def _claim(self, limit: int) -> list[Any]:
        now = utcnow()
        due = or_(
            and_(jobs.c.status == "queued", jobs.c.run_after <= now),
            and_(jobs.c.status == "running", jobs.c.lease_until < now),
        )
        # An idle poll must not take the (SQLite) write lock: look first, claim only when there is work.
        with self.db.read() as conn:
            if conn.execute(select(jobs.c.id).where(due).limit(1)).first() is None:
                return []
        with self.db.write() as conn:
            query = select(jobs.c.id).where(due).order_by(jobs.c.run_after, jobs.c.id).limit(limit)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(conn.execute(query).scalars())
            if not ids:
                return []
            conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(ids), due)
                .values(
                    status="running",
                    locked_by=self.worker_id,
                    locked_at=now,
                    lease_until=now + self.lease,
                    attempts=jobs.c.attempts + 1,
                )
            )
            return conn.execute(
                select(jobs)
                .where(jobs.c.id.in_(ids), jobs.c.locked_by == self.worker_id, jobs.c.status == "running")
                .order_by(jobs.c.id)
            ).all()

    def run_pending(self, limit: int = 100) -> int:
        self._queue_periodic()
        claimed = self._claim(limit)
        by_kind: dict[str, list[Any]] = {}
        for row in claimed:
            by_kind.setdefault(row.kind, []).append(row)
        for kind, rows in by_kind.items():
            handler = self.handlers.get(kind)
            if handler is None:
                for row in rows:
                    self._finish(row, error=f"no handler registered for job kind {kind!r}", final=True)
                continue
            if handler.batch:
                self._run(rows, lambda: handler.func([r.payload for r in rows]))
            else:
                for row in rows:
                    self._run([row], lambda row=row: handler.func(row.payload))
        return len(claimed)

    def _run(self, rows: list[Any], call) -> None:
        try:
            call()
        except Exception as exc:  # a failing job must not kill the worker; it is retried with back-off
            log.warning("job %s failed: %s", [r.id for r in rows], exc)
            error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            for row in rows:
                self._finish(row, error=error, final=row.attempts >= self.max_attempts)
        else:
            self._finish_done(rows)

    def _finish_done(self, rows: list[Any]) -> None:
        """Mark a whole batch done in one transaction (one commit, not one per job)."""
        with self.db.write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id.in_([r.id for r in rows]), jobs.c.locked_by == self.worker_id)
                .values(status="done", done_at=utcnow(), lease_until=None, last_error=None)
            )

    def _finish(self, row, *, error: str | None = None, final: bool = False) -> None:
        now = utcnow()
        if error is None:
            values = dict(status="done", done_at=now, lease_until=None, last_error=None)
        elif final:
            values = dict(status="failed", done_at=now, lease_until=None, last_error=error)
        else:
            values = dict(
                status="queued",
                run_after=now + _backoff(row.attempts),
                locked_by=None,
                lease_until=None,
                last_error=error,
            )
        with self.db.write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == row.id, jobs.c.locked_by == self.worker_id).values(**values))

    # -- crash recovery and inspection -------------------------------------------------------
    def recover(self) -> int:
        """At start-up: re-queue jobs left running by a process that is gone (same host, pid dead)
        or whose lease expired (any host). Returns how many were re-queued."""
        now = utcnow()
        requeue: list[int] = []
        with self.db.write() as conn:
            for row in conn.execute(
                select(jobs.c.id, jobs.c.locked_by, jobs.c.lease_until).where(jobs.c.status == "running")
            ):
                host, _, rest = (row.locked_by or "").partition(":")
                pid_text = rest.partition(":")[0]
                lease_over = row.lease_until is None or as_utc(row.lease_until) < now
                dead_here = host == self.host and pid_text.isdigit() and not _pid_alive(int(pid_text))
                if lease_over or dead_here:
                    requeue.append(row.id)
            if requeue:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id.in_(requeue), jobs.c.status == "running")
                    .values(status="queued", locked_by=None, lease_until=None, run_after=now)
                )
        if requeue:
            log.info("re-queued %d job(s) left running by a stopped process", len(requeue))
        return len(requeue)

    def run_worker(self, *, on_start: Callable[[], object] | None = None, poll_interval: float = 1.0) -> None:
        """The worker loop in this thread until the process is stopped (``civility worker``)."""
        from civility.jobs.worker import WorkerThread

        WorkerThread(self, poll_interval=poll_interval, on_start=on_start).run_forever()

    def retry_failed(self, keys: Sequence[str]) -> int:
        """Give failed jobs with these dedupe keys a fresh set of attempts (an operator's retry)."""
        if not keys:
            return 0
        with self.db.write() as conn:
            return conn.execute(
                update(jobs)
                .where(jobs.c.dedupe_key.in_(list(keys)), jobs.c.status == "failed")
                .values(status="queued", attempts=0, run_after=utcnow(), locked_by=None, lease_until=None, done_at=None)
            ).rowcount

    def prune(self, *, older_than: timedelta | None = None) -> int:
        """Delete finished jobs older than ``older_than`` (a week by default; their work is in the
        data they changed, handlers stay idempotent without them). Failed jobs are kept for
        inspection (their payloads are ids, never personal data)."""
        cutoff = utcnow() - (KEEP_DONE if older_than is None else older_than)
        with self.db.write() as conn:
            return conn.execute(delete(jobs).where(jobs.c.status == "done", jobs.c.done_at < cutoff)).rowcount

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        out = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        out.update({status: n for status, n in rows})
        return out

    def close(self) -> None:
        """Nothing of its own to release: the database belongs to the platform."""
        self.wake()
