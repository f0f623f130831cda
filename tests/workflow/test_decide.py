"""Decisions: hold-everything scoring, approve/reject, conflicts between moderators (also when
they act at the same moment), the append-only trail, notifications only after approval, erasure."""

from __future__ import annotations

import threading

import pytest

from civility.domain import CommentStatus
from civility.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def pending(platform, article):
    result = platform.submit_comment(article.id, "Ann", "ann@example.org", "A fair point.", ip="203.0.113.5")
    platform.run_pending_jobs()
    return result.comment_id


def test_hold_all_policy_records_a_machine_review(platform, pending):
    item = platform.queue_item(pending)
    assert item.comment.status is CommentStatus.PENDING
    [record] = item.decisions
    assert (record.decision, record.actor, record.note) == ("review", "machine", "hold-all policy")
    assert record.policy_version == "hold-all@1" and record.model_version == "none"
    assert item.verdict is not None and item.verdict.decision.value == "review"


def test_approve_publishes_and_appends(platform, article, pending):
    record = platform.decide(pending, "approve", actor="moderator:ruth", reason=None, expected_version=1)
    assert (record.decision, record.actor) == ("approve", "moderator:ruth")
    assert [c.id for c in platform.public_comments(article.id).items] == [pending]
    history = platform.comment_history(pending)
    assert [(d.decision, d.actor) for d in history] == [("review", "machine"), ("approve", "moderator:ruth")]
    # The human entry keeps what the moderator saw: the machine's scores and versions.
    assert history[1].policy_version == history[0].policy_version == "hold-all@1"
    assert history[1].scores == history[0].scores
    assert all(d.created_at.tzinfo is not None for d in history)


def test_reject_keeps_the_reason_and_never_publishes(platform, article, pending):
    record = platform.decide(pending, "reject", actor="moderator:ruth", categories=["insult"], reason="personal attack")
    assert record.note == "personal attack" and record.reasons == [{"category": "moderator", "note": "personal attack"}]
    assert platform.public_comments(article.id).items == []
    assert platform.queue_item(pending).comment.status is CommentStatus.REJECTED


def test_second_moderator_gets_a_conflict(platform, pending):
    platform.decide(pending, "approve", actor="moderator:a")
    with pytest.raises(Conflict):
        platform.decide(pending, "reject", actor="moderator:b", categories=["insult"])
    with pytest.raises(Conflict):
        platform.decide(pending, "reject", actor="moderator:b", categories=["insult"], expected_version=1)  # stale page
    assert [d.actor for d in platform.comment_history(pending)] == ["machine", "moderator:a"]


def test_a_later_decision_with_the_current_version_is_appended(platform, article, pending):
    platform.decide(pending, "approve", actor="moderator:a")
    version = platform.queue_item(pending).version
    platform.decide(
        pending, "reject", actor="moderator:b", categories=["insult"], reason="missed a slur", expected_version=version
    )
    assert platform.public_comments(article.id).items == []
    assert [d.decision for d in platform.comment_history(pending)] == ["review", "approve", "reject"]


