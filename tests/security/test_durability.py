"""Durability: SQLite in WAL with synchronous=FULL by default (read back from live connections,
the server's own included), and no lost update when two moderators decide the same comment at
the same moment: exactly one wins, the other gets a clear conflict (errors.Conflict / HTTP 409)."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import select, text

from civility.errors import Conflict
from civility.settings import SETTINGS

_SYNC = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def _pragmas(db) -> dict:
    with db.read() as conn:
        return {
            "journal_mode": conn.execute(text("PRAGMA journal_mode")).scalar_one().lower(),
            "synchronous": _SYNC[conn.execute(text("PRAGMA synchronous")).scalar_one()],
            "foreign_keys": conn.execute(text("PRAGMA foreign_keys")).scalar_one(),
            "busy_timeout": conn.execute(text("PRAGMA busy_timeout")).scalar_one(),
        }


def test_sqlite_defaults_are_wal_and_full(site):
    assert {s.name: s.default for s in SETTINGS}["sqlite_synchronous"] == "FULL"
    got = _pragmas(site.platform.db)
    assert got["journal_mode"] == "wal"
    assert got["synchronous"] == "FULL"
    assert got["foreign_keys"] == 1
    assert got["busy_timeout"] >= 1000
    # Every pooled connection, not just the first one.
    conns = [site.platform.db.engine.connect() for _ in range(3)]
    try:
        assert {_SYNC[c.execute(text("PRAGMA synchronous")).scalar_one()] for c in conns} == {"FULL"}
    finally:
        for c in conns:
            c.close()


def test_the_running_server_uses_the_same_pragmas(site, serve):
    with serve(site.app) as server:
        assert httpx.get(server.base + "/healthz").status_code == 200
        assert _pragmas(site.app.state.platform.db)["synchronous"] == "FULL"


def test_synchronous_is_configurable(make_site):
    assert _pragmas(make_site(sqlite_synchronous="NORMAL").platform.db)["synchronous"] == "NORMAL"


def _race(first, second):
    """Run two callables at the same instant; return their outcomes (result or exception)."""
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(i, fn):
        barrier.wait()
        try:
            outcomes[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_moderators_at_once_one_wins_the_other_sees_a_conflict(site):
    """Two Platforms on one SQLite file (two engines, two write locks: like two processes)."""
    _two_moderators(site)


@pytest.mark.postgres
def test_two_moderators_at_once_on_postgresql(make_site, pg_url):
    _two_moderators(make_site(database_url=pg_url))


def _two_moderators(site):
    from civility.storage.schema import decisions
    from civility.workflow.platform import Platform

    site.add_article()
    other = Platform.from_settings(site.settings)
    try:
        ids = [
            site.platform.submit_comment("budget", "R", f"r{i}@example.org", f"comment {i}", ip=None).comment_id
            for i in range(20)
        ]
        for cid in ids:
            a, b = _race(
                lambda cid=cid: site.platform.decide(cid, "approve", actor="moderator:ann"),
                lambda cid=cid: other.decide(cid, "reject", actor="moderator:bob", categories=["insult"]),
            )
            conflicts = [o for o in (a, b) if isinstance(o, Conflict)]
            wins = [o for o in (a, b) if not isinstance(o, Exception)]
            assert len(wins) == 1 and len(conflicts) == 1, (a, b)
            status = site.platform.queue_item(cid).comment.status.value
            assert status == ("approved" if wins[0].decision == "approve" else "rejected")
        with site.platform.db.read() as conn:
            human = conn.execute(select(decisions.c.comment_id).where(decisions.c.actor.like("moderator:%"))).all()
        assert sorted(r[0] for r in human) == sorted(ids), "one human decision per comment, none lost or doubled"
    finally:
        other.close()


def test_a_stale_page_gets_409_over_http(site, serve):
    site.add_article()
    ann, bob = site.moderator("ann"), site.moderator("bob")
    cid = site.platform.submit_comment("budget", "R", "r@example.org", "a comment", ip=None).comment_id
    version = site.platform.queue_item(cid).version
    with serve(site.app) as server:

        def decide(mod, action):
            return httpx.post(
                f"{server.base}/api/moderation/comments/{cid}/{action}",
                json={
                    "expected_version": version,
                    "reason": "race",
                    **({"categories": ["insult"]} if action == "reject" else {}),
                },
                headers={"Authorization": f"Bearer {mod['token']}"},
                timeout=30,
            )

        a, b = _race(lambda: decide(ann, "approve"), lambda: decide(bob, "reject"))
    codes = sorted([a.status_code, b.status_code])
    assert codes == [200, 409], (a.text, b.text)
    loser = a if a.status_code == 409 else b
    assert loser.json()["error"] == "conflict" and loser.json()["message"]


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_deciding_again_is_a_conflict_not_an_overwrite(site, first):
    site.add_article()
    cid = site.platform.submit_comment("budget", "R", "r@example.org", "a comment", ip=None).comment_id
    rules = {"reject": ["insult"], "approve": None}
    site.platform.decide(cid, first, actor="moderator:ann", categories=rules[first])
    second = "reject" if first == "approve" else "approve"
    with pytest.raises(Conflict):
        site.platform.decide(cid, second, actor="moderator:bob", categories=rules[second])
    assert site.platform.queue_item(cid).comment.status.value == ("approved" if first == "approve" else "rejected")
