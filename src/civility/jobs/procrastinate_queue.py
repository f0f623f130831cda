"""The distributed job queue: procrastinate over the PostgreSQL database the platform already
uses at scale. Same interface as the embedded queue (jobs/base.py, jobs/embedded.py): jobs are
enqueued inside the caller's transaction, run by the same named handlers, batched when deep."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import socket
import threading
import time
from contextlib import suppress
from datetime import timedelta
from typing import Any, Callable, Sequence

import procrastinate
from procrastinate import exceptions as pex
from procrastinate import periodic as pperiodic
from procrastinate.jobs import Status
from sqlalchemy import Connection

from civility.errors import ConfigError
from civility.jobs.base import Handlers, Payload

log = logging.getLogger(__name__)

QUEUE_PREFIX = "civility."  # one procrastinate queue per job kind: a batch only ever holds one kind
TASK_NAME = "civility.run"
# A job whose handler raises is retried with a growing wait; after the last attempt it stays
# 'failed' and the comment stays pending: every worker start (Platform.recover) re-derives it.
MAX_ATTEMPTS = 5
# A worker that stops sending heartbeats for this long is dead: its running jobs are retried.
HEARTBEAT_S = 2.0
STALLED_AFTER_S = 10.0
BATCH_MAX = 32
KEEP_DONE = timedelta(hours=24)  # succeeded jobs are kept a day (for inspection), then pruned
_SCHEMA_LOCK = 0x63697631  # pg_advisory_lock key: one process applies procrastinate's schema

_worker: contextvars.ContextVar[Any] = contextvars.ContextVar("civility_procrastinate_worker")


def libpq_url(database_url: str) -> str:
    """procrastinate talks to psycopg directly: strip SQLAlchemy's ``+driver`` from the URL."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix) :]
    raise ConfigError(f"queue 'procrastinate' needs a PostgreSQL database_url, not {database_url.split(':', 1)[0]}")


def queue_name(kind: str) -> str:
    return QUEUE_PREFIX + kind


def cron_for(seconds: int) -> str:
    """procrastinate's cron for a period that divides a day (croniter: an optional sixth
    column is the seconds)."""
    if seconds <= 0 or 86400 % seconds:
        raise ValueError(f"a period of {seconds} s does not divide a day")
    if seconds < 60:
        return f"* * * * * */{seconds}"
    if seconds % 60:
        raise ValueError(f"a period of {seconds} s is not a whole number of minutes")
    if seconds < 3600:
        return f"*/{seconds // 60} * * * *"
    if seconds % 3600:
        raise ValueError(f"a period of {seconds} s is not a whole number of hours")
    return f"0 */{seconds // 3600} * * *" if seconds < 86400 else "0 0 * * *"


