"""Crash trial: the real `civility serve` on a SQLite file, several concurrent submitters posting
comments with Idempotency-Keys (retrying the same key until acknowledged), and SIGKILL of the
server at random moments followed by a restart. At the end every acknowledged comment must be
stored exactly once, under the id it was acknowledged with, and every job must be done, once.

With ``--deployment postgres-procrastinate`` the same on PostgreSQL: `civility serve` (no
embedded worker) and a separate `civility worker` process on procrastinate; each kill hits the
web server, the worker, or both at once.

    python bench/crash_trial.py --kills 200            # the full trial (BENCHMARKS.md)
    python bench/crash_trial.py --kills 5 --json -     # the short version the test suite runs
    python bench/crash_trial.py --kills 100 --deployment postgres-procrastinate

Only loopback traffic; every loop is bounded in count and time."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ARTICLE_ID = "crash-trial"
PG_ADMIN = os.environ.get("CIVILITY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DEPLOYMENTS = ("sqlite-embedded", "postgres-procrastinate")
PUBLISHER_TOKEN = "crash-trial-publisher-token-0123456789"
_KEY_IN_TEXT = re.compile(r"Crash trial comment ([0-9a-f]{32}):")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Report:
    deployment: str = "sqlite-embedded"
    kills: int = 0
    kills_during_startup: int = 0
    worker_kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong_id: int = 0
    unacknowledged_stored: int = 0
    retries: int = 0
    cut_mid_request: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    unscored_comments: int = 0
    scored_twice: int = 0
    integrity: str = ""
    seconds: float = 0.0
    mean_restart_s: float = 0.0

    @property
    def ok(self) -> bool:
        pending = sum(n for status, n in self.jobs.items() if status != "done")
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.wrong_id == 0
            and pending == 0
            and self.unscored_comments == 0
            and self.scored_twice == 0
            and self.integrity == "ok"
            and self.acknowledged > 0
        )


class Server:
    """`civility serve` as a child process in its own process group (so SIGKILL takes all of it)."""

    command = ("serve",)
    log_name = "server.log"

    def __init__(self, workdir: Path, port: int, env: dict[str, str]):
        self.workdir, self.port, self.env = workdir, port, env
        self.proc: subprocess.Popen | None = None
        self.log = open(workdir / self.log_name, "ab")  # noqa: SIM115 - lives as long as the trial

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "civility", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.command != ("serve",):
            cmd = [sys.executable, "-m", "civility", *self.command]
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.workdir,
            env=self.env,
            stdout=self.log,  # noqa: S603
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.workdir / 'server.log'}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1.0).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not healthy after {timeout}s; see {self.workdir / 'server.log'}")

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.proc = None


class Worker(Server):
    """`civility worker` (procrastinate) as a child process in its own process group."""

    command = ("worker", "--poll-interval", "0.5")
    log_name = "worker.log"


class Submitter(threading.Thread):
    """Posts comments one after another; retries the SAME key until the server acknowledges it.
    On stop it still finishes the comment in hand, so no submission is left ambiguous."""

    def __init__(self, index: int, base: str, stop: threading.Event, seed: int):
        super().__init__(name=f"submitter-{index}", daemon=True)
        self.index, self.base, self.stop_event = index, base, stop
        self.rng = random.Random(seed)
        self.acked: dict[str, int] = {}
        self.retries = 0
        self.cut_mid_request = 0  # the connection died after the request was sent: outcome unknown
        self.error: str | None = None

    def run(self) -> None:
        url = f"{self.base}/api/articles/{ARTICLE_ID}/comments"
        with httpx.Client(timeout=10.0) as client:
            while not self.stop_event.is_set():
                key = uuid.uuid4().hex
                body = {
                    "name": f"Trial {self.index}",
                    "email": f"trial{self.index}@example.org",
                    "text": f"Crash trial comment {key}: the council vote deserves a closer look.",
                }
                give_up = time.monotonic() + 600
                while time.monotonic() < give_up:
                    try:
                        resp = client.post(url, json=body, headers={"Idempotency-Key": key})
                    except httpx.ConnectError:
                        resp = None
                    except httpx.HTTPError:
                        self.cut_mid_request += 1
                        resp = None
                    if resp is not None and resp.status_code in (200, 201, 202):
                        self.acked[key] = int(resp.json()["id"])
                        break
                    if resp is not None and resp.status_code not in (409, 429, 500, 502, 503, 504):
                        self.error = f"unexpected {resp.status_code}: {resp.text[:200]}"
                        return
                    self.retries += 1
                    time.sleep(self.rng.uniform(0.02, 0.15))
                else:
                    self.error = f"key {key} never acknowledged"
                    return


def _env(workdir: Path, moderation: str, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVILITY_")}
    if database_url is not None:  # PostgreSQL + procrastinate: the worker is its own process
        env.update({"CIVILITY_QUEUE": "procrastinate", "CIVILITY_EMBEDDED_WORKER": "false"})
    env.update(
        {
            "CIVILITY_DATABASE_URL": database_url or f"sqlite:///{workdir / 'trial.db'}",
            "CIVILITY_SECRET_KEY": "crash-trial-secret-" + uuid.uuid4().hex,
            "CIVILITY_MODERATION": moderation,
            "CIVILITY_RELEVANCE": "off",
            "CIVILITY_PUBLISHER_TOKEN": PUBLISHER_TOKEN,
            "CIVILITY_RATE_LIMIT_IP_PER_HOUR": "100000000",
            "CIVILITY_RATE_LIMIT_EMAIL_PER_HOUR": "100000000",
            "CIVILITY_MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        }
    )
    return env


def _create_article(server: Server) -> None:
    article = {
        "id": ARTICLE_ID,
        "title": "Council approves the new bus lanes",
        "body": "The city council voted on Tuesday to add bus lanes on three avenues.",
        "source": "Crash trial",
    }
    resp = httpx.post(
        server.base + "/api/articles",
        json=article,
        timeout=10.0,
        headers={"Authorization": f"Bearer {PUBLISHER_TOKEN}"},
    )
    if resp.status_code not in (200, 201, 409):
        raise RuntimeError(f"could not create the article: {resp.status_code} {resp.text[:300]}")


class _Db:
    """The trial's database, read the same way on SQLite (read-only) and PostgreSQL."""

    def __init__(self, workdir: Path, database_url: str | None):
        self.path, self.url = workdir / "trial.db", database_url

    def query(self, sql: str, *params: object) -> list[tuple]:
        if self.url is None:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as conn:
                return conn.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql.replace("?", "%s"), params or None).fetchall()

    def jobs(self) -> dict[str, int]:
        if self.url is None:
            return dict(self.query("SELECT status, count(*) FROM jobs GROUP BY status"))
        names = {"todo": "queued", "doing": "running", "succeeded": "done"}
        rows = self.query(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name LIKE 'civility.%' GROUP BY 1"
        )
        return {names.get(status, status): n for status, n in rows}


