"""The short crash trial: the real `civility serve` on a SQLite file is SIGKILLed 5 times while
4 clients post with Idempotency-Keys; every acknowledged comment must be stored exactly once,
under its acknowledged id, and every job done. On PostgreSQL + procrastinate the web server and
the separate `civility worker` are killed. The long runs are bench/crash_trial.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench" / "crash_trial.py"


def _trial_module():
    spec = importlib.util.spec_from_file_location("crash_trial", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_trial"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_sigkill_loses_and_duplicates_nothing(tmp_path):
    trial = _trial_module()
    report = trial.run_trial(5, submitters=4, seed=7, workdir=tmp_path / "trial", max_uptime=1.0)
    assert report.kills == 5
    _assert_nothing_lost(report)


@pytest.mark.postgres
def test_sigkill_of_server_and_worker_on_postgres_procrastinate(tmp_path, pg_admin_url):
    trial = _trial_module()
    report = trial.run_trial(
        6, submitters=3, seed=11, workdir=tmp_path / "trial", max_uptime=1.0, deployment="postgres-procrastinate"
    )
    assert report.kills + report.worker_kills >= 6 and report.worker_kills > 0
    _assert_nothing_lost(report)
    assert report.scored_twice == 0


def _assert_nothing_lost(report) -> None:
    assert report.acknowledged >= 10, "too few comments acknowledged for the trial to mean anything"
    assert report.retries > 0, "no request met a dead server: the kills missed the traffic"
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.wrong_id == 0
    assert set(report.jobs) == {"done"}, report.jobs
    assert report.unscored_comments == 0
    assert report.integrity == "ok"
