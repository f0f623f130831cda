"""Privacy links stored server-side, erasable moderator notes.

Adds ``privacy_links`` (opaque, single-use export/erasure links: only a hash of the token is
kept), lets erasure blank the free-text note of a person's decision on an erased comment (the
audit log stays append-only otherwise), and forgets the addresses that privacy-link jobs of
earlier versions carried in their arguments.

Revision ID: 0003
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from civility.storage.triggers import ddl_0003

revision = "0003"
down_revision = "0004"  # chained after the newsroom workflow (issue 11), which landed first
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_links",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_privacy_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_privacy_links_token_hash")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_privacy_links_dedupe_key")),
    )
    with op.batch_alter_table("privacy_links", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_links_expires", ["expires_at"], unique=False)
        batch_op.create_index("ix_privacy_links_email", ["email"], unique=False)
    bind = op.get_bind()
    for statement in ddl_0003(bind.dialect.name):
        op.execute(statement)
    # Jobs of earlier versions carried the address in their arguments.
    op.execute("DELETE FROM jobs WHERE kind = 'privacy_link' AND status IN ('done', 'failed')")
    if bind.dialect.name == "postgresql":
        op.execute(
            "DO $$ BEGIN IF to_regclass('procrastinate_jobs') IS NOT NULL THEN "
            "DELETE FROM procrastinate_jobs WHERE queue_name = 'civility.privacy_link' "
            "AND status IN ('succeeded', 'failed'); END IF; END $$"
        )


def downgrade() -> None:
    for statement in ddl_0003(op.get_bind().dialect.name, drop=True):
        op.execute(statement)
    with op.batch_alter_table("privacy_links", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_links_email")
        batch_op.drop_index("ix_privacy_links_expires")
    op.drop_table("privacy_links")
