"""The platform's own jobs on both setups: SQLite + embedded queue, PostgreSQL + procrastinate.
Every comment is scored exactly once; a lost queue is re-derived from pending comments."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from civility.settings import load_settings
from civility.storage.schema import decisions
from civility.workflow.platform import Platform
from civility.workflow.types import ArticleIn

SETUPS = {"sqlite-embedded": ("sqlite_url", "embedded"), "postgres-procrastinate": ("pg_url", "procrastinate")}


def make_platform(url: str, queue: str, **extra) -> Platform:
    values = dict(
        database_url=url,
        queue=queue,
        moderation="hold",
        secret_key="x" * 32,
        rate_limit_ip_per_hour=100000,
        rate_limit_email_per_hour=100000,
    )
    settings = load_settings(overrides={**values, **extra}, environ={}, config_path=None)
    platform = Platform.from_settings(settings)
    platform.migrate()
    return platform


@pytest.fixture(params=["sqlite-embedded", pytest.param("postgres-procrastinate", marks=pytest.mark.postgres)])
def platform(request):
    url_fixture, queue = SETUPS[request.param]
    if queue == "procrastinate":
        pytest.importorskip("procrastinate", reason="the scale extra is not installed (pip install -e '.[scale]')")
    p = make_platform(request.getfixturevalue(url_fixture), queue)
    p.add_article(ArticleIn(id="story", title="A story", body="Something happened."))
    yield p
    p.close()


def machine_decisions(p: Platform) -> dict[int, int]:
    with p.db.read() as conn:
        rows = conn.execute(
            select(decisions.c.comment_id, func.count())
            .where(decisions.c.actor == "machine")
            .group_by(decisions.c.comment_id)
        ).all()
    return {cid: n for cid, n in rows}


def submit(p: Platform, n: int) -> list[int]:
    return [
        p.submit_comment("story", f"Reader {i}", f"r{i}@example.org", f"Comment number {i}.", ip="127.0.0.1").comment_id
        for i in range(n)
    ]


def run_all(p: Platform) -> int:
    total = 0
    while (ran := p.run_pending_jobs(100)) > 0:
        total += ran
    return total


def test_each_comment_is_scored_exactly_once(platform):
    ids = submit(platform, 30)
    run_all(platform)
    assert machine_decisions(platform) == {cid: 1 for cid in ids}
    assert run_all(platform) == 0


def test_a_lost_queue_is_rederived_from_pending_comments(platform):
    ids = submit(platform, 12)
    table = "procrastinate_jobs" if platform.settings.queue == "procrastinate" else "jobs"
    with platform.db.write() as conn:  # the broker lost everything (or the jobs were never stored)
        conn.execute(text(f"DELETE FROM {table}"))
    run_all(platform)  # (only the periodic retention job is left to run)
    assert machine_decisions(platform) == {}
    platform.recover()  # what `civility worker` and `serve` do at start
    run_all(platform)
    assert machine_decisions(platform) == {cid: 1 for cid in ids}


def test_a_job_run_twice_records_one_decision(platform):
    [cid] = submit(platform, 1)
    run_all(platform)
    platform.queue.enqueue("score_comment", {"comment_id": cid})  # e.g. a worker died after the work
    run_all(platform)
    assert machine_decisions(platform) == {cid: 1}


def test_procrastinate_on_sqlite_is_refused_with_a_clear_message(sqlite_url):
    from civility.errors import ConfigError

    with pytest.raises(ConfigError, match="PostgreSQL"):
        make_platform(sqlite_url, "procrastinate")
