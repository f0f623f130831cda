"""Submitting: per-field validation, one transaction for the comment and its job, idempotency
(also under concurrent retries), rate limits per address and per email."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from civility.domain import CommentStatus
from civility.errors import Conflict, NotFound, RateLimited, ValidationError
from civility.storage.schema import comments, jobs


def _count(platform, table):
    with platform.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(
    "name, email, text, bad",
    [
        ("", "a@example.org", "hi", {"name"}),
        ("Ann", "", "hi", {"email"}),
        ("Ann", "a@example.org", "   ", {"text"}),
        ("Ann", "not-an-email", "hi", {"email"}),
        ("Ann", "a@b", "hi", {"email"}),
        ("", "", "", {"name", "email", "text"}),
        ("Ann", "a@example.org", "nul \x00 inside", {"text"}),
        ("Ann\nBob", "a@example.org", "hi", {"name"}),
        ("Ann\u202eboB", "a@example.org", "hi", {"name"}),
        ("Ann", "a@example.org", "lone \ud800 surrogate", {"text"}),
    ],
)
def test_validation_names_every_wrong_field_and_stores_nothing(platform, article, name, email, text, bad):
    with pytest.raises(ValidationError) as info:
        platform.submit_comment(article.id, name, email, text, ip="203.0.113.1")
    assert set(info.value.fields) == bad
    assert _count(platform, comments) == 0


def test_length_limits_come_from_settings(make_platform):
    from civility.workflow import ArticleIn

    platform = make_platform(comment_max_length=20, name_max_length=5)
    article = platform.add_article(ArticleIn(title="T", body="B"))
    with pytest.raises(ValidationError) as info:
        platform.submit_comment(article.id, "Annabel", "a@example.org", "x" * 21, ip=None)
    assert set(info.value.fields) == {"name", "text"} and "20" in info.value.fields["text"]
    assert platform.submit_comment(article.id, "Ann", "a@example.org", "x" * 20, ip=None).created


def test_submit_commits_the_comment_and_its_score_job_together(platform, article):
    result = platform.submit_comment(article.id, " Ann ", "ann@example.org", " A fair point. ", ip="203.0.113.1")
    assert result.created and result.status is CommentStatus.PENDING
    with platform.db.read() as conn:
        row = conn.execute(select(comments).where(comments.c.id == result.comment_id)).one()
        job = conn.execute(select(jobs)).one()
    assert (row.name, row.text, row.status, row.ip) == ("Ann", "A fair point.", "pending", "203.0.113.1")
    assert job.kind == "score_comment" and job.payload == {"comment_id": result.comment_id}
    assert job.status == "queued"


def test_a_failed_submission_leaves_neither_comment_nor_job(platform):
    with pytest.raises(NotFound):
        platform.submit_comment("no-such-article", "Ann", "ann@example.org", "hi", ip=None)
    assert _count(platform, comments) == 0 and _count(platform, jobs) == 0


def test_same_idempotency_key_returns_the_same_comment(platform, article):
    first = platform.submit_comment(article.id, "Ann", "ann@example.org", "Hello", ip=None, idempotency_key="k-1")
    again = platform.submit_comment(article.id, "Ann", "ann@example.org", "Hello", ip=None, idempotency_key="k-1")
    assert again.comment_id == first.comment_id and first.created and not again.created
    assert _count(platform, comments) == 1 and _count(platform, jobs) == 1


def test_idempotency_key_reused_for_another_comment_is_a_conflict(platform, article):
    platform.submit_comment(article.id, "Ann", "ann@example.org", "Hello", ip=None, idempotency_key="k-2")
    with pytest.raises(Conflict):
        platform.submit_comment(article.id, "Ann", "ann@example.org", "Different", ip=None, idempotency_key="k-2")


def test_concurrent_retries_with_one_key_create_one_comment(make_platform, article):
    # Separate Platform objects behave like separate web processes (separate write locks).
    platforms = [make_platform() for _ in range(4)]
    results, errors = [], []
    barrier = threading.Barrier(len(platforms))

    def post(p):
        try:
            barrier.wait()
            results.append(
                p.submit_comment(
                    article.id, "Ann", "ann@example.org", "Once only", ip=None, idempotency_key="retry-key"
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(p,)) for p in platforms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len({r.comment_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert _count(platforms[0], comments) == 1


def test_rate_limit_per_address(make_platform):
    from civility.workflow import ArticleIn

    platform = make_platform(rate_limit_ip_per_hour=3, rate_limit_email_per_hour=100)
    article = platform.add_article(ArticleIn(title="T", body="B"))
    for i in range(3):
        platform.submit_comment(article.id, "Ann", f"a{i}@example.org", f"comment {i}", ip="198.51.100.7")
    with pytest.raises(RateLimited) as info:
        platform.submit_comment(article.id, "Ann", "z@example.org", "one more", ip="198.51.100.7")
    assert 3500 <= info.value.retry_after <= 3600
    # Another address is not affected; nothing was stored for the refused one.
    platform.submit_comment(article.id, "Ann", "y@example.org", "fine", ip="198.51.100.8")
    assert _count(platform, comments) == 4


def test_rate_limit_per_email_ignores_case(make_platform):
    from civility.workflow import ArticleIn

    platform = make_platform(rate_limit_email_per_hour=2)
    article = platform.add_article(ArticleIn(title="T", body="B"))
    platform.submit_comment(article.id, "Ann", "ann@example.org", "one", ip="198.51.100.1")
    platform.submit_comment(article.id, "Ann", "ANN@example.org", "two", ip="198.51.100.2")
    with pytest.raises(RateLimited):
        platform.submit_comment(article.id, "Ann", "Ann@Example.org", "three", ip="198.51.100.3")


def test_idempotent_replay_is_not_rate_limited(make_platform):
    from civility.workflow import ArticleIn

    platform = make_platform(rate_limit_email_per_hour=1)
    article = platform.add_article(ArticleIn(title="T", body="B"))
    first = platform.submit_comment(article.id, "Ann", "ann@example.org", "one", ip=None, idempotency_key="r")
    assert (
        platform.submit_comment(article.id, "Ann", "ann@example.org", "one", ip=None, idempotency_key="r").comment_id
        == first.comment_id
    )


def test_rate_limits_in_redis(make_platform, redis_url):
    from civility.workflow import ArticleIn

    platform = make_platform(rate_limit_ip_per_hour=2, redis_url=redis_url)
    other_process = make_platform(rate_limit_ip_per_hour=2, redis_url=redis_url)
    article = platform.add_article(ArticleIn(title="T", body="B"))
    platform.submit_comment(article.id, "Ann", "a@example.org", "one", ip="198.51.100.9")
    other_process.submit_comment(article.id, "Ann", "b@example.org", "two", ip="198.51.100.9")
    with pytest.raises(RateLimited) as info:
        platform.submit_comment(article.id, "Ann", "c@example.org", "three", ip="198.51.100.9")
    assert 1 <= info.value.retry_after <= 3600


def test_reply_only_to_a_published_comment_of_the_same_article(platform, article):
    parent = platform.submit_comment(article.id, "Ann", "ann@example.org", "Parent", ip=None)
    with pytest.raises(ValidationError) as info:
        platform.submit_comment(article.id, "Bob", "bob@example.org", "Reply", ip=None, parent_id=parent.comment_id)
    assert "parent_id" in info.value.fields
    platform.decide(parent.comment_id, "approve", actor="moderator:x")
    reply = platform.submit_comment(article.id, "Bob", "bob@example.org", "Reply", ip=None, parent_id=parent.comment_id)
    assert platform.queue_item(reply.comment_id).comment.parent_id == parent.comment_id


def test_rate_limits_fall_back_to_the_database_when_redis_is_down(make_platform):
    from civility.workflow import ArticleIn

    # Nothing listens on port 1: every Redis call fails fast.
    platform = make_platform(rate_limit_ip_per_hour=2, redis_url="redis://127.0.0.1:1/0")
    article = platform.add_article(ArticleIn(title="T", body="B"))
    platform.submit_comment(article.id, "Ann", "a@example.org", "one", ip="198.51.100.30")
    platform.submit_comment(article.id, "Ann", "b@example.org", "two", ip="198.51.100.30")
    with pytest.raises(RateLimited):
        platform.submit_comment(article.id, "Ann", "c@example.org", "three", ip="198.51.100.30")
    assert _count(platform, comments) == 2
