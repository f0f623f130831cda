"""Newsroom workflow: threads, reports, queue sorting and search, article order and closing.

- comments: thread_id (the top-level comment of a reply's thread), risk (the machine's highest
  rule score) and flags (the categories of its reasons), for threads and the queue's sort/filters;
- articles: sort_at (published_at, else created_at: the home page order) and comments_closed_at;
- reports: readers' reports of published comments; bans: banned commenters (reason, expiry);
- full-text search of comment texts (SQLite FTS5 / PostgreSQL GIN on to_tsvector).

Revision ID: 0004
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa

from civility.storage import fts

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("comments", sa.Column("thread_id", Id, nullable=True))
    op.add_column("comments", sa.Column("risk", sa.Float(), nullable=True))
    op.add_column("comments", sa.Column("flags", sa.Text(), nullable=True))
    op.create_index("ix_comments_thread", "comments", ["article_id", "thread_id", "status"])
    op.execute("UPDATE comments SET risk = 0 WHERE risk IS NULL")
    op.create_index("ix_comments_queue_risk", "comments", ["status", "risk", "id"])
    op.create_index("ix_comments_email_lower", "comments", [sa.text("lower(email)")])
    op.add_column("articles", sa.Column("sort_at", TS, nullable=True))
    op.add_column("articles", sa.Column("comments_closed_at", TS, nullable=True))
    op.create_index("ix_articles_sort", "articles", ["sort_at", "id"])
    op.execute("UPDATE articles SET sort_at = COALESCE(published_at, created_at)")
    # Existing replies: thread = the parent's thread, or the parent itself (parents come first).
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, parent_id FROM comments WHERE parent_id IS NOT NULL ORDER BY id")).all()
    thread: dict[int, int] = {}
    for row_id, parent_id in rows:
        root = thread.get(parent_id, parent_id)
        thread[row_id] = root
        bind.execute(sa.text("UPDATE comments SET thread_id = :t WHERE id = :i"), {"t": root, "i": row_id})
    op.create_table(
        "reports",
        sa.Column("id", Id, nullable=False),
        sa.Column("comment_id", Id, nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reporter", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], name=op.f("fk_reports_comment_id_comments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("comment_id", "reporter", name=op.f("uq_reports_comment_id_reporter")),
    )
    op.create_index("ix_reports_comment_status", "reports", ["comment_id", "status"])
    op.create_table(
        "bans",
        sa.Column("id", Id, nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bans")),
    )
    op.create_index("ix_bans_email", "bans", ["email"])
    for statement in fts.ddl(bind.dialect.name):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in fts.ddl(bind.dialect.name, drop=True):
        op.execute(statement)
    op.drop_index("ix_bans_email", table_name="bans")
    op.drop_table("bans")
    op.drop_index("ix_reports_comment_status", table_name="reports")
    op.drop_table("reports")
    op.drop_index("ix_articles_sort", table_name="articles")
    # Plain ALTER TABLE DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop the triggers.
    for column in ("comments_closed_at", "sort_at"):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    op.drop_index("ix_comments_email_lower", table_name="comments")
    op.drop_index("ix_comments_queue_risk", table_name="comments")
    op.drop_index("ix_comments_thread", table_name="comments")
    for column in ("flags", "risk", "thread_id"):
        op.execute(f"ALTER TABLE comments DROP COLUMN {column}")