def _wait_jobs_done(db: _Db, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(n for status, n in db.jobs().items() if status != "done") == 0:
            return
        time.sleep(0.25)


def verify(db: _Db, acked: dict[str, int], report: Report) -> None:
    """Count lost, duplicated and misnumbered comments, jobs by status, unscored comments and
    comments scored more than once."""
    if db.url is None:
        report.integrity = db.query("PRAGMA integrity_check")[0][0]
    else:  # PostgreSQL checks its own pages; what can go wrong here is the data, checked below
        report.integrity = "ok"
    by_key: dict[str, list[int]] = {}
    for comment_id, text in db.query("SELECT id, text FROM comments WHERE article_id = ?", ARTICLE_ID):
        match = _KEY_IN_TEXT.search(text)
        if match:
            by_key.setdefault(match.group(1), []).append(comment_id)
    for key, comment_id in acked.items():
        ids = by_key.get(key, [])
        if not ids:
            report.lost += 1
        elif len(ids) > 1:
            report.duplicated += len(ids) - 1
        elif ids[0] != comment_id:
            report.wrong_id += 1
    stored = db.query("SELECT count(*) FROM comments WHERE article_id = ?", ARTICLE_ID)[0][0]
    report.unacknowledged_stored = max(0, stored - (len(acked) - report.lost) - report.duplicated)
    report.jobs = db.jobs()
    report.unscored_comments = db.query(
        "SELECT count(*) FROM comments c WHERE NOT EXISTS "
        "(SELECT 1 FROM decisions d WHERE d.comment_id = c.id AND d.actor = 'machine')"
    )[0][0]
    report.scored_twice = db.query(
        "SELECT count(*) FROM (SELECT comment_id FROM decisions WHERE actor = 'machine' "
        "GROUP BY comment_id HAVING count(*) > 1) AS twice"
    )[0][0]


def run_trial(
    kills: int,
    *,
    submitters: int = 4,
    seed: int = 1,
    workdir: Path | None = None,
    moderation: str = "hold",
    max_uptime: float = 1.2,
    drain_timeout: float = 120.0,
    progress: bool = False,
    deployment: str = "sqlite-embedded",
) -> Report:
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"deployment {deployment!r} is not one of {DEPLOYMENTS}")
    rng = random.Random(seed)
    own_tmp = None
    if workdir is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="civility-crash-")
        workdir = Path(own_tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = pg_name = None
    if deployment == "postgres-procrastinate":
        import psycopg

        pg_name = f"civility_crash_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    db = _Db(workdir, database_url)
    env = _env(workdir, moderation, database_url)
    report = Report(deployment=deployment)
    began = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "civility", "migrate"],
        cwd=workdir,
        env=env,
        check=True,  # noqa: S603
        stdout=subprocess.DEVNULL,
    )
    server = Server(workdir, free_port(), env)
    worker = Worker(workdir, 0, env) if database_url else None
    stop = threading.Event()
    threads = [Submitter(i, server.base, stop, seed * 1000 + i) for i in range(submitters)]
    restarts: list[float] = []
    try:
        server.start()
        if worker is not None:
            worker.start()
        server.wait_healthy()
        _create_article(server)
        for thread in threads:
            thread.start()
        for n in range(kills):
            # PostgreSQL + procrastinate: a kill hits the web server, the worker, or both.
            target = rng.choice(("server", "worker", "both")) if worker is not None else "server"
            if target != "worker" and rng.random() < 0.2:
                # Kill while the server is starting: during migrations and job recovery.
                time.sleep(rng.uniform(0.0, max(0.2, (sum(restarts) / len(restarts)) if restarts else 0.5)))
                report.kills_during_startup += 1
            else:
                restarts.append(server.wait_healthy())
                time.sleep(rng.uniform(0.05, max_uptime))
            if target != "server" and worker is not None:
                worker.kill()
                report.worker_kills += 1
            if target != "worker":
                server.kill()
                report.kills += 1
            if progress and (n + 1) % 10 == 0:
                acked = sum(len(t.acked) for t in threads)
                print(f"  {n + 1}/{kills} kills, {acked} acknowledged", file=sys.stderr, flush=True)
            if target != "worker":
                server.start()
            if target != "server" and worker is not None:
                worker.start()
        server.wait_healthy()
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        errors = [t.error for t in threads if t.error]
        if errors:
            raise RuntimeError("submitter failed: " + "; ".join(errors))
        _wait_jobs_done(db, drain_timeout)
        server.stop()
        if worker is not None:
            worker.stop()
        acked: dict[str, int] = {}
        for thread in threads:
            acked.update(thread.acked)
        report.acknowledged = len(acked)
        report.retries = sum(t.retries for t in threads)
        report.cut_mid_request = sum(t.cut_mid_request for t in threads)
        verify(db, acked, report)
    finally:
        stop.set()
        server.kill()
        server.log.close()
        if worker is not None:
            worker.kill()
            worker.log.close()
        if pg_name is not None:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if own_tmp is not None:
            own_tmp.cleanup()
    report.seconds = round(time.monotonic() - began, 1)
    report.mean_restart_s = round(sum(restarts) / len(restarts), 2) if restarts else 0.0
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs of the server (default 200)")
    parser.add_argument("--submitters", type=int, default=4, help="concurrent submitting clients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--moderation",
        choices=("hold", "auto"),
        default="hold",
        help="hold (default: fast start-up) or auto (loads the model in every restart)",
    )
    parser.add_argument("--max-uptime", type=float, default=1.2, help="longest time a server lives before its kill")
    parser.add_argument("--workdir", type=Path, help="keep the database and server log here")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON ('-' for stdout)")
    parser.add_argument(
        "--deployment",
        choices=DEPLOYMENTS,
        default="sqlite-embedded",
        help="sqlite-embedded (default) or postgres-procrastinate (server and worker killed)",
    )
    args = parser.parse_args(argv)
    report = run_trial(
        args.kills,
        submitters=args.submitters,
        seed=args.seed,
        workdir=args.workdir,
        moderation=args.moderation,
        max_uptime=args.max_uptime,
        progress=True,
        deployment=args.deployment,
    )
    data = {**asdict(report), "ok": report.ok}
    if args.json == "-":
        print(json.dumps(data, indent=2))
    else:
        if args.json:
            Path(args.json).write_text(json.dumps(data, indent=2))
        print(
            f"{report.deployment}: kills {report.kills} ({report.kills_during_startup} during start-up), "
            f"worker kills {report.worker_kills}, "
            f"acknowledged {report.acknowledged}, lost {report.lost}, duplicated {report.duplicated}, "
            f"wrong id {report.wrong_id}, retries {report.retries} ({report.cut_mid_request} cut mid-request), "
            f"jobs {report.jobs}, "
            f"unscored {report.unscored_comments}, scored twice {report.scored_twice}, "
            f"integrity {report.integrity}, {report.seconds}s"
        )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
