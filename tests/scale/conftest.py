"""Fixtures for the scale tests: a fresh SQLite file, a fresh PostgreSQL database per test
(skipped with the reason when the server is down), and a queue factory for both backends."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN = os.environ.get("CIVILITY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_down_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[scale]')"
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2):
            return None
    except Exception as exc:  # any failure to connect means "down" for these tests
        return f"PostgreSQL is not reachable at {PG_ADMIN}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    reason = _pg_down_reason()
    if reason:
        pytest.skip(reason)
    return PG_ADMIN


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A PostgreSQL database of its own, dropped afterwards (SQLAlchemy URL form)."""
    import psycopg

    name = f"civility_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'civility.db'}"


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
