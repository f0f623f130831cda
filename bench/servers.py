"""Servers for bench/load.py: start civility and Isso as child processes on loopback, seed their
databases (a thread of N approved comments, an empty one for posting), measure scoring, stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ISSO_VENV = HERE / ".venv-isso"
PG_ADMIN = os.environ.get("CIVILITY_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CIVILITY_BENCH_REDIS", "redis://127.0.0.1:6379/14")
BENCH_SECRET = "bench-secret-0123456789abcdefghij"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A child process in its own process group, logged to a file; ready when ``health`` answers
    200 (or at once when there is none); stopped with SIGINT, then SIGKILL after 15 s."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        logdir: Path,
        health: str | None,
        *,
        timeout: float = 90.0,
    ):
        self.name, self.argv, self.env, self.health, self.timeout = name, argv, env, health, timeout
        self.log_path = logdir / f"{name}.log"

    def __enter__(self) -> "Server":
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.timeout
        while self.health:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.health, timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer {self.health}: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self.log.close()


def civility_env(
    url: str, *, moderation: str, model_dir: str = "", queue: str = "embedded", redis_url: str = ""
) -> dict[str, str]:
    huge = str(10**9)  # the load comes from one address: per-address and per-email limits off the path
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVILITY_")}
    env.update(
        CIVILITY_DATABASE_URL=url,
        CIVILITY_SECRET_KEY=BENCH_SECRET,
        CIVILITY_MODERATION=moderation,
        CIVILITY_QUEUE=queue,
        CIVILITY_REDIS_URL=redis_url,
        CIVILITY_RATE_LIMIT_IP_PER_HOUR=huge,
        CIVILITY_RATE_LIMIT_EMAIL_PER_HOUR=huge,
        CIVILITY_MODEL_DIR=model_dir,
        PYTHONUNBUFFERED="1",
    )
    return env


def make_pg_database(admin_url: str) -> str:
    import psycopg

    name = f"civility_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@dataclass
class ScoringProbe:
    """Reads the database: how many posted comments are scored, and how fast."""

    url: str

    def scored(self, accepted: int, timeout: float, article_id: str = "fresh") -> dict[str, float | str]:
        from sqlalchemy import func, select

        from civility.storage.engine import Database
        from civility.storage.schema import comments, decisions

        db = Database.from_url(self.url)
        query = (
            select(func.count(), func.min(comments.c.created_at), func.max(decisions.c.created_at))
            .select_from(comments.join(decisions, decisions.c.comment_id == comments.c.id))
            .where(comments.c.article_id == article_id, decisions.c.actor == "machine")
        )
        deadline = time.monotonic() + timeout
        try:
            while True:
                with db.read() as conn:
                    count, first, last = conn.execute(query).one()
                if count >= accepted or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            with db.read() as conn:
                models = sorted(
                    {
                        m or "none"
                        for m in conn.execute(
                            select(decisions.c.model_version).where(decisions.c.actor == "machine").distinct()
                        ).scalars()
                    }
                )
        finally:
            db.dispose()
        span = (_utc(last) - _utc(first)).total_seconds() if count else 0.0
        return {"scored": count, "scored_per_s": count / span if span > 0 else 0.0, "model": ",".join(models)}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def seed_civility(url: str, approved: int) -> ScoringProbe:
    """Schema, a big story with ``approved`` approved comments, an empty story for posting."""
    from sqlalchemy import insert, text

    from civility.settings import load_settings
    from civility.storage.schema import comments
    from civility.workflow.platform import Platform
    from civility.workflow.types import ArticleIn

    settings = load_settings(
        overrides={"database_url": url, "secret_key": BENCH_SECRET, "moderation": "hold"}, environ={}, config_path=None
    )
    platform = Platform.from_settings(settings)
    try:
        platform.migrate()
        platform.add_article(ArticleIn(id="big", title="A big story", body="The council voted on the budget."))
        for article_id in ("fresh", "warmup"):
            platform.add_article(
                ArticleIn(
                    id=article_id,
                    title="A fresh story",
                    body="The council will vote on the budget for schools and roads.",
                )
            )
        start = datetime.now(timezone.utc) - timedelta(days=2)
        rows = [
            dict(
                article_id="big",
                name=f"Reader {i}",
                email=f"reader{i}@example.org",
                text=f"Reader comment number {i} on the big story, approved and public.",
                status="approved",
                version=1,
                created_at=start + timedelta(seconds=i),
            )
            for i in range(approved)
        ]
        with platform.db.write() as conn:
            conn.execute(insert(comments), rows)
            if conn.dialect.name == "postgresql":
                conn.execute(text("ANALYZE"))
    finally:
        platform.close()
    return ScoringProbe(url)


def seed_isso(tmp: Path, approved: int) -> Path:
    db = tmp / "isso.db"
    cfg = tmp / "isso.cfg"
    cfg.write_text(
        (HERE / "isso" / "isso.cfg").read_text().replace("@DBPATH@", str(db)).replace("@LISTEN@", "http://127.0.0.1:0")
    )
    subprocess.run(
        [str(ISSO_VENV / "bin" / "python"), str(HERE / "isso" / "seed.py"), str(cfg), str(approved)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return cfg


def start_isso(cfg: Path, port: int, logdir: Path, *, workers: int) -> Server:
    if not (ISSO_VENV / "bin" / "gunicorn").exists():
        raise SystemExit(
            "Isso is not installed: python3 -m venv bench/.venv-isso && "
            "bench/.venv-isso/bin/pip install -r bench/requirements-isso.txt"
        )
    env = {**os.environ, "ISSO_SETTINGS": str(cfg)}
    # Isso's documented production setup: gunicorn, one process per core (no --preload: Isso's
    # purge thread holds its lock at start-up and a fork would inherit it held).
    argv = [
        str(ISSO_VENV / "bin" / "gunicorn"),
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "--log-level",
        "warning",
        "isso.run",
    ]
    return Server("isso", argv, env, logdir, f"http://127.0.0.1:{port}/info")