class ProcrastinateQueue:
    """JobQueue on procrastinate. ``key`` becomes both the queueing lock (a second enqueue while
    the first still waits is dropped) and the run lock (jobs with one key never run at once)."""

    def __init__(
        self,
        database_url: str,
        handlers: Handlers | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        retry_wait_s: int = 2,
        batch_max: int = BATCH_MAX,
        delete_jobs: str = "never",
        heartbeat_s: float = HEARTBEAT_S,
        stalled_after_s: float = STALLED_AFTER_S,
    ):
        self.conninfo = libpq_url(database_url)
        self.handlers = handlers or Handlers()
        self.batch_max = batch_max
        self.delete_jobs = delete_jobs
        self.heartbeat_s = heartbeat_s
        self.stalled_after_s = stalled_after_s
        self._retry = procrastinate.RetryStrategy(max_attempts=max_attempts, linear_wait=retry_wait_s)
        self.jobs_run = 0  # jobs this process finished (what run_pending answers)
        self._periodic: dict[str, int] = {}
        self._defer_app: procrastinate.App | None = None
        self._defer_pid = 0
        self._schema_ok = False

    def _new_app(self, *, worker: bool = False) -> tuple[procrastinate.App, Any]:
        # A worker's own bookkeeping (claim, finish, heartbeat) need not wait for the disk: if a
        # crash loses a "succeeded" mark, the job runs again and its idempotent handler does
        # nothing. The handlers' writes (decisions) go through the platform's engine, fully durable.
        extra = {"kwargs": {"options": "-c synchronous_commit=off"}} if worker else {}
        # A worker that starts late in a period still runs that period's periodic jobs.
        longest = max(self._periodic.values(), default=0)
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=self.conninfo, **extra),
            periodic_defaults={"max_delay": float(longest + 60)} if longest else None,
        )
        task = app.task(name=TASK_NAME, pass_context=True, retry=self._retry)(self._run_job)
        for kind, seconds in sorted(self._periodic.items()):
            # procrastinate's own periodic deferrer: every worker runs it, the database keeps one
            # job per (task, periodic id, tick) -- one run per period across all workers.
            app.periodic(
                cron=cron_for(seconds),
                periodic_id=kind,
                queue=queue_name(kind),
                task_kwargs={"kind": kind, "payload": {}},
            )(task)
        return app, task

    def _configured(self, kind: str, key: str | None, connection: Any = None) -> Any:
        options: dict[str, Any] = {"queue": queue_name(kind)}
        if key:
            options.update(queueing_lock=key, lock=key)
        if connection is not None:
            options["connection"] = connection
        return self._defer_task(pool=connection is None).configure(**options)

    # -- enqueue ---------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: Payload, *, key: str | None = None) -> None:
        try:
            self._configured(kind, key).defer(kind=kind, payload=payload)
        except pex.AlreadyEnqueued:
            pass  # the same key is already waiting: that job will do the work

    def enqueue_in(self, conn: Connection, kind: str, payload: Payload, *, key: str | None = None) -> None:
        """Enqueue inside the caller's SQLAlchemy transaction: the job commits with its data.
        A savepoint keeps a duplicate key from aborting the caller's transaction."""
        if conn.dialect.name != "postgresql":
            raise ConfigError("queue 'procrastinate' needs database_url to be PostgreSQL")
        raw = conn.connection.driver_connection
        try:
            with conn.begin_nested():
                self._configured(kind, key, connection=raw).defer(kind=kind, payload=payload)
        except pex.AlreadyEnqueued:
            pass

    def wake(self) -> None:
        """Workers hear of new jobs through PostgreSQL LISTEN/NOTIFY; nothing to do here."""

    def every(self, kind: str, seconds: int) -> None:
        cron_for(seconds)  # refuse a period cron cannot express now, not in the worker
        self._periodic[kind] = int(seconds)
        self.close()  # the next deferring app knows the schedule too

    # -- run -------------------------------------------------------------------------------
    def run_pending(self, limit: int = 100) -> int:
        """Run due jobs in this thread until none is left or ``limit`` have run."""
        if limit <= 0:
            return 0
        before = self.jobs_run
        self._work(wait=False, stop_after=limit, listen_notify=False, install_signal_handlers=False)
        return self.jobs_run - before

    def run_worker(self, *, on_start: Callable[[], object] | None = None, poll_interval: float = 1.0) -> None:
        """A worker in the foreground (``civility worker``) until the process is stopped.
        Workers hear of new jobs by LISTEN/NOTIFY; ``poll_interval`` is the fallback poll."""
        if on_start is not None:
            try:
                on_start()
            except Exception:  # warm-up only: the jobs still run (and report their own errors)
                log.exception("worker start-up hook failed")
        self._work(wait=True, poll_interval=poll_interval)

    def _work(
        self,
        *,
        wait: bool = True,
        stop_after: int | None = None,
        name: str | None = None,
        listen_notify: bool = True,
        install_signal_handlers: bool = True,
        poll_interval: float = 1.0,
    ) -> None:
        """Retry the jobs of dead workers at start and every ``STALLED_AFTER_S`` seconds, defer
        the periodic jobs that are due, then run jobs until stopped (or caught up)."""
        self.ensure_schema()
        middleware = [_Track(self, stop_after)]
        options: dict[str, Any] = dict(
            queues=[queue_name(kind) for kind in self.handlers.kinds()],
            wait=wait,
            name=name or f"{socket.gethostname()}:{os.getpid()}",
            concurrency=1,  # scoring is CPU-bound: one job at a time per process; scale by processes
            listen_notify=listen_notify,
            fetch_job_polling_interval=poll_interval if wait else 0.05,
            delete_jobs=self.delete_jobs,
            install_signal_handlers=install_signal_handlers,
            update_heartbeat_interval=self.heartbeat_s,
            stalled_worker_timeout=self.stalled_after_s,
            worker_middleware=middleware,
        )
        app, _ = self._new_app(worker=True)

        async def main() -> None:
            async with app.open_async():
                await _retry_stalled(app, self.stalled_after_s)
                await _defer_due_periodic(app)
                side = asyncio.create_task(_retry_stalled_forever(app, self.stalled_after_s)) if wait else None
                try:
                    await app.run_worker_async(**options)
                finally:
                    if side is not None:
                        side.cancel()
                        with suppress(asyncio.CancelledError):
                            await side

        _run_async(main)

    async def _run_job(self, context: Any, kind: str, payload: Payload, timestamp: int | None = None) -> None:
        if timestamp is not None:  # a periodic job: procrastinate passes the tick it is for
            payload = {**payload, "period": timestamp}
        handler = self.handlers.get(kind)
        if handler is None:
            raise LookupError(f"no handler registered for job kind {kind!r}")
        if not handler.batch:
            await asyncio.to_thread(handler.func, payload)
            log.info("civility job(s) done: %s", context.job.id)
            return
        # Deep queue: claim more waiting jobs of the same kind and score them in one call.
        extra = await self._claim_more(context, kind)
        try:
            await asyncio.to_thread(handler.func, [payload] + [job.task_kwargs["payload"] for job in extra])
        except BaseException:
            for job in extra:  # back to the queue; the main job follows the retry strategy
                await context.app.job_manager.retry_job(job)
            raise
        for job in extra:
            await context.app.job_manager.finish_job(
                job, Status.SUCCEEDED, delete_job=self.delete_jobs in {"always", "successful"}
            )
        self.jobs_run += len(extra)
        log.info("civility job(s) done: %s", " ".join(str(j) for j in [context.job.id] + [job.id for job in extra]))

    async def _claim_more(self, context: Any, kind: str) -> list[Any]:
        worker = _worker.get(None)
        if worker is None or worker.worker_id is None or self.batch_max <= 1:
            return []
        claimed = []
        while len(claimed) < self.batch_max - 1:
            job = await context.app.job_manager.fetch_job(queues=[queue_name(kind)], worker_id=worker.worker_id)
            if job is None:
                break
            claimed.append(job)
        return claimed

    # -- recovery, schema, inspection ------------------------------------------------------------
    def recover(self) -> int:
        """Put the jobs of workers that stopped sending heartbeats (for ``stalled_after_s``)
        back in the queue."""
        self.ensure_schema()
        app, _ = self._new_app()

        async def main() -> int:
            async with app.open_async():
                return await _retry_stalled(app, self.stalled_after_s)

        return _run_async(main)

    def ensure_schema(self) -> None:
        """Apply procrastinate's schema once (idempotent; an advisory lock serialises processes)."""
        if self._schema_ok:
            return
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                    conn.execute(procrastinate.schema.SchemaManager.get_schema())
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
        self._schema_ok = True

    def retry_failed(self, keys: Sequence[str]) -> int:
        """Failed jobs with these keys go back to the queue (procrastinate's own retry) with a
        fresh set of attempts. A key that already has a waiting job is left alone."""
        import psycopg

        if not keys:
            return 0
        self.ensure_schema()
        count = 0
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM procrastinate_jobs WHERE status = 'failed' AND queue_name LIKE %s AND lock = ANY(%s)",
                    (QUEUE_PREFIX + "%", list(keys)),
                ).fetchall()
            ]
            for job_id in ids:
                try:
                    with conn.transaction():
                        conn.execute("SELECT procrastinate_retry_job_v2(%s, now(), NULL, NULL, NULL)", (job_id,))
                        conn.execute("UPDATE procrastinate_jobs SET attempts = 0 WHERE id = %s", (job_id,))
                    count += 1
                except psycopg.errors.UniqueViolation:
                    continue  # a job with this key is already waiting
        return count

    def prune(self, *, older_than: timedelta | None = None) -> int:
        """Delete succeeded jobs (and their events) older than ``older_than`` (a day by
        default); failed jobs stay for a person to look at (their arguments are ids only)."""
        import psycopg

        self.ensure_schema()
        age = KEEP_DONE if older_than is None else older_than
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            cur = conn.execute(
                "DELETE FROM procrastinate_jobs WHERE status = 'succeeded' AND queue_name LIKE %s AND id IN "
                "(SELECT job_id FROM procrastinate_events WHERE type = 'succeeded' AND at < now() - %s)",
                (QUEUE_PREFIX + "%", age),
            )
            return cur.rowcount

    def counts(self) -> dict[str, int]:
        """Jobs by state, named as the embedded queue names them."""
        import psycopg

        self.ensure_schema()
        names = {"todo": "queued", "doing": "running", "succeeded": "done", "failed": "failed"}
        out = {"queued": 0, "running": 0, "done": 0, "failed": 0}
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name LIKE %s GROUP BY 1",
                (QUEUE_PREFIX + "%",),
            ).fetchall()
        for status, n in rows:
            out[names.get(status, status)] = out.get(names.get(status, status), 0) + n
        return out

    def _defer_task(self, *, pool: bool = True) -> Any:
        # One deferring App per process, built on first use: a pool opened before a fork
        # (uvicorn --workers) is never shared with the children. Enqueueing inside the caller's
        # transaction needs no pool at all, so a web process opens one only for plain enqueues.
        if self._defer_app is None or self._defer_pid != os.getpid():
            self.ensure_schema()
            app, task = self._new_app()
            self._defer_app, self._defer_task_obj, self._defer_pid = app, task, os.getpid()
            self._defer_open = False
        if pool and not self._defer_open:
            self._defer_app.open()
            self._defer_open = True
        return self._defer_task_obj

    def close(self) -> None:
        if self._defer_app is not None and self._defer_pid == os.getpid() and self._defer_open:
            with suppress(Exception):
                self._defer_app.close()
        self._defer_app = None


