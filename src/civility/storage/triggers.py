"""Database triggers that make two rules hold whatever code runs against the database:
a comment's text, name and email never change (except erasure, which blanks all three once),
and the decisions audit log is append-only. One DDL list per dialect, used by the migrations."""

from __future__ import annotations

FROZEN_MESSAGE = "comments.text, name and email are immutable (only erasure may blank them)"
APPEND_ONLY_MESSAGE = "decisions is append-only"

SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS comments_frozen_text
    BEFORE UPDATE OF text, name, email ON comments
    FOR EACH ROW
    WHEN (NEW.text IS NOT OLD.text OR NEW.name IS NOT OLD.name OR NEW.email IS NOT OLD.email)
     AND NOT (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
              AND NEW.text = '' AND NEW.name = '' AND NEW.email = '')
    BEGIN
        SELECT RAISE(ABORT, '{FROZEN_MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS decisions_no_update
    BEFORE UPDATE ON decisions
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS decisions_no_delete
    BEFORE DELETE ON decisions
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS comments_frozen_text",
    "DROP TRIGGER IF EXISTS decisions_no_update",
    "DROP TRIGGER IF EXISTS decisions_no_delete",
]

# ERRCODE 23000 (integrity_constraint_violation) so both backends surface an IntegrityError.
POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION civility_comments_frozen() RETURNS trigger AS $$
    BEGIN
        IF (NEW.text IS DISTINCT FROM OLD.text OR NEW.name IS DISTINCT FROM OLD.name
            OR NEW.email IS DISTINCT FROM OLD.email)
           AND NOT (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
                    AND NEW.text = '' AND NEW.name = '' AND NEW.email = '') THEN
            RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS comments_frozen_text ON comments",
    """
    CREATE TRIGGER comments_frozen_text BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION civility_comments_frozen()
    """,
    f"""
    CREATE OR REPLACE FUNCTION civility_decisions_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = '23000';
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS decisions_append_only ON decisions",
    """
    CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION civility_decisions_append_only()
    """,
    # TRUNCATE bypasses row triggers; refuse it too.
    "DROP TRIGGER IF EXISTS decisions_no_truncate ON decisions",
    """
    CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION civility_decisions_append_only()
    """,
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS comments_frozen_text ON comments",
    "DROP TRIGGER IF EXISTS decisions_append_only ON decisions",
    "DROP TRIGGER IF EXISTS decisions_no_truncate ON decisions",
    "DROP FUNCTION IF EXISTS civility_comments_frozen()",
    "DROP FUNCTION IF EXISTS civility_decisions_append_only()",
]


def ddl_for(dialect: str, *, drop: bool = False) -> list[str]:
    if dialect == "sqlite":
        return SQLITE_DROP if drop else SQLITE
    if dialect == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL
    raise ValueError(f"no triggers for dialect {dialect!r}")


# Revision 0002: a comment also never moves to another article or another parent.
PLACE_MESSAGE = "comments.article_id and parent_id are immutable"

SQLITE_0002 = [
    f"""
    CREATE TRIGGER IF NOT EXISTS comments_frozen_place
    BEFORE UPDATE OF article_id, parent_id ON comments
    FOR EACH ROW
    WHEN NEW.article_id IS NOT OLD.article_id OR NEW.parent_id IS NOT OLD.parent_id
    BEGIN
        SELECT RAISE(ABORT, '{PLACE_MESSAGE}');
    END
    """,
]
SQLITE_0002_DROP = ["DROP TRIGGER IF EXISTS comments_frozen_place"]

POSTGRESQL_0002 = [
    f"""
    CREATE OR REPLACE FUNCTION civility_comments_frozen_place() RETURNS trigger AS $$
    BEGIN
        IF NEW.article_id IS DISTINCT FROM OLD.article_id OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
            RAISE EXCEPTION '{PLACE_MESSAGE}' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS comments_frozen_place ON comments",
    """
    CREATE TRIGGER comments_frozen_place BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION civility_comments_frozen_place()
    """,
]
POSTGRESQL_0002_DROP = [
    "DROP TRIGGER IF EXISTS comments_frozen_place ON comments",
    "DROP FUNCTION IF EXISTS civility_comments_frozen_place()",
]


def ddl_0002(dialect: str, *, drop: bool = False) -> list[str]:
    if dialect == "sqlite":
        return SQLITE_0002_DROP if drop else SQLITE_0002
    if dialect == "postgresql":
        return POSTGRESQL_0002_DROP if drop else POSTGRESQL_0002
    raise ValueError(f"no triggers for dialect {dialect!r}")


# Revision 0003: the audit log stays append-only, with one exception that erasure needs: a
# person's decision on a comment that has been erased may lose its free-text note (the note and
# the notes inside its reasons), keeping everything else, categories included.
_ERASABLE_NOTE_SQLITE = """
    NEW.note IS NULL AND OLD.actor <> 'machine'
    AND NEW.id IS OLD.id AND NEW.comment_id IS OLD.comment_id AND NEW.decision IS OLD.decision
    AND NEW.actor IS OLD.actor AND NEW.created_at IS OLD.created_at AND NEW.scores IS OLD.scores
    AND NEW.model_version IS OLD.model_version AND NEW.policy_version IS OLD.policy_version
    AND CAST(NEW.reasons AS TEXT) NOT LIKE '%"note"%'
    AND EXISTS (SELECT 1 FROM comments c WHERE c.id = OLD.comment_id AND c.erased_at IS NOT NULL)
"""

SQLITE_0003 = [
    "DROP TRIGGER IF EXISTS decisions_no_update",
    f"""
    CREATE TRIGGER decisions_no_update
    BEFORE UPDATE ON decisions
    WHEN NOT ({_ERASABLE_NOTE_SQLITE})
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
    END
    """,
]
SQLITE_0003_DROP = ["DROP TRIGGER IF EXISTS decisions_no_update", SQLITE[1]]

# (A plain string, the message written out: APPEND_ONLY_MESSAGE.)
POSTGRESQL_0003 = [
    """
    CREATE OR REPLACE FUNCTION civility_decisions_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.note IS NULL AND OLD.actor <> 'machine'
               AND NEW.id = OLD.id AND NEW.comment_id = OLD.comment_id AND NEW.decision = OLD.decision
               AND NEW.actor = OLD.actor AND NEW.created_at = OLD.created_at
               AND NEW.scores::text = OLD.scores::text
               AND NEW.model_version IS NOT DISTINCT FROM OLD.model_version
               AND NEW.policy_version IS NOT DISTINCT FROM OLD.policy_version
               AND NEW.reasons::text NOT LIKE '%"note"%'
               AND EXISTS (SELECT 1 FROM comments c WHERE c.id = OLD.comment_id AND c.erased_at IS NOT NULL) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'decisions is append-only' USING ERRCODE = '23000';
    END;
    $$ LANGUAGE plpgsql
    """,
]
POSTGRESQL_0003_DROP = [POSTGRESQL[3]]


def ddl_0003(dialect: str, *, drop: bool = False) -> list[str]:
    if dialect == "sqlite":
        return SQLITE_0003_DROP if drop else SQLITE_0003
    if dialect == "postgresql":
        return POSTGRESQL_0003_DROP if drop else POSTGRESQL_0003
    raise ValueError(f"no triggers for dialect {dialect!r}")
