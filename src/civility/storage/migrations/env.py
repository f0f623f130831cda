"""Alembic environment: always run with a connection handed over by storage.migrate."""

from alembic import context

from civility.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only storage.migrate drives these migrations
    raise RuntimeError("run migrations through `civility migrate` (civility.storage.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
