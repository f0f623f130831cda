"""The same job tests on both queues: the embedded one (jobs table on SQLite) and procrastinate
on PostgreSQL. Handlers here are plain functions recording what ran; the queues are real."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from civility.jobs.base import Handlers
from civility.jobs.embedded import EmbeddedQueue
from civility.storage import migrate
from civility.storage.engine import Database


@dataclass
class Bench:
    queue: Any
    db: Database
    handlers: Handlers
    ran: list[Any] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)


@pytest.fixture(params=["embedded", pytest.param("procrastinate", marks=pytest.mark.postgres)])
def bench(request):
    handlers = Handlers()
    if request.param == "embedded":
        db = Database.from_url(request.getfixturevalue("sqlite_url"))
        migrate.upgrade(db.engine)
        queue = EmbeddedQueue(db, handlers)
    else:
        pytest.importorskip("procrastinate", reason="the scale extra is not installed (pip install -e '.[scale]')")
        from civility.jobs.procrastinate_queue import ProcrastinateQueue

        url = request.getfixturevalue("pg_url")
        db = Database.from_url(url)
        migrate.upgrade(db.engine)
        queue = ProcrastinateQueue(url, handlers, retry_wait_s=0)
    b = Bench(queue=queue, db=db, handlers=handlers)
    handlers.register("echo", lambda p: b.ran.append(p["n"]))

    def many(payloads):
        b.batches.append(len(payloads))
        b.ran.extend(p["n"] for p in payloads)

    handlers.register("many", many, batch=True)
    yield b
    if hasattr(queue, "close"):
        queue.close()
    db.dispose()


def drain(queue, *, until, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "jobs did not finish in time"
        if queue.run_pending(100) == 0:
            time.sleep(0.2)


def test_every_job_runs_once(bench):
    for n in range(25):
        bench.queue.enqueue("echo", {"n": n})
    assert bench.queue.run_pending(1000) == 25
    assert sorted(bench.ran) == list(range(25))
    assert bench.queue.run_pending(1000) == 0
    assert bench.queue.counts()["done"] == 25


def test_same_key_is_one_job(bench):
    for _ in range(3):
        bench.queue.enqueue("echo", {"n": 7}, key="score:7")
    bench.queue.enqueue("echo", {"n": 8}, key="score:8")
    bench.queue.run_pending(100)
    assert sorted(bench.ran) == [7, 8]


def test_run_pending_respects_the_limit(bench):
    for n in range(10):
        bench.queue.enqueue("echo", {"n": n})
    assert bench.queue.run_pending(4) == 4
    assert len(bench.ran) == 4
    assert bench.queue.run_pending(100) == 6
    assert sorted(bench.ran) == list(range(10))


def test_job_commits_with_the_transaction_or_not_at_all(bench):
    with bench.db.write() as conn:
        bench.queue.enqueue_in(conn, "echo", {"n": 1}, key="tx:1")
    with pytest.raises(RuntimeError):
        with bench.db.write() as conn:
            bench.queue.enqueue_in(conn, "echo", {"n": 2}, key="tx:2")
            raise RuntimeError("the request failed after the insert")
    bench.queue.run_pending(100)
    assert bench.ran == [1]


def test_duplicate_key_inside_a_transaction_keeps_the_transaction(bench):
    bench.queue.enqueue("echo", {"n": 1}, key="dup")
    with bench.db.write() as conn:
        bench.queue.enqueue_in(conn, "echo", {"n": 1}, key="dup")
        conn.execute(text("SELECT 1"))  # still usable: the duplicate did not abort it
    bench.queue.run_pending(100)
    assert bench.ran == [1]


def test_a_failing_job_is_retried(bench):
    calls = []

    def flaky(payload):
        calls.append(payload["n"])
        if len(calls) == 1:
            raise OSError("database blip")

    bench.handlers.register("flaky", flaky)
    bench.queue.enqueue("flaky", {"n": 5})
    drain(bench.queue, until=lambda: len(calls) >= 2)
    assert calls == [5, 5]
    counts = bench.queue.counts()
    assert counts["done"] == 1 and counts["failed"] == 0


def test_deep_queue_is_run_in_batches(bench):
    for n in range(70):
        bench.queue.enqueue("many", {"n": n}, key=f"many:{n}")
    drain(bench.queue, until=lambda: len(bench.ran) >= 70)
    assert sorted(bench.ran) == list(range(70))
    assert max(bench.batches) > 1, bench.batches  # not one call per job
    assert bench.queue.counts()["done"] == 70