def test_simultaneous_decisions_one_wins_one_conflicts(make_platform, article, pending):
    moderators = [make_platform(), make_platform()]  # two web processes
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def act(p, decision):
        barrier.wait()
        try:
            p.decide(
                pending,
                decision,
                actor=f"moderator:{decision}",
                expected_version=1,
                categories=["insult"] if decision == "reject" else None,
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=(p, d)) for p, d in zip(moderators, ["approve", "reject"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert len(moderators[0].comment_history(pending)) == 2  # machine + exactly one human


def test_bad_decisions_are_refused(platform, pending):
    with pytest.raises(ValidationError):
        platform.decide(pending, "publish", actor="moderator:a")
    with pytest.raises(ValidationError):
        platform.decide(pending, "approve", actor=" ")
    with pytest.raises(NotFound):
        platform.decide(999999, "approve", actor="moderator:a")


def test_scoring_is_idempotent_and_never_overrides_a_human(platform, article):
    decided = platform.submit_comment(article.id, "Bob", "bob@example.org", "Decided before scoring", ip=None)
    platform.decide(decided.comment_id, "approve", actor="moderator:fast")
    platform.run_pending_jobs()
    assert [d.actor for d in platform.comment_history(decided.comment_id)] == ["moderator:fast"]

    other = platform.submit_comment(article.id, "Cy", "cy@example.org", "Scored twice", ip=None)
    platform.scorer.score_comment(other.comment_id)
    platform.scorer.score_comment(other.comment_id)
    platform.run_pending_jobs()
    assert len(platform.comment_history(other.comment_id)) == 1


def test_notification_job_only_after_approval(platform, article):
    sent = []
    platform.notifiers.append(lambda payload: sent.append(payload["comment_id"]))
    approved = platform.submit_comment(article.id, "A", "a@example.org", "to approve", ip=None).comment_id
    rejected = platform.submit_comment(article.id, "B", "b@example.org", "to reject", ip=None).comment_id
    platform.run_pending_jobs()
    assert sent == []  # held comments notify nobody
    platform.decide(rejected, "reject", actor="moderator:a", categories=["insult"])
    platform.run_pending_jobs()
    assert sent == []
    platform.decide(approved, "approve", actor="moderator:a")
    platform.run_pending_jobs()
    platform.run_pending_jobs()
    assert sent == [approved]


def test_erasure_blanks_the_comment_and_keeps_the_trail(platform, article, pending):
    platform.decide(pending, "approve", actor="moderator:a")
    platform.erase_comment(pending, actor="privacy-request")
    item = platform.queue_item(pending)
    assert (item.comment.name, item.comment.email, item.comment.text) == ("", "", "")
    assert item.comment.erased and item.comment.status is CommentStatus.REJECTED
    assert platform.public_comments(article.id).items == []
    assert [d.decision for d in platform.comment_history(pending)] == ["review", "approve", "erase"]
    with pytest.raises(Conflict):
        platform.erase_comment(pending, actor="privacy-request")


def test_address_retention_forgets_old_addresses(platform, pending):
    assert platform.purge_addresses(days=30) == 0
    assert platform.purge_addresses(days=0) == 1
    with platform.db.read() as conn:
        from sqlalchemy import select

        from civility.storage.schema import comments

        assert conn.execute(select(comments.c.ip).where(comments.c.id == pending)).scalar() is None


def _job_keys(platform):
    from sqlalchemy import select

    from civility.storage.schema import jobs

    with platform.db.read() as conn:
        return [k for k in conn.execute(select(jobs.c.dedupe_key)).scalars() if k]


def test_worker_thread_scores_and_runs_retention(platform, article):
    import time

    cid = platform.submit_comment(article.id, "E", "e@example.org", "scored by the thread", ip="203.0.113.77")
    platform.start_worker(poll_interval=0.1)
    try:
        deadline = time.monotonic() + 20
        while not platform.comment_history(cid.comment_id) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        platform.stop_worker()
    assert [d.actor for d in platform.comment_history(cid.comment_id)] == ["machine"]
    assert platform.maintain() == {
        "addresses_purged": 0,
        "sessions_deleted": 0,
        "privacy_links_deleted": 0,
        "jobs_pruned": 0,
    }
    from civility.workflow.privacy import RETENTION_JOB

    assert platform.queue.counts()["done"] >= 2  # the score job and this hour's retention job
    assert any(k.startswith(f"periodic:{RETENTION_JOB}:") for k in _job_keys(platform))


def test_recover_recreates_lost_score_jobs(platform, article, pending):
    from sqlalchemy import delete

    from civility.storage.schema import jobs

    lost = platform.submit_comment(article.id, "D", "d@example.org", "its job vanished", ip=None).comment_id
    with platform.db.write() as conn:
        conn.execute(delete(jobs))
    platform.recover()
    platform.run_pending_jobs()
    assert [d.actor for d in platform.comment_history(lost)] == ["machine"]
