"""Scale tests use the shared fixtures of tests/conftest.py (sqlite_url, pg_url: a fresh
PostgreSQL database, skipped with the reason when the server is down); this adds Redis without
flushing it (the cache tests use keys of their own)."""

from __future__ import annotations

import os

import pytest


def redis_url_or_skip() -> str:
    url = os.environ.get("CIVILITY_TEST_REDIS", "redis://127.0.0.1:6379/15")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {url}: {exc.__class__.__name__}")
    return url
