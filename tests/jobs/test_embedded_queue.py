"""The embedded queue on SQLite and PostgreSQL: durable enqueue, dedupe, retries with back-off,
crash recovery at start-up (a real process dies holding a job), leases, exactly-once under two workers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from civility.jobs import EmbeddedQueue, Handlers, JobQueue, WorkerThread
from civility.storage import migrate as migrations
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.schema import jobs


@pytest.fixture
def db(db_url):
    database = Database.from_url(db_url)
    migrations.upgrade(database.engine)
    yield database
    database.dispose()


def _rows(db):
    with db.read() as conn:
        return conn.execute(select(jobs).order_by(jobs.c.id)).all()


def test_embedded_queue_is_a_job_queue(db):
    assert isinstance(EmbeddedQueue(db), JobQueue)


def test_enqueue_then_run_pending_runs_the_handler_once(db):
    seen = []
    handlers = Handlers()
    handlers.register("echo", lambda payload: seen.append(payload["n"]))
    queue = EmbeddedQueue(db, handlers)
    for n in range(3):
        queue.enqueue("echo", {"n": n})
    assert queue.run_pending() == 3
    assert queue.run_pending() == 0
    assert seen == [0, 1, 2]
    assert [r.status for r in _rows(db)] == ["done"] * 3


def test_same_key_is_enqueued_once(db):
    queue = EmbeddedQueue(db, Handlers())
    queue.enqueue("x", {"a": 1}, key="only-once")
    queue.enqueue("x", {"a": 2}, key="only-once")
    rows = _rows(db)
    assert len(rows) == 1 and rows[0].payload == {"a": 1}


def test_batch_handler_gets_all_payloads_of_its_kind(db):
    batches = []
    handlers = Handlers()
    handlers.register("score", lambda payloads: batches.append(sorted(p["id"] for p in payloads)), batch=True)
    queue = EmbeddedQueue(db, handlers)
    for i in range(5):
        queue.enqueue("score", {"id": i})
    assert queue.run_pending(limit=10) == 5
    assert batches == [[0, 1, 2, 3, 4]]


def test_failing_job_is_retried_with_back_off_then_marked_failed(db):
    calls = []
    handlers = Handlers()

    def boom(payload):
        calls.append(1)
        raise RuntimeError("boom")

    handlers.register("boom", boom)
    queue = EmbeddedQueue(db, handlers, max_attempts=3)
    queue.enqueue("boom", {})
    assert queue.run_pending() == 1
    row = _rows(db)[0]
    assert row.status == "queued" and row.attempts == 1 and "boom" in row.last_error
    assert queue.run_pending() == 0  # backing off: not due yet
    for _ in range(2):
        with db.write() as conn:
            conn.execute(update(jobs).values(run_after=utcnow() - timedelta(seconds=1)))
        queue.run_pending()
    row = _rows(db)[0]
    assert row.status == "failed" and row.attempts == 3 and len(calls) == 3


def test_unknown_kind_fails_without_crashing_the_worker(db):
    queue = EmbeddedQueue(db, Handlers())
    queue.enqueue("nobody-handles-this", {})
    assert queue.run_pending() == 1
    row = _rows(db)[0]
    assert row.status == "failed" and "no handler" in row.last_error


_CRASHER = """
import os, sys
from civility.jobs import EmbeddedQueue, Handlers
from civility.storage.engine import Database
db = Database.from_url(sys.argv[1])
handlers = Handlers()
handlers.register("work", lambda payload: os._exit(9))  # the process dies in the middle of the job
EmbeddedQueue(db, handlers).run_pending()
"""


def test_job_of_a_crashed_process_is_rerun_at_start_up(db, db_url):
    EmbeddedQueue(db, Handlers()).enqueue("work", {"n": 1})
    proc = subprocess.run([sys.executable, "-c", _CRASHER, db_url], capture_output=True, timeout=120)
    assert proc.returncode == 9, proc.stderr.decode()
    row = _rows(db)[0]
    assert row.status == "running" and row.attempts == 1  # left behind by the dead process

    seen = []
    handlers = Handlers()
    handlers.register("work", lambda payload: seen.append(payload["n"]))
    fresh = EmbeddedQueue(db, handlers)
    assert fresh.run_pending() == 0  # its lease has not expired: nobody may steal it yet...
    assert fresh.recover() == 1  # ...but start-up sees its owner is dead on this host
    assert fresh.run_pending() == 1
    assert seen == [1] and _rows(db)[0].status == "done"


def test_expired_lease_is_taken_over_by_another_worker(db):
    handlers = Handlers()
    seen = []
    handlers.register("work", lambda payload: seen.append(payload))
    first = EmbeddedQueue(db, handlers, lease=timedelta(seconds=-1))  # leases that are born expired
    first.enqueue("work", {"n": 1})
    claimed = first._claim(10)
    assert len(claimed) == 1
    second = EmbeddedQueue(db, handlers)
    assert second.run_pending() == 1
    assert _rows(db)[0].locked_by == second.worker_id and seen == [{"n": 1}]


def test_recover_leaves_jobs_of_live_workers_alone(db):
    queue = EmbeddedQueue(db, Handlers())
    queue.enqueue("work", {})
    queue._claim(10)  # this (live) process holds it with a fresh lease
    assert EmbeddedQueue(db, Handlers()).recover() == 0
    assert _rows(db)[0].status == "running"


def test_two_workers_run_every_job_exactly_once(db):
    runs: dict[int, int] = {}
    lock = threading.Lock()

    def work(payload):
        with lock:
            runs[payload["n"]] = runs.get(payload["n"], 0) + 1
        time.sleep(0.001)

    handlers = Handlers()
    handlers.register("work", work)
    producer = EmbeddedQueue(db, handlers)
    for n in range(60):
        producer.enqueue("work", {"n": n})
    workers = [EmbeddedQueue(db, handlers) for _ in range(2)]

    def drain(q):
        while q.run_pending(limit=5):
            pass

    threads = [threading.Thread(target=drain, args=(q,)) for q in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert runs == {n: 1 for n in range(60)}
    assert {r.status for r in _rows(db)} == {"done"}


def test_worker_thread_runs_jobs_as_they_arrive_and_stops(db):
    done = threading.Event()
    handlers = Handlers()
    handlers.register("ping", lambda payload: done.set())
    queue = EmbeddedQueue(db, handlers)
    worker = WorkerThread(queue, poll_interval=5.0).start()
    try:
        queue.enqueue("ping", {})  # wakes the thread: no need to wait for the poll interval
        assert done.wait(5.0)
    finally:
        worker.stop()
    assert not worker.alive


def test_prune_deletes_old_finished_jobs_only(db):
    handlers = Handlers()
    handlers.register("ok", lambda payload: None)
    handlers.register("bad", lambda payload: 1 / 0)
    queue = EmbeddedQueue(db, handlers, max_attempts=1)
    queue.enqueue("ok", {"old": True})
    queue.enqueue("bad", {})
    queue.run_pending()
    queue.enqueue("ok", {"old": False})
    queue.run_pending()
    with db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.id < 3).values(done_at=utcnow() - timedelta(days=8)))
    assert queue.prune() == 1
    assert [(r.kind, r.status) for r in _rows(db)] == [("bad", "failed"), ("ok", "done")]
