"""Storage: one schema (schema.py) on SQLite or PostgreSQL, migrations shipped in the package,
an engine factory with the SQLite pragmas, and a `Database` handle with one writer discipline."""

from civility.storage.engine import Database, make_engine, normalize_url
from civility.storage.migrate import upgrade

__all__ = ["Database", "make_engine", "normalize_url", "upgrade"]
