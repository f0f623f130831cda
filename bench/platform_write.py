"""Write path of the Platform service itself (no HTTP): submit latency and hold-all scoring
throughput on SQLite (synchronous=FULL) or PostgreSQL. Loopback only, bounded (~1 minute).

    python bench/platform_write.py sqlite:////tmp/civility-bench.db
    python bench/platform_write.py pg      # a fresh database on 127.0.0.1:5432, dropped after
"""

from __future__ import annotations

import sys
import threading
import time
import uuid

from civility.settings import load_settings
from civility.workflow import ArticleIn, Platform

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main(url: str, n: int = 300) -> None:
    dropped = None
    if url == "pg":
        import psycopg

        dropped = f"civility_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dropped}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{dropped}"
    settings = load_settings(
        {
            "database_url": url,
            "secret_key": "b" * 32,
            "moderation": "hold",
            "rate_limit_ip_per_hour": 10**6,
            "rate_limit_email_per_hour": 10**6,
        },
        environ={},
    )
    platform = Platform.from_settings(settings)
    try:
        platform.migrate()
        article = platform.add_article(ArticleIn(title="Bench", body="B"))
        lat = []
        for i in range(n):
            t = time.perf_counter()
            platform.submit_comment(
                article.id,
                "Ann",
                f"a{i}@example.org",
                f"comment number {i} with some text",
                ip=f"10.0.{i % 250}.1",
                idempotency_key=uuid.uuid4().hex,
            )
            lat.append((time.perf_counter() - t) * 1000)
        print(f"sequential submit: p50 {_pct(lat, 0.5):.1f} ms, p99 {_pct(lat, 0.99):.1f} ms")
        t = time.perf_counter()
        done = 0
        while ran := platform.run_pending_jobs(32):
            done += ran
        dt = time.perf_counter() - t
        print(f"hold-all scoring: {done} jobs in {dt:.2f} s = {done / dt:.0f} jobs/s (batches of 32)")
        lat2: list[float] = []
        lock = threading.Lock()

        def submitter(k: int) -> None:
            for i in range(n // 4):
                t0 = time.perf_counter()
                platform.submit_comment(
                    article.id,
                    "Bob",
                    f"t{k}-{i}@example.org",
                    f"thread {k} comment {i}",
                    ip=f"10.1.{k}.{i % 250}",
                    idempotency_key=uuid.uuid4().hex,
                )
                with lock:
                    lat2.append((time.perf_counter() - t0) * 1000)

        t = time.perf_counter()
        threads = [threading.Thread(target=submitter, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        dt = time.perf_counter() - t
        print(
            f"4 concurrent submitters: {len(lat2) / dt:.0f} comments/s, p50 {_pct(lat2, 0.5):.1f} ms, "
            f"p99 {_pct(lat2, 0.99):.1f} ms"
        )
    finally:
        platform.close()
        if dropped:
            import psycopg

            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/civility-bench.db")
