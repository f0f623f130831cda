"""Shared fixtures: a fresh SQLite file, a fresh PostgreSQL database per test (skipped with the
reason when the server on 127.0.0.1:5432 is down), and a `make_platform` factory that runs every
contract test on both backends (parametrised as `db_url`)."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN = os.environ.get("CIVILITY_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CIVILITY_TEST_REDIS", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-key-0123456789abcdef"
# Test databases skip the flush to disk at each commit (PostgreSQL synchronous_commit=off, SQLite
# synchronous=NORMAL): the logic under test is the same; durability itself is checked by the
# pragma tests and the crash trial, with the shipped defaults.
PG_TEST_OPTIONS = "?options=-c%20synchronous_commit%3Doff"


def _pg_down_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[scale]')"
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2):
            return None
    except Exception as exc:  # any failure to connect means "down" for these tests
        return f"PostgreSQL is not reachable at {PG_ADMIN}: {exc.__class__.__name__}: {exc}".strip()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    reason = _pg_down_reason()
    if reason:
        pytest.skip(reason)
    return PG_ADMIN


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A PostgreSQL database of its own (SQLAlchemy URL), dropped afterwards."""
    import psycopg

    name = f"civility_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1) + PG_TEST_OPTIONS
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_shared(pg_admin_url: str):
    """One database migrated once per session for the platform tests; emptied before each test."""
    import psycopg

    from civility.storage import make_engine, upgrade

    name = f"civility_shared_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    engine = make_engine(f"{base}/{name}")
    upgrade(engine)
    engine.dispose()
    yield f"{base}/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_migrated_url(pg_shared: str):
    """A PostgreSQL database at the head schema revision with every table empty.

    Emptying needs the append-only trigger on decisions out of the way: the test harness (a
    superuser) sets session_replication_role=replica, which PostgreSQL offers exactly for
    maintenance like this; the application never does."""
    import psycopg

    from civility.storage.schema import metadata

    tables = ", ".join(f'"{t}"' for t in metadata.tables)
    with psycopg.connect(pg_shared, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return pg_shared.replace("postgresql://", "postgresql+psycopg://", 1) + PG_TEST_OPTIONS


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'civility.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Each test using this runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def redis_url() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.flushdb()
        client.close()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc.__class__.__name__}")
    return REDIS_URL


def make_settings(db_url: str, **overrides):
    from civility.settings import load_settings

    values = {"database_url": db_url, "secret_key": TEST_SECRET, "moderation": "hold", "sqlite_synchronous": "NORMAL"}
    values.update(overrides)
    return load_settings(values, environ={}, config_path=None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform_db_url(request) -> str:
    """Like ``db_url`` but the PostgreSQL database starts migrated (copied from a template)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_migrated_url")


@pytest.fixture
def make_platform(platform_db_url):
    """Factory: ``make_platform(**setting_overrides)`` -> a migrated Platform on this test's database.
    Several calls share the database (like several processes would). Closed after the test."""
    from argon2 import PasswordHasher, profiles

    from civility.workflow import Platform

    made = []
    # Real argon2id with the library's cheapest parameters: the same code path, a fraction of the CPU.
    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)

    def factory(**overrides):
        platform = Platform.from_settings(make_settings(platform_db_url, **overrides), password_hasher=hasher)
        platform.migrate()
        made.append(platform)
        return platform

    yield factory
    for platform in made:
        platform.close()


@pytest.fixture
def platform(make_platform):
    """A migrated Platform in hold-everything mode, on SQLite and on PostgreSQL."""
    return make_platform()


@pytest.fixture
def article(platform):
    from civility.workflow import ArticleIn

    return platform.add_article(
        ArticleIn(title="Council passes the budget", body="The council voted 27 to 22.", source="test desk")
    )
