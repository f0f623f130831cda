"""A comment never moves to another article or parent.

Adds a trigger (SQLite and PostgreSQL) refusing an UPDATE of comments.article_id or parent_id.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from civility.storage.triggers import ddl_0002

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in ddl_0002(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in ddl_0002(op.get_bind().dialect.name, drop=True):
        op.execute(statement)
