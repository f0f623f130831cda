"""p95 of the moderators' queue, search and stats on 100,000 comments, SQLite and PostgreSQL.
Seeds N comments over 30 days across 50 articles (a third decided by the "machine" with scores and
flags, some by people), then times, in process through the Platform (no HTTP), 50 runs each of:
the pending queue (oldest first, riskiest first, filtered by category), a full-text search, a
commenter history, and the stats page numbers. Not a test: run by hand.
    PYTHONPATH=src python bench/bench_queue_p95.py [--n 100000] [--pg postgresql://postgres@127.0.0.1/db]"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from civility.settings import load_settings
from civility.storage.clock import utcnow
from civility.storage.schema import articles, comments, decisions
from civility.workflow.platform import Platform

WORDS = (
    "budget council school bus bridge harbour tax library park road vote mayor cut rise plan "
    "idiot stupid great thanks wrong right fair unfair cheap buy"
).split()


def seed(platform: Platform, n: int) -> None:
    rng = random.Random(7)
    now = utcnow()
    with platform.db.write() as conn:
        conn.execute(
            insert(articles),
            [
                {
                    "id": f"a{i}",
                    "title": f"Story {i}",
                    "body": "B",
                    "created_at": now,
                    "sort_at": now - timedelta(hours=i),
                }
                for i in range(50)
            ],
        )
    batch = 5000
    for start in range(0, n, batch):
        rows, decs = [], []
        for i in range(start, min(n, start + batch)):
            status = rng.choice(("pending", "approved", "rejected"))
            risk = rng.random()
            flags = rng.choice((None, ",insult,toxic,", ",spam,", ",profanity,toxic,"))
            created = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
            rows.append(
                {
                    "id": i + 1,
                    "article_id": f"a{rng.randrange(50)}",
                    "name": f"R{i}",
                    "email": f"r{i % 5000}@example.org",
                    "text": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 40))),
                    "status": status,
                    "version": 2,
                    "created_at": created,
                    "risk": risk,
                    "flags": flags,
                }
            )
            decs.append(
                {
                    "comment_id": i + 1,
                    "decision": {"pending": "review", "approved": "approve", "rejected": "reject"}[status],
                    "actor": "machine",
                    "created_at": created,
                    "reasons": [{"category": flags.split(",")[1], "score": risk, "threshold": 0.5, "evidence": []}]
                    if flags
                    else [],
                    "scores": {},
                }
            )
        with platform.db.write() as conn:
            conn.execute(insert(comments), rows)
            conn.execute(insert(decisions), decs)


def p95(fn, runs: int = 50) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def run(url: str, n: int) -> None:
    settings = load_settings(
        {
            "database_url": url,
            "secret_key": "bench-secret-0123456789abcdef",
            "moderation": "hold",
            "sqlite_synchronous": "NORMAL",
        },
        environ={},
    )
    platform = Platform.from_settings(settings)
    platform.migrate()
    t0 = time.perf_counter()
    seed(platform, n)
    with platform.db.write() as conn:  # planner statistics, as autovacuum / a maintained database has them
        conn.exec_driver_sql("ANALYZE")
    print(f"{url.split(':')[0]}: seeded {n} comments in {time.perf_counter() - t0:.0f}s")
    cases = {
        "queue oldest first": lambda: platform.review_queue(limit=50),
        "queue riskiest first": lambda: platform.review_queue(limit=50, sort="risky_first"),
        "queue category=insult": lambda: platform.review_queue(limit=50, category="insult", sort="risky_first"),
        "search 'budget harbour'": lambda: platform.review_queue(limit=50, q="budget harbour"),
        "commenter history": lambda: platform.commenter_history("r42@example.org"),
        "stats (30 days)": lambda: platform.stats(30),
    }
    for name, fn in cases.items():
        median, high = p95(fn, 20 if name.startswith("stats") else 50)
        print(f"  {name:26s} median {median:7.1f} ms   p95 {high:7.1f} ms")
    platform.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--pg", default="")
    args = parser.parse_args()
    run(f"sqlite:///{Path(tempfile.mkdtemp()) / 'p95.db'}", args.n)
    if args.pg:
        run(args.pg, args.n)


if __name__ == "__main__":
    main()
