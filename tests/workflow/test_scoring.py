"""The scoring job's side of the engine contract: what it measures for the engine (article,
parent, near duplicates, posting velocity), what it records, and that a missing or broken
engine never loses a comment (it is held for review, and the note says why)."""

from __future__ import annotations

import pytest

from civility.errors import ValidationError
from civility.workflow import ArticleIn

SPAM = "Cheap flights to anywhere! Visit my channel and use code WIN50 for half price today."


def test_inputs_carry_article_parent_velocity_and_near_duplicates(platform, article):
    first = platform.submit_comment(article.id, "A", "spam@example.com", SPAM, ip="198.51.100.20").comment_id
    platform.scorer.build_inputs([first])  # its signature is stored when it is looked at
    parent = platform.submit_comment(article.id, "P", "p@example.org", "The parent comment", ip=None).comment_id
    platform.decide(parent, "approve", actor="moderator:x")
    again = platform.submit_comment(
        article.id, "A", "spam@example.com", SPAM.replace("today", "now!!"), ip="198.51.100.20", parent_id=parent
    ).comment_id
    other = platform.submit_comment(
        article.id, "B", "b@example.org", "An unrelated, thoughtful point about taxes.", ip="198.51.100.21"
    ).comment_id
    items = {i.id: i for i in platform.scorer.build_inputs([again, other])}

    item = items[again]
    assert item.article.id == article.id and item.parent_text == "The parent comment"
    assert [cid for cid, _ in item.context.near_duplicates] == [first]
    assert 0.5 <= item.context.near_duplicates[0][1] <= 1.0
    assert item.context.posts_by_email_last_hour == 1 and item.context.posts_by_ip_last_hour == 1
    assert items[other].context.near_duplicates == () and items[other].context.posts_by_ip_last_hour == 0


def test_hold_all_still_stores_signatures_for_later(platform, article):
    from sqlalchemy import func, select

    from civility.storage.schema import comments, neardup_bands

    cid = platform.submit_comment(article.id, "A", "a@example.org", SPAM, ip=None).comment_id
    platform.run_pending_jobs()
    with platform.db.read() as conn:
        assert conn.execute(select(comments.c.signature).where(comments.c.id == cid)).scalar() is not None
        assert conn.execute(select(func.count()).select_from(neardup_bands)).scalar_one() > 0
    # and a later copy finds it
    again = platform.submit_comment(article.id, "A", "a@example.org", SPAM + "!", ip=None).comment_id
    [item] = platform.scorer.build_inputs([again])
    assert [c for c, _ in item.context.near_duplicates] == [cid]


def test_decided_comments_are_not_scored_again(platform, article):
    cid = platform.submit_comment(article.id, "A", "a@example.org", "hello", ip=None).comment_id
    platform.decide(cid, "reject", actor="moderator:x", categories=["insult"])
    assert platform.scorer.build_inputs([cid]) == []


def test_broken_engine_holds_for_review_with_the_reason(make_platform, tmp_path):
    platform = make_platform(moderation="auto", model_dir=str(tmp_path / "no-model-here"), relevance="off")
    article = platform.add_article(ArticleIn(title="T", body="B"))
    cid = platform.submit_comment(article.id, "A", "a@example.org", "hello", ip=None).comment_id
    platform.run_pending_jobs()
    [record] = platform.comment_history(cid)
    assert (record.decision, record.actor) == ("review", "machine")
    assert "moderation engine unavailable" in record.note
    assert platform.queue_item(cid).comment.status.value == "pending"


def test_moderation_hold_setting_never_loads_the_engine(make_platform):
    platform = make_platform(moderation="hold")
    assert platform.scorer.moderator() is None


def test_policy_overrides_are_validated_when_the_engine_is_installed(platform, article):
    platform.set_article_policy(article.id, {"hold_all": True})
    platform.set_site_policy({"thresholds": {"spam": {"approve_below": 0.2, "reject_above": 0.9}}})
    assert platform.site_policy()["thresholds"]["spam"]["reject_above"] == 0.9
    with pytest.raises(ValidationError):
        platform.set_article_policy(article.id, {"thresholds": {"not_a_category": {"approve_below": 0.1}}})
    with pytest.raises(ValidationError):
        platform.add_article(ArticleIn(title="T", body="B", policy_overrides={"hold_all": "yes"}))


def test_engine_verdicts_are_recorded_with_versions(make_platform):
    platform = make_platform(moderation="auto", relevance="off")
    article = platform.add_article(ArticleIn(title="City budget", body="The council passed the budget."))
    held = platform.add_article(
        ArticleIn(title="Held story", body="Everything here waits.", policy_overrides={"hold_all": True})
    )
    cid = platform.submit_comment(article.id, "A", "a@example.org", "A fair budget, well reported.", ip=None).comment_id
    hid = platform.submit_comment(held.id, "B", "b@example.org", "A fair budget, well reported.", ip=None).comment_id
    platform.run_pending_jobs()
    [record] = platform.comment_history(cid)
    assert record.actor == "machine" and record.model_version not in (None, "none")
    assert record.policy_version and set(record.scores) >= {"toxic", "spam", "insult"}
    [held_record] = platform.comment_history(hid)
    assert held_record.decision == "review" and held_record.policy_version != record.policy_version
    assert platform.scorer.moderator() is platform.scorer.moderator()  # loaded once per process
