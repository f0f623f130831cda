"""Worker processes on a shared procrastinate queue: two `civility worker` processes share 300
jobs and each job is done exactly once; a job whose worker is killed mid-run is retried."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason="the scale extra is not installed (pip install -e '.[scale]')")
pytest.importorskip("procrastinate", reason="the scale extra is not installed (pip install -e '.[scale]')")

from civility.jobs.base import Handlers  # noqa: E402
from civility.jobs.procrastinate_queue import ProcrastinateQueue, libpq_url  # noqa: E402

from .test_platform_queues import machine_decisions, make_platform, submit  # noqa: E402

pytestmark = pytest.mark.postgres

DONE = re.compile(r"civility job\(s\) done: ([\d ]+)")


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def scalar(url: str, sql: str):
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def test_two_workers_do_every_job_exactly_once(pg_url, tmp_path):
    platform = make_platform(pg_url, "procrastinate")
    from civility.workflow.types import ArticleIn

    platform.add_article(ArticleIn(id="story", title="A story", body="Something happened."))
    platform.queue.ensure_schema()
    env = {
        **os.environ,
        "CIVILITY_DATABASE_URL": pg_url,
        "CIVILITY_QUEUE": "procrastinate",
        "CIVILITY_MODERATION": "hold",
        "CIVILITY_SECRET_KEY": "x" * 32,
        "PYTHONUNBUFFERED": "1",
    }
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "civility", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")
        )
        for log in logs
    ]

    def running(check):
        def both_alive_and():
            for w, log in zip(workers, logs):
                assert w.poll() is None, f"a worker exited: {log.read_text()[-3000:]}"
            return check()

        return both_alive_and

    try:
        wait_for(running(lambda: scalar(pg_url, "SELECT count(*) FROM procrastinate_workers") == 2), 120, "two workers")
        ids = submit(platform, 300)
        wait_for(
            running(
                lambda: (
                    scalar(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'") == 0
                    and len(machine_decisions(platform)) == 300
                )
            ),
            180,
            "all jobs done",
        )
    finally:
        for w in workers:
            w.send_signal(signal.SIGINT)
        for w in workers:
            try:
                w.wait(20)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        platform.queue.close()
        platform.close()

    ran = [[int(j) for m in DONE.finditer(log.read_text()) for j in m.group(1).split()] for log in logs]
    all_jobs = scalar(
        pg_url, "SELECT array_agg(id ORDER BY id) FROM procrastinate_jobs WHERE queue_name = 'civility.score_comment'"
    )
    assert len(all_jobs) == 300
    # The periodic retention job: one for this hour, whichever of the two workers deferred it.
    retention = scalar(pg_url, "SELECT array_agg(id) FROM procrastinate_jobs WHERE queue_name = 'civility.retention'")
    assert len(retention) == 1
    assert all(ran), f"each worker should have done some of the jobs: {[len(r) for r in ran]}"
    assert sorted(ran[0] + ran[1]) == sorted(all_jobs + retention)  # every job done, none by both, none twice
    # procrastinate's own record agrees: 301 starts, one attempt each, all succeeded.
    assert scalar(pg_url, "SELECT count(*) FROM procrastinate_events WHERE type = 'started'") == 301
    assert scalar(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE attempts = 1 AND status = 'succeeded'") == 301
    assert machine_decisions(platform) == {cid: 1 for cid in ids}


WORKER = """
import os, sys, time
from civility.jobs.base import Handlers
from civility.jobs.procrastinate_queue import ProcrastinateQueue
def slow(payload):
    with open(payload["marker"], "a") as fh:
        fh.write(str(os.getpid()) + "\\n")
    time.sleep(120)
handlers = Handlers()
handlers.register("slow", slow)
ProcrastinateQueue(sys.argv[1], handlers, heartbeat_s=0.5, stalled_after_s=2).run_worker()
"""


def test_a_job_whose_worker_dies_is_retried(pg_url, tmp_path):
    marker = tmp_path / "started"
    done: list[dict] = []
    handlers = Handlers()
    handlers.register("slow", done.append)
    queue = ProcrastinateQueue(pg_url, handlers, heartbeat_s=0.5, stalled_after_s=2)
    queue.enqueue("slow", {"marker": str(marker)}, key="slow:1")
    worker = subprocess.Popen([sys.executable, "-c", WORKER, pg_url], stderr=subprocess.DEVNULL)
    try:
        wait_for(marker.exists, 60, "the worker to start the job")
        worker.kill()  # SIGKILL: no clean-up, the job stays 'doing'
        worker.wait()
        assert queue.counts()["running"] == 1
        assert queue.run_pending() == 0  # its worker's heartbeat is still fresh: not yet stalled
        time.sleep(2.5)
        assert queue.run_pending() == 1
    finally:
        if worker.poll() is None:
            worker.kill()
        queue.close()
    assert done == [{"marker": str(marker)}]
    assert queue.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}
    assert Path(marker).read_text().count("\n") == 1
