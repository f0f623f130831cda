"""Privacy and retention on both deployments, measured from the outside.

Erasure: N canary commenters post, a moderator rejects some with a free-text reason quoting the
comment, each asks for an export and an erasure through the mailed link; then the database is
searched for the canary -- SQLite: `strings civility.db civility.db-wal`; PostgreSQL:
`pg_dump --data-only` (every table, procrastinate's included). The same search before the
erasure shows it finds what is there.

Retention: comments with network addresses 40 days old and expired sessions, then the real
`civility worker` process of the deployment runs until both are gone (or 60 s pass).

    python bench/privacy_deployments.py [--commenters 20] [--deployment sqlite-embedded|postgres-procrastinate]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_ADMIN = os.environ.get("CIVILITY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
CANARY = "quokka-canary"


def _settings(url: str, queue: str, outbox: Path):
    from civility.settings import load_settings

    return load_settings(
        {
            "database_url": url,
            "queue": queue,
            "secret_key": "bench-secret-0123456789abcdef",
            "moderation": "hold",
            "relevance": "off",
            "mail_outbox_dir": str(outbox),
            "rate_limit_ip_per_hour": 100000,
            "rate_limit_email_per_hour": 100000,
        },
        environ={},
        config_path=None,
    )


def _search(url: str, workdir: Path) -> int:
    """Lines holding the canary (case-insensitive) in the whole database."""
    if url.startswith("sqlite"):
        files = [str(p) for p in (workdir / "civility.db", workdir / "civility.db-wal") if p.exists()]
        out = subprocess.run(["strings", *files], capture_output=True, text=True, check=True).stdout
    else:
        out = subprocess.run(["pg_dump", "--data-only", url], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if CANARY in line.lower())


def _token(mail: dict) -> str:
    url = re.search(r"https?://\S+/privacy/confirm\?token=\S+", mail["body"]).group(0)
    return parse_qs(urlsplit(url).query)["token"][0]


def _drain(platform) -> int:
    total = 0
    while (ran := platform.run_pending_jobs(100)) > 0:
        total += ran
    return total


def erasure(url: str, queue: str, workdir: Path, commenters: int) -> dict:
    from civility.workflow import ArticleIn, Platform
    from civility.workflow.mail import OutboxSender

    outbox = workdir / "outbox"
    platform = Platform.from_settings(_settings(url, queue, outbox))
    platform.migrate()
    try:
        platform.add_article(ArticleIn(id="story", title="A story", body="Something happened."))
        for i in range(commenters):
            email = f"{CANARY}.{i}@example.org"
            for j in range(2):
                cid = platform.submit_comment(
                    "story", f"Quokka-Canary {i}", email, f"{CANARY} comment {i}.{j} about the story", ip="198.51.100.9"
                ).comment_id
                if j == 0:
                    platform.decide(cid, "reject", actor="moderator:bench", reason=f"quotes '{CANARY} comment {i}.{j}'")
            platform.submit_comment(
                "story", f"Bystander {i}", f"bystander{i}@example.org", "A bystander's view.", ip="198.51.100.10"
            )
        _drain(platform)
        before = _search(url, workdir)
        for i in range(commenters):
            platform.privacy.request_link(f"{CANARY}.{i}@example.org", "export", ip=None)
            platform.privacy.request_link(f"{CANARY}.{i}@example.org".upper(), "erase", ip=None)
        _drain(platform)
        mails = OutboxSender(outbox).messages()
        started = time.perf_counter()
        erased = exported = 0
        for mail in mails:
            if mail["kind"] == "privacy-export":
                exported += len(platform.privacy.export(_token(mail))["comments"])
        for mail in mails:
            if mail["kind"] == "privacy-erase":
                erased += platform.privacy.erase(_token(mail))
        erase_s = time.perf_counter() - started
        _drain(platform)
        after_running = _search(url, workdir)
    finally:
        platform.close()
    after_stop = _search(url, workdir)
    return {
        "commenters": commenters,
        "canary_lines_before": before,
        "exported": exported,
        "erased": erased,
        "erase_seconds": round(erase_s, 2),
        "canary_lines_after_erasure": after_running,
        "canary_lines_after_shutdown": after_stop,
    }


def retention(url: str, queue: str, workdir: Path, n: int = 50) -> dict:
    from sqlalchemy import func, select, update

    from civility.storage.clock import utcnow
    from civility.storage.schema import comments, sessions
    from civility.workflow import ArticleIn, Platform

    settings = _settings(url, queue, workdir / "outbox")
    platform = Platform.from_settings(settings)
    platform.migrate()
    try:
        platform.add_article(ArticleIn(id="old", title="Old", body="Old news."))
        ids = [
            platform.submit_comment(
                "old", f"R{i}", f"r{i}@example.org", f"comment {i}", ip=f"192.0.2.{i % 250}"
            ).comment_id
            for i in range(n)
        ]
        fresh = platform.submit_comment("old", "New", "new@example.org", "fresh", ip="192.0.2.251").comment_id
        mod = platform.add_moderator("benchmod", "correct horse battery staple")
        for _ in range(3):
            platform.create_session(mod.id)
        with platform.db.write() as conn:
            conn.execute(
                update(comments).where(comments.c.id.in_(ids)).values(created_at=utcnow() - timedelta(days=40))
            )
            conn.execute(update(sessions).values(expires_at=utcnow() - timedelta(minutes=1)))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        env.update(
            {
                f"CIVILITY_{k.upper()}": str(settings[k])
                for k in ("database_url", "secret_key", "queue", "moderation", "relevance", "mail_outbox_dir")
            }
        )
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "civility", "worker", "--poll-interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        done_s = None
        try:
            while time.perf_counter() - started < 60:
                with platform.db.read() as conn:
                    old_ips = conn.execute(
                        select(func.count()).where(comments.c.id.in_(ids), comments.c.ip.is_not(None))
                    ).scalar_one()
                    left = conn.execute(select(func.count()).select_from(sessions)).scalar_one()
                if old_ips == 0 and left == 0:
                    done_s = time.perf_counter() - started
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(20)
        with platform.db.read() as conn:
            fresh_ip = conn.execute(select(comments.c.ip).where(comments.c.id == fresh)).scalar_one()
    finally:
        platform.close()
    return {
        "old_addresses": n,
        "old_addresses_left": old_ips,
        "expired_sessions_left": left,
        "fresh_address_kept": fresh_ip == "192.0.2.251",
        "seconds_from_worker_start": round(done_s, 2) if done_s is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commenters", type=int, default=20)
    parser.add_argument("--deployment", action="append", choices=("sqlite-embedded", "postgres-procrastinate"))
    args = parser.parse_args()
    report = {}
    for deployment in args.deployment or ["sqlite-embedded", "postgres-procrastinate"]:
        for part in ("erasure", "retention"):
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                if deployment == "sqlite-embedded":
                    url, queue, drop = f"sqlite:///{workdir / 'civility.db'}", "embedded", None
                else:
                    import psycopg

                    name = f"civility_bench_{uuid.uuid4().hex[:10]}"
                    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                        conn.execute(f'CREATE DATABASE "{name}"')
                    url, queue, drop = PG_ADMIN.rsplit("/", 1)[0] + "/" + name, "procrastinate", name
                try:
                    fn = erasure if part == "erasure" else retention
                    result = fn(url, queue, workdir, args.commenters) if part == "erasure" else fn(url, queue, workdir)
                finally:
                    if drop:
                        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                            conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
                report[f"{deployment} {part}"] = result
                print(deployment, part, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
