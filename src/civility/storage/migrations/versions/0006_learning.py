"""Learning from the site's moderators: the categories of a human rejection, overturn flags and
the shipped model's own scores on each decision, and the versioned site models.

Revision ID: 0006
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0003"  # after issue 11 (0004) and the privacy tables (0003), which landed first
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("decisions", sa.Column("categories", sa.JSON(), nullable=True))
    op.add_column("decisions", sa.Column("overturn", sa.Boolean(), nullable=True))
    op.add_column("decisions", sa.Column("base_scores", sa.JSON(), nullable=True))
    op.create_table(
        "site_models",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("base_model", sa.Text(), nullable=False),
        sa.Column("artifact", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("decisions_used", sa.Integer(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_models")),
        sa.UniqueConstraint("version", name=op.f("uq_site_models_version")),
    )
    op.create_index("ix_site_models_status", "site_models", ["status", "version"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_site_models_status", table_name="site_models")
    op.drop_table("site_models")
    # plain DROP COLUMN (SQLite >= 3.35): a batch copy of decisions would reflect comments, whose
    # expression index (0004) SQLAlchemy cannot reflect
    for column in ("base_scores", "overturn", "categories"):
        op.drop_column("decisions", column)
