"""Engine factory: SQLite pragmas from settings, URL rewriting, one writer, keyset cursors."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from civility.errors import ConfigError, ValidationError
from civility.storage.engine import Database, make_engine, normalize_url
from civility.storage.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize("sync, expected", [("FULL", 2), ("NORMAL", 1), ("EXTRA", 3)])
def test_sqlite_pragmas(sqlite_url, sync, expected):
    engine = make_engine(sqlite_url, synchronous=sync)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == expected
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    engine.dispose()


def test_bad_synchronous_is_a_config_error(sqlite_url):
    with pytest.raises(ConfigError):
        make_engine(sqlite_url, synchronous="SOMETIMES")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


def test_unsupported_url_is_refused():
    with pytest.raises(ConfigError, match="database_url"):
        normalize_url("mysql://root@localhost/db")


def test_sqlite_writers_in_threads_never_hit_database_locked(sqlite_url):
    db = Database.from_url(sqlite_url)
    with db.write() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    errors = []

    def bump():
        try:
            for _ in range(25):
                with db.write() as conn:
                    n = conn.execute(text("SELECT n FROM counter")).scalar()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.read() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 100  # no lost update
    assert errors == []
    db.dispose()


def test_cursor_round_trip_and_garbage():
    stamp = datetime(2026, 11, 24, 9, 30, 1, 123456, tzinfo=timezone.utc)
    assert decode_cursor(encode_cursor(stamp, 42)) == (stamp, 42)
    for bad in ("", "!!!", "bm90IGpzb24", encode_cursor(stamp, 1)[:-3] + "zzz"):
        with pytest.raises(ValidationError):
            decode_cursor(bad)
