"""The job-queue contract (jobs/base.py JobQueue): the workflow uses nothing else, both queues
implement all of it, and the same job tests pass on both -- the embedded one (jobs table on
SQLite) and procrastinate on PostgreSQL. Handlers here are plain functions recording what ran;
the queues are real."""

from __future__ import annotations

import ast
import inspect
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from civility.jobs.base import Handlers, JobQueue
from civility.jobs.embedded import EmbeddedQueue
from civility.storage import migrate
from civility.storage.engine import Database

SRC = Path(__file__).parents[2] / "src" / "civility"


def protocol_members() -> set[str]:
    return {n for n in vars(JobQueue) if not n.startswith("_")} | set(JobQueue.__annotations__)


def _queue_uses(tree: ast.AST) -> tuple[set[str], list[str]]:
    """Attributes read off anything named ``queue`` (``self.queue.x``, ``queue.x``, ``p.queue.x``),
    and the lines that probe a queue with hasattr/getattr."""
    used: set[str] = set()
    probes: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
            if name == "queue":
                used.add(node.attr)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"hasattr", "getattr"} and node.args:
            target = node.args[0]
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if name == "queue":
                probes.append(f"line {node.lineno}: {ast.unparse(node)}")
    return used, probes


def test_the_workflow_reaches_the_queue_only_through_the_protocol():
    members = protocol_members()
    for path in sorted((SRC / "workflow").glob("*.py")) + [SRC / "cli" / "worker_cmd.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        used, probes = _queue_uses(tree)
        assert not probes, f"{path.name} probes the queue instead of using the protocol: {probes}"
        assert used <= members, f"{path.name} uses {sorted(used - members)}, which JobQueue does not declare"
        source = path.read_text(encoding="utf-8")
        for bad in ("queue: Any", "queue: EmbeddedQueue", 'queue: "EmbeddedQueue"'):
            assert bad not in source, f"{path.name} types a queue as {bad.split(': ')[1]}, not JobQueue"


def _queue_classes():
    classes = [EmbeddedQueue]
    try:
        from civility.jobs.procrastinate_queue import ProcrastinateQueue
    except ImportError:
        pass
    else:
        classes.append(ProcrastinateQueue)
    return classes


@pytest.mark.parametrize("cls", _queue_classes(), ids=lambda c: c.__name__)
def test_each_queue_implements_every_operation_with_the_protocols_signature(cls):
    for name in sorted(protocol_members()):
        if name == "handlers":
            continue
        assert hasattr(cls, name), f"{cls.__name__} lacks {name}"
        want = inspect.signature(getattr(JobQueue, name))
        got = inspect.signature(getattr(cls, name))
        assert list(got.parameters) == list(want.parameters), (name, str(got), str(want))
        for param in want.parameters.values():
            assert got.parameters[param.name].kind == param.kind, (name, param.name)


@dataclass
class Bench:
    queue: JobQueue
    db: Database
    url: str
    handlers: Handlers
    ran: list[Any] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)


@pytest.fixture(params=["embedded", pytest.param("procrastinate", marks=pytest.mark.postgres)])
def bench(request):
    handlers = Handlers()
    if request.param == "embedded":
        url = request.getfixturevalue("sqlite_url")
        db = Database.from_url(url)
        migrate.upgrade(db.engine)
        queue = EmbeddedQueue(db, handlers)
    else:
        pytest.importorskip("procrastinate", reason="the scale extra is not installed (pip install -e '.[scale]')")
        from civility.jobs.procrastinate_queue import ProcrastinateQueue

        url = request.getfixturevalue("pg_url")
        db = Database.from_url(url)
        migrate.upgrade(db.engine)
        queue = ProcrastinateQueue(url, handlers, retry_wait_s=0)
    b = Bench(queue=queue, db=db, url=url, handlers=handlers)
    handlers.register("echo", lambda p: b.ran.append(p["n"]))

    def many(payloads):
        b.batches.append(len(payloads))
        b.ran.extend(p["n"] for p in payloads)

    handlers.register("many", many, batch=True)
    assert isinstance(queue, JobQueue)
    yield b
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


def test_a_periodic_job_runs_once_per_period_across_workers(bench):
    periods = []
    bench.handlers.register("tick", lambda p: periods.append(p["period"]))
    bench.queue.every("tick", 3600)
    bench.queue.run_pending(100)
    bench.queue.run_pending(100)
    assert len(periods) == 1, periods
    assert abs(periods[0] - int(time.time() // 3600) * 3600) <= 1
    # A second worker (another process on the same database) does not run it again.
    other = _second_queue(bench)
    other.handlers.register("tick", lambda p: periods.append(p["period"]))
    other.every("tick", 3600)
    other.run_pending(100)
    other.close()
    assert len(periods) == 1, periods


def _second_queue(bench) -> JobQueue:
    if isinstance(bench.queue, EmbeddedQueue):
        return EmbeddedQueue(bench.db, Handlers())
    from civility.jobs.procrastinate_queue import ProcrastinateQueue

    return ProcrastinateQueue(bench.url, Handlers(), retry_wait_s=0)


def test_a_failed_job_can_be_retried_by_key(bench, monkeypatch):
    monkeypatch.setattr("civility.jobs.embedded._backoff", lambda attempts: timedelta(0))
    calls = []
    fixed = []

    def broken(payload):
        calls.append(payload["n"])
        if not fixed:
            raise OSError("still broken")

    bench.handlers.register("broken", broken)
    bench.queue.enqueue("broken", {"n": 1}, key="broken:1")
    drain(bench.queue, until=lambda: bench.queue.counts()["failed"] == 1, timeout=30)
    failed_after = len(calls)
    assert failed_after >= 2
    fixed.append(True)  # the operator fixed the cause, then retries
    assert bench.queue.retry_failed(["broken:1"]) == 1
    drain(bench.queue, until=lambda: bench.queue.counts()["done"] == 1)
    assert len(calls) == failed_after + 1
    assert bench.queue.counts()["failed"] == 0
    assert bench.queue.retry_failed(["broken:1", "nothing:2"]) == 0


def test_recover_and_prune_answer_counts(bench):
    bench.queue.enqueue("echo", {"n": 1})
    bench.queue.run_pending(10)
    assert bench.queue.recover() == 0
    assert bench.queue.prune(older_than=timedelta(days=1)) == 0  # done just now: kept
    assert bench.queue.counts()["done"] == 1
    assert bench.queue.prune(older_than=timedelta(seconds=-60)) == 1
    assert bench.queue.counts()["done"] == 0


def test_run_pending_works_inside_a_running_event_loop(bench):
    """E.g. under Playwright's sync API, which keeps a loop running in the main thread."""
    import asyncio

    bench.queue.enqueue("echo", {"n": 1})

    async def inside() -> int:
        return bench.queue.run_pending(10)

    assert asyncio.run(inside()) == 1
    assert bench.ran == [1]
