"""Engine factory and the `Database` handle: SQLite pragmas (WAL, synchronous, foreign keys,
busy_timeout), one writer per process on SQLite (BEGIN IMMEDIATE under a lock), and plain
transactions on PostgreSQL. Nothing is created at import time."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from civility.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite", "postgresql+psycopg://")):
        return url
    raise ConfigError(f"database_url {url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, synchronous)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    if synchronous not in {"FULL", "NORMAL", "EXTRA", "OFF"}:
        raise ConfigError(f"sqlite_synchronous {synchronous!r} is not FULL, NORMAL or EXTRA")
    memory = url in {"sqlite://", "sqlite:///:memory:"}
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # Connections to a file are cheap; enough for the web thread pool plus the worker.
        **({"poolclass": StaticPool} if memory else {"pool_size": 10, "max_overflow": 30}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no branch
        # Let SQLAlchemy's "begin" event own transaction start (pysqlite's implicit BEGIN
        # would otherwise defer the write lock and make lock upgrades fail under load).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free space of the file (an
        # erased comment must not be readable with `strings civility.db`).
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """The engine plus the write discipline every repository uses.

    ``write()`` yields a connection inside a transaction that commits on exit. On SQLite all
    writes of this process go through one lock and start with ``BEGIN IMMEDIATE`` so two
    threads never race for the write lock (other processes wait on busy_timeout).
    ``read()`` yields a connection for reads (a deferred transaction, rolled back on exit).
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock()

    @classmethod
    def from_url(cls, url: str, *, synchronous: str = "FULL") -> "Database":
        return cls(make_engine(url, synchronous=synchronous))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self.is_sqlite:
            with self._write_lock:
                with self.engine.connect() as conn:
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                    with conn.begin():
                        yield conn
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def forget_freed(self) -> bool:
        """After an erasure: on SQLite, copy the write-ahead log into the database file and
        truncate the log, so old page images (the erased words) leave the -wal file too
        (secure_delete has zeroed them in the database file). True when the log was emptied;
        False when a reader still holds an old snapshot (the next checkpoint empties it).
        Nothing to do on PostgreSQL, whose dead rows are reclaimed by (auto)vacuum."""
        if not self.is_sqlite:
            return True
        with self._write_lock:
            raw = self.engine.raw_connection()  # outside any transaction: a checkpoint needs that
            try:
                busy, _log, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
        return busy == 0

    def dispose(self) -> None:
        self.engine.dispose()
