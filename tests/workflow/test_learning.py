"""Learning from the site's moderators, on SQLite and PostgreSQL: rejections name their rules,
overturns are flagged, an erased comment leaves no trace in a later model, every site model is
versioned and promoted only when better, rollback, other processes pick up a promotion, the
learning job is scheduled after N decisions, and one learner at a time on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civility.domain import CATEGORIES, Decision, Verdict
from civility.errors import Conflict, ValidationError
from civility.moderation.policy import Policy
from civility.storage.clock import utcnow
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import learning as learning_repo
from civility.storage.schema import jobs, site_models
from civility.workflow import ArticleIn
from civility.workflow.learning import LEARN_JOB

BASE = "stub-linear@1"


class StubEngine:
    """The engine's interface with fixed scores (the shipped model is tested on its own): it
    scores "toxic"/"insult" from a number written in the text."""

    model_version = BASE
    default_policy = Policy.from_thresholds({})

    def verdicts(self, items, policy=None):
        return [Verdict(Decision.REVIEW, scores_for(item.text), (), BASE, "p") for item in items]


def scores_for(text: str) -> dict:
    s = float(text.split("score=")[1].split()[0]) if "score=" in text else 0.5
    out = {c: 0.01 for c in CATEGORIES}
    out.update(toxic=s, insult=min(0.99, s * 0.9), off_topic=None)
    return out


def _article(platform):
    return platform.add_article(ArticleIn(id="a1", title="Council budget", body="The council voted.", source="desk"))


def seed(platform, n: int, *, start: int = 0, extra: list[tuple[str, bool]] = (), cut: float = 0.7) -> list[int]:
    """n decided comments written straight through the repositories (fast, both backends): a
    machine review verdict with base scores, then the moderator's decision. ``extra``: (text,
    rejected) rows placed in the middle of the stream."""
    rows = []
    for i in range(start, start + n):
        s = ((i * 37) % 100) / 100
        rejected = s >= cut or i % 151 == 75  # a few mistakes at low scores
        rows.append((f"comment {i} score={s:.2f} word{i % 7}" + (" nasty" if rejected else " thanks"), rejected))
    for j, row in enumerate(extra):
        rows.insert(len(rows) // 2 + j, row)
    ids = []
    with platform.db.write() as conn:
        for text, rejected in rows:
            cid = comment_repo.insert_comment(
                conn,
                article_id="a1",
                parent_id=None,
                name="R",
                email="r@example.org",
                text=text,
                status="pending",
                version=1,
                created_at=utcnow(),
                ip=None,
                idempotency_key=None,
            )
            decision_repo.append(
                conn,
                comment_id=cid,
                decision="review",
                actor="machine",
                scores=scores_for(text),
                base_scores=scores_for(text),
                model_version=BASE,
                policy_version="p",
            )
            comment_repo.transition(
                conn, cid, to_status="rejected" if rejected else "approved", from_status="pending", expected_version=1
            )
            decision_repo.append(
                conn,
                comment_id=cid,
                decision="reject" if rejected else "approve",
                actor="moderator:m",
                categories=["insult"] if rejected else None,
            )
            ids.append(cid)
    return ids


def _learning_platform(make_platform, **settings):
    platform = make_platform(moderation="auto", learn_every_decisions=0, learn_nightly=False, **settings)
    platform.scorer.use_engine(StubEngine())
    return platform


# -- decisions as labelled examples ------------------------------------------------------------------
def test_a_rejection_names_its_rules_and_keeps_them(platform, article):
    cid = platform.submit_comment(article.id, "R", "r@example.org", "You are a fool", ip=None).comment_id
    with pytest.raises(ValidationError) as missing:
        platform.decide(cid, "reject", actor="moderator:m")
    assert "at least one" in missing.value.fields["categories"]
    with pytest.raises(ValidationError) as unknown:
        platform.decide(cid, "reject", actor="moderator:m", categories=["rudeness"])
    assert "rudeness" in unknown.value.fields["categories"]
    assert platform.queue_item(cid).comment.status.value == "pending"  # nothing written
    record = platform.decide(cid, "reject", actor="moderator:m", categories=["insult", "profanity"], reason=None)
    assert record.categories == ["insult", "profanity"] and record.note is None
    assert platform.comment_history(cid)[-1].categories == ["insult", "profanity"]


def test_an_approval_cites_no_rule(platform, article):
    cid = platform.submit_comment(article.id, "R", "r@example.org", "Thanks for the table", ip=None).comment_id
    with pytest.raises(ValidationError):
        platform.decide(cid, "approve", actor="moderator:m", categories=["insult"])
    assert platform.decide(cid, "approve", actor="moderator:m").categories is None


def test_overturning_the_machine_is_flagged(platform, article):
    cid = platform.submit_comment(article.id, "R", "r@example.org", "An idiot wrote this", ip=None).comment_id
    with platform.db.write() as conn:  # the machine approved it automatically
        decision_repo.append(conn, comment_id=cid, decision="approve", actor="machine", scores={"insult": 0.1})
        comment_repo.transition(conn, cid, to_status="approved", from_status="pending", expected_version=1)
    version = platform.queue_item(cid).version
    record = platform.decide(
        cid,
        "reject",
        actor="moderator:m",
        categories=["insult"],
        expected_version=version,
        reason="an insult after all",
    )
    assert record.overturn is True
    other = platform.submit_comment(article.id, "R", "r2@example.org", "A fair point", ip=None).comment_id
    assert platform.decide(other, "approve", actor="moderator:m").overturn is False  # it was in review


# -- erasure ---------------------------------------------------------------------------------------------
def test_a_model_learnt_after_erasure_does_not_depend_on_the_erased_comment(make_platform, tmp_path):
    from tests.conftest import make_settings

    from civility.workflow import Platform

    site = _learning_platform(make_platform)
    _article(site)
    erased_text = "zebracrossing zebracrossing score=0.05 insults everyone"
    ids = seed(site, 300, extra=[(erased_text, True)])
    erased_id = next(i for i in ids if site.queue_item(i).comment.text == erased_text)
    before = site.learn()
    with site.db.read() as conn:
        first = learning_repo.get(conn, before["version"]).artifact
    assert before["promoted"]
    site.erase_comment(erased_id, actor="moderator:m")
    with site.db.read() as conn:  # the model that saw it is retired at once, and a new run is queued
        assert learning_repo.get(conn, before["version"]).status == "retired"
        assert learning_repo.active_version(conn) is None
        assert conn.execute(select(jobs.c.payload).where(jobs.c.kind == LEARN_JOB)).scalar() == {"reason": "erasure"}
    after = site.learn()
    assert after["promoted"]

    # a site that never had the comment
    never = Platform.from_settings(
        make_settings(
            f"sqlite:///{tmp_path / 'never.db'}", moderation="auto", learn_every_decisions=0, learn_nightly=False
        )
    )
    try:
        never.migrate()
        never.scorer.use_engine(StubEngine())
        _article(never)
        seed(never, 300)
        clean = never.learn()
        with never.db.read() as conn:
            without = learning_repo.get(conn, clean["version"]).artifact
    finally:
        never.close()
    with site.db.read() as conn:
        learnt_after = learning_repo.get(conn, after["version"]).artifact
    strip = lambda a: {k: v for k, v in a.items() if k != "version"}  # noqa: E731
    assert after["decisions"] == before["decisions"] - 1 == 300
    assert strip(learnt_after) == strip(without)  # identical artifacts: no trace of the erased row
    assert strip(first) != strip(learnt_after)  # and the row did matter before it was erased
    assert "zebracrossing" not in str(learnt_after)


# -- versions, promotion, rollback, other processes -----------------------------------------------------
def test_every_model_is_kept_promoted_only_when_better_and_rolled_back(make_platform):
    site = _learning_platform(make_platform)
    _article(site)
    too_few = site.learn()
    assert too_few["promoted"] is False and "at least" in too_few["why"]
    seed(site, 300)
    first = site.learn()
    assert first["promoted"] is True, first["why"]
    band = first["bands"]["und"]["approve_below"]
    assert band is not None and first["holdout_candidate"]["approve_error"] <= 0.02
    again = site.learn()  # the same decisions: the candidate decides no more than the current one
    assert again["promoted"] is False and "no more" in again["why"]
    with site.db.read() as conn:
        statuses = dict(conn.execute(select(site_models.c.version, site_models.c.status)).all())
    assert statuses == {first["version"]: "active", again["version"]: "rejected"}
    seed(site, 300, start=300, cut=0.85)  # the site's moderators turn more lenient
    third = site.learn()
    assert third["promoted"] is True, third["why"]
    assert site.rollback_site_model() == (third["version"], first["version"])
    with site.db.read() as conn:
        assert learning_repo.active_version(conn) == first["version"]
        assert learning_repo.get(conn, third["version"]).status == "retired"


def test_another_process_uses_a_promoted_model_without_restart(make_platform):
    site = _learning_platform(make_platform)
    other = _learning_platform(make_platform, site_model_check_s=0)  # a second web/worker process
    _article(site)
    assert other.scorer.site_model() is None
    seed(site, 300)
    report = site.learn()
    assert report["promoted"]
    model = other.scorer.site_model()
    assert model is not None and model.version == report["version"]
    # its verdicts record the model and policy that made them
    engine = StubEngine()
    from civility.domain import ModerationInput

    item = ModerationInput(text="comment score=0.05 thanks", id=1)
    [verdict] = other.scorer.with_site_model(engine, [item], [None], engine.verdicts([item]))
    assert verdict.model == f"{BASE}+site@{report['version']}" and verdict.policy.endswith(f"+site@{report['version']}")
    assert verdict.decision is Decision.APPROVE and verdict.base_scores["toxic"] == pytest.approx(0.05)
    site.rollback_site_model()
    assert other.scorer.site_model() is None


def test_a_learning_job_is_queued_after_n_human_decisions(make_platform, article):
    site = make_platform(learn_every_decisions=3, moderation="auto")
    site.scorer.use_engine(StubEngine())
    ids = [
        site.submit_comment(article.id, "R", f"r{i}@example.org", f"comment {i}", ip=None).comment_id for i in range(4)
    ]

    def queued() -> int:
        with site.db.read() as conn:
            return len(conn.execute(select(jobs.c.id).where(jobs.c.kind == LEARN_JOB)).all())

    site.decide(ids[0], "approve", actor="moderator:m")
    site.decide(ids[1], "reject", actor="moderator:m", categories=["insult"])
    assert queued() == 0
    site.decide(ids[2], "approve", actor="moderator:m")
    assert queued() == 1
    site.decide(ids[3], "approve", actor="moderator:m")
    assert queued() == 1  # one job per run, not one per decision
    site.run_pending_jobs()
    assert site.learner.last_run()["decisions"] == 4  # the job ran: too few to learn, and said so


@pytest.mark.postgres
def test_only_one_learner_at_a_time_on_postgresql(pg_migrated_url):
    from sqlalchemy import create_engine, text
    from tests.conftest import make_settings

    from civility.workflow import Platform
    from civility.workflow.learning import ADVISORY_LOCK_KEY

    site = Platform.from_settings(make_settings(pg_migrated_url, moderation="auto"))
    site.scorer.use_engine(StubEngine())
    holder = create_engine(pg_migrated_url)
    try:
        with holder.connect() as conn:  # another worker is learning
            assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            with pytest.raises(Conflict, match="advisory lock"):
                site.learn()
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
        assert site.learn()["decisions"] == 0  # free again
    finally:
        holder.dispose()
        site.close()


def test_nightly_learning_is_queued_once_a_day_when_there_are_new_decisions(make_platform, article):
    from datetime import timedelta

    site = make_platform(learn_every_decisions=0, learn_nightly=True, moderation="auto")
    site.scorer.use_engine(StubEngine())

    def queued() -> list:
        with site.db.read() as conn:
            return [r.payload for r in conn.execute(select(jobs.c.payload).where(jobs.c.kind == LEARN_JOB)).all()]

    assert site.learner.schedule_nightly() is False  # no decision yet
    cid = site.submit_comment(article.id, "R", "r@example.org", "comment", ip=None).comment_id
    site.decide(cid, "approve", actor="moderator:m")
    assert queued() == []  # learn_every_decisions = 0: not on a count
    site.maintain()  # the worker's hourly maintenance
    assert queued() == [{"reason": "nightly"}]
    site.run_pending_jobs()
    assert site.learner.last_run()["decisions"] == 1
    other = site.submit_comment(article.id, "R", "r2@example.org", "another", ip=None).comment_id
    site.decide(other, "approve", actor="moderator:m")
    assert site.learner.schedule_nightly(utcnow() + timedelta(hours=10)) is False  # learnt less than 20 hours ago
    assert site.learner.schedule_nightly(utcnow() + timedelta(hours=25)) is True