def _run_async(main: Callable[[], Any]) -> Any:
    """``asyncio.run(main())``, in a thread of its own when this thread already runs an event
    loop (a caller inside async code, or a library such as Playwright's sync API): the queue's
    blocking methods work from anywhere."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(main())
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, name="civility-procrastinate")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("result")


async def _retry_stalled(app: procrastinate.App, seconds_since_heartbeat: float = STALLED_AFTER_S) -> int:
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    count = 0
    for job in stalled:
        if not job.queue.startswith(QUEUE_PREFIX):
            continue
        try:
            await app.job_manager.retry_job(job)
        except pex.UniqueViolation:
            # A job with the same key already waits (e.g. re-derived by a start-up's recover):
            # it does the same work, so the dead worker's copy is removed, not retried.
            await app.job_manager.finish_job(job, Status.SUCCEEDED, delete_job=True)
        count += 1
    if count:
        log.warning("retried %d job(s) left running by a dead worker", count)
    return count


async def _defer_due_periodic(app: procrastinate.App) -> None:
    """Defer the periodic jobs of the current tick now, before the first fetch (procrastinate's
    deferrer side task does the same concurrently; the database keeps one job per tick), so a
    worker that runs only briefly (``run_pending``, ``--once``) does its periodic work too."""
    if not app.periodic_registry.periodic_tasks:
        return
    deferrer = pperiodic.PeriodicDeferrer(registry=app.periodic_registry, **app.periodic_defaults)
    await deferrer.defer_jobs(deferrer.get_previous_tasks(at=time.time()))


async def _retry_stalled_forever(app: procrastinate.App, stalled_after_s: float) -> None:
    """Retry the jobs of dead workers every few seconds (old jobs are pruned by the platform's
    periodic maintenance job)."""
    while True:
        await asyncio.sleep(stalled_after_s / 2)
        try:
            await _retry_stalled(app, stalled_after_s)
        except Exception:  # the worker must outlive a transient database error
            log.exception("could not retry stalled jobs")


class _Track:
    """Worker middleware: make the running worker visible to the task (it claims batches),
    count finished jobs, and stop the worker once ``limit`` have run (run_pending)."""

    def __init__(self, queue: ProcrastinateQueue, limit: int | None):
        self.queue = queue
        self.limit = limit
        self.start = queue.jobs_run

    async def __call__(self, call_next, context, worker):
        token = _worker.set(worker)
        try:
            return await call_next()
        finally:
            _worker.reset(token)
            self.queue.jobs_run += 1
            if self.limit and self.queue.jobs_run - self.start >= self.limit:
                worker.stop()
