"""The one schema, as SQLAlchemy Core tables. Migrations (storage/migrations) create exactly
this; triggers that freeze comment text and keep decisions append-only live in triggers.py."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# BigInteger ids on PostgreSQL, plain INTEGER PRIMARY KEY (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")
TS = DateTime(timezone=True)

articles = Table(
    "articles",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("source", Text, nullable=False, server_default=""),
    Column("url", Text, nullable=True, unique=True),
    Column("lang", String(16), nullable=False, server_default="en"),
    Column("published_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("policy_overrides", JSON, nullable=True),
    # 0004: the home page's order (published_at, else created_at) and closing comments by hand.
    Column("sort_at", TS, nullable=True),
    Column("comments_closed_at", TS, nullable=True),
)
Index("ix_articles_created", articles.c.created_at, articles.c.id)
Index("ix_articles_sort", articles.c.sort_at, articles.c.id)

comments = Table(
    "comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", String(120), ForeignKey("articles.id"), nullable=False),
    Column("parent_id", Id, ForeignKey("comments.id"), nullable=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(16), nullable=True),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", TS, nullable=False),
    Column("ip", String(64), nullable=True),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("signature", LargeBinary, nullable=True),
    Column("erased_at", TS, nullable=True),
    # 0004: the thread's top-level comment (NULL for a top-level comment itself); the machine's
    # highest rule score and the categories of its reasons (",insult,spam,") for queue sorting/filters.
    Column("thread_id", Id, nullable=True),
    Column("risk", Float, nullable=True),
    Column("flags", Text, nullable=True),
)
# Public lists: approved comments of one article in (created_at, id) order, keyset-paged.
Index("ix_comments_public", comments.c.article_id, comments.c.status, comments.c.created_at, comments.c.id)
# Review queue across articles.
Index("ix_comments_queue", comments.c.status, comments.c.created_at, comments.c.id)
Index("ix_comments_email_created", comments.c.email, comments.c.created_at)
Index("ix_comments_ip_created", comments.c.ip, comments.c.created_at)
Index("ix_comments_thread", comments.c.article_id, comments.c.thread_id, comments.c.status)
Index("ix_comments_queue_risk", comments.c.status, comments.c.risk, comments.c.id)
Index("ix_comments_email_lower", func.lower(comments.c.email))  # commenter history and the email filter
# Full-text search of the queue lives outside this metadata: an FTS5 table (comments_fts) kept by
# triggers on SQLite, a GIN index on to_tsvector('simple', text) on PostgreSQL (storage/fts.py).

# 0004: readers' reports of a published comment. ``reporter`` is an HMAC of the reader's network
# address bucket (never the address itself); one report per reporter and comment.
reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("comment_id", Id, ForeignKey("comments.id"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=True),
    Column("reporter", String(128), nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("comment_id", "reporter"),
)
Index("ix_reports_comment_status", reports.c.comment_id, reports.c.status)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("comment_id", Id, ForeignKey("comments.id"), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("actor", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("model_version", Text, nullable=True),
    Column("policy_version", Text, nullable=True),
    Column("note", Text, nullable=True),
    # Learning (0006): the rules a moderator's rejection names, whether a human decision
    # overturned the machine's automatic one, and the shipped model's own scores of a machine
    # verdict (``scores`` holds the site-corrected ones once a site model is active).
    Column("categories", JSON, nullable=True),
    Column("overturn", Boolean, nullable=True),
    Column("base_scores", JSON, nullable=True),
)
Index("ix_decisions_comment", decisions.c.comment_id, decisions.c.id)

# Every site model ever learnt (never deleted): the artifact (coefficients and bands, JSON), what
# its learning run measured, and which one is active (status "active"; exactly one or none).
site_models = Table(
    "site_models",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("status", String(16), nullable=False),  # active | kept | rejected | retired
    Column("base_model", Text, nullable=False),
    Column("artifact", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    Column("decisions_used", Integer, nullable=False),
    Column("promoted_at", TS, nullable=True),
)
Index("ix_site_models_status", site_models.c.status, site_models.c.version)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("run_after", TS, nullable=False),
    Column("locked_by", Text, nullable=True),
    Column("locked_at", TS, nullable=True),
    Column("lease_until", TS, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    Column("created_at", TS, nullable=False),
    Column("done_at", TS, nullable=True),
)
Index("ix_jobs_due", jobs.c.status, jobs.c.run_after, jobs.c.id)

moderators = Table(
    "moderators",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False, server_default="moderator"),
    Column("created_at", TS, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the token; the token itself is never stored
    Column("moderator_id", Id, ForeignKey("moderators.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)
Index("ix_sessions_expires", sessions.c.expires_at)

# Sliding-window counters: one row per counted event; keys are HMACs, never raw emails/addresses.
rate_events = Table(
    "rate_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False),
    Column("at", TS, nullable=False),
)
Index("ix_rate_events_key_at", rate_events.c.key, rate_events.c.at)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False),
    Column("at", TS, nullable=False),
)
Index("ix_login_failures_key_at", login_failures.c.key, login_failures.c.at)

site_settings = Table(
    "site_settings",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# Near-duplicate lookup: locality-sensitive band keys of each comment's signature.
neardup_bands = Table(
    "neardup_bands",
    metadata,
    Column("band_key", String(64), nullable=False),
    Column("comment_id", Id, ForeignKey("comments.id"), nullable=False),
    UniqueConstraint("band_key", "comment_id"),
)
Index("ix_neardup_bands_comment", neardup_bands.c.comment_id)

# 0004: banned commenters (by lower-cased email, moderators only), with a reason and an expiry.
bans = Table(
    "bans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=True),  # NULL: until lifted
    Column("lifted_at", TS, nullable=True),
)
Index("ix_bans_email", bans.c.email)

# Privacy requests (revision 0003): one row per export/erasure link. The link's token is never
# stored, only its SHA-256; the job that mails it names the row by ``request_id`` (no address
# in job arguments). A row lives until its link is used, expires, or the address is erased.
privacy_links = Table(
    "privacy_links",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("action", String(16), nullable=False),
    Column("email", Text, nullable=False),  # compared as stored: stripped and lower-cased
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)
Index("ix_privacy_links_expires", privacy_links.c.expires_at)
Index("ix_privacy_links_email", privacy_links.c.email)
