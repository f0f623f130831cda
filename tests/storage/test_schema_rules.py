"""The schema's own rules, on SQLite and PostgreSQL: frozen comment text, the erasure exception,
the append-only audit log, and migrations that are idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, inspect, text, update
from sqlalchemy.exc import IntegrityError

from civility.storage import migrate as migrations
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.schema import articles, comments, decisions, metadata


@pytest.fixture
def db(db_url):
    database = Database.from_url(db_url)
    migrations.upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def comment_id(db):
    with db.write() as conn:
        conn.execute(insert(articles).values(id="a1", title="T", body="B", created_at=utcnow()))
        return conn.execute(
            insert(comments)
            .values(
                article_id="a1",
                name="Ann",
                email="ann@example.org",
                text="Hello",
                status="pending",
                version=1,
                created_at=utcnow(),
            )
            .returning(comments.c.id)
        ).scalar_one()


def _update(db, comment_id, **values):
    with db.write() as conn:
        conn.execute(update(comments).where(comments.c.id == comment_id).values(**values))


def _row(db, comment_id):
    with db.read() as conn:
        return conn.execute(comments.select().where(comments.c.id == comment_id)).one()


def test_migration_creates_every_table_and_is_idempotent(db):
    tables = set(inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert migrations.current_revision(db.engine) == migrations.head_revision()
    assert migrations.upgrade(db.engine) == migrations.head_revision()  # second run: nothing to do


@pytest.mark.parametrize("column, value", [("text", "Edited"), ("name", "Mallory"), ("email", "m@example.org")])
def test_comment_text_name_email_cannot_be_updated(db, comment_id, column, value):
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, **{column: value})
    assert getattr(_row(db, comment_id), column) != value


@pytest.mark.parametrize("column", ["article_id", "parent_id"])
def test_a_comment_never_moves(db, comment_id, column):
    with db.write() as conn:
        conn.execute(insert(articles).values(id="a2", title="T2", body="B2", created_at=utcnow()))
        other = conn.execute(
            insert(comments)
            .values(
                article_id="a1",
                name="Bo",
                email="bo@example.org",
                text="Other",
                status="approved",
                version=1,
                created_at=utcnow(),
            )
            .returning(comments.c.id)
        ).scalar_one()
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, **{column: "a2" if column == "article_id" else other})


def test_upgrade_from_the_first_revision_keeps_data(db, comment_id):
    migrations.downgrade(db.engine, "0001")
    assert migrations.upgrade(db.engine) == migrations.head_revision()
    assert _row(db, comment_id).text == "Hello"
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, article_id="elsewhere")


def test_other_columns_of_a_comment_can_change(db, comment_id):
    _update(db, comment_id, status="approved", version=2, ip=None)
    row = _row(db, comment_id)
    assert (row.status, row.version) == ("approved", 2)


def test_blanking_without_marking_erased_is_refused(db, comment_id):
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, text="", name="", email="")


def test_partial_erasure_is_refused(db, comment_id):
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, text="", name="", erased_at=utcnow())


def test_erasure_blanks_all_three_once(db, comment_id):
    _update(db, comment_id, text="", name="", email="", erased_at=utcnow())
    row = _row(db, comment_id)
    assert (row.text, row.name, row.email) == ("", "", "") and row.erased_at is not None
    with pytest.raises(IntegrityError, match="immutable"):
        _update(db, comment_id, text="back again")


def test_decisions_are_append_only(db, comment_id):
    with db.write() as conn:
        decision_id = conn.execute(
            insert(decisions)
            .values(
                comment_id=comment_id, decision="review", actor="machine", created_at=utcnow(), reasons=[], scores={}
            )
            .returning(decisions.c.id)
        ).scalar_one()
    with pytest.raises(IntegrityError, match="append-only"):
        with db.write() as conn:
            conn.execute(update(decisions).where(decisions.c.id == decision_id).values(decision="approve"))
    with pytest.raises(IntegrityError, match="append-only"):
        with db.write() as conn:
            conn.execute(delete(decisions).where(decisions.c.id == decision_id))
    with db.read() as conn:
        assert conn.execute(decisions.select()).one().decision == "review"


def test_only_erasure_may_strip_a_persons_note_from_the_log(db, comment_id):
    """Revision 0003: a person's note may be removed once the comment is erased, nothing else."""
    reasons = [{"category": "moderator", "note": "quotes the comment"}]
    with db.write() as conn:
        person, machine = (
            conn.execute(
                insert(decisions)
                .values(
                    comment_id=comment_id,
                    decision=d,
                    actor=actor,
                    created_at=utcnow(),
                    reasons=reasons,
                    scores={},
                    note="quotes the comment",
                )
                .returning(decisions.c.id)
            ).scalar_one()
            for d, actor in (("reject", "moderator:mara"), ("review", "machine"))
        )
    strip = dict(note=None, reasons=[{"category": "moderator"}])
    with pytest.raises(IntegrityError, match="append-only"):  # the comment is not erased
        with db.write() as conn:
            conn.execute(update(decisions).where(decisions.c.id == person).values(**strip))
    _update(db, comment_id, text="", name="", email="", erased_at=utcnow())
    for target, values in (
        (machine, strip),
        (person, {**strip, "decision": "approve"}),
        (person, {"note": None}),
        (person, {"note": "something else", "reasons": []}),
    ):
        with pytest.raises(IntegrityError, match="append-only"):
            with db.write() as conn:
                conn.execute(update(decisions).where(decisions.c.id == target).values(**values))
    with db.write() as conn:
        conn.execute(update(decisions).where(decisions.c.id == person).values(**strip))
    with db.read() as conn:
        rows = {r.id: r for r in conn.execute(decisions.select())}
    assert (rows[person].note, rows[person].reasons, rows[person].decision) == (
        None,
        [{"category": "moderator"}],
        "reject",
    )
    assert rows[machine].note == "quotes the comment"


def test_decisions_cannot_be_truncated_on_postgresql(db, comment_id):
    if db.dialect != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL (SQLite's DELETE is covered above)")
    with db.write() as conn:
        conn.execute(
            insert(decisions).values(
                comment_id=comment_id, decision="review", actor="machine", created_at=utcnow(), reasons=[], scores={}
            )
        )
    with pytest.raises(IntegrityError, match="append-only"):
        with db.write() as conn:
            conn.execute(text("TRUNCATE decisions"))


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError):
        with db.write() as conn:
            conn.execute(
                insert(comments).values(
                    article_id="no-such-article",
                    name="A",
                    email="a@example.org",
                    text="x",
                    status="pending",
                    version=1,
                    created_at=utcnow(),
                )
            )


def test_downgrade_removes_everything_and_upgrade_restores(db):
    migrations.downgrade(db.engine, "base")
    assert not (set(metadata.tables) & set(inspect(db.engine).get_table_names()))
    migrations.upgrade(db.engine)
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
