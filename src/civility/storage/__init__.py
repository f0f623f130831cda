"""Persistence: one SQLAlchemy schema with Alembic migrations for SQLite (default, WAL) and PostgreSQL."""
