"""Shared state across web processes: two Platforms on one database and one Redis (two web
processes) see each other's approvals at once through the public-comments cache."""

from __future__ import annotations

import uuid

import pytest

from civility.workflow.cache import NoCache, RedisPublicCommentsCache
from civility.workflow.types import ArticleIn

from .conftest import redis_url_or_skip
from .test_platform_queues import make_platform


@pytest.fixture
def two_web_processes(sqlite_url):
    redis_url = redis_url_or_skip()
    first = make_platform(sqlite_url, "embedded", redis_url=redis_url)
    second = make_platform(sqlite_url, "embedded", redis_url=redis_url)
    article = first.add_article(ArticleIn(id=f"story-{uuid.uuid4().hex[:8]}", title="A story", body="Body."))
    yield first, second, article.id
    first.cache.invalidate(article.id)
    first.close()
    second.close()


def pending_comment(platform, article_id: str, email: str) -> int:
    cid = platform.submit_comment(article_id, "Ana", email, "A fair point about the budget.", ip=None).comment_id
    platform.run_pending_jobs()
    return cid


@pytest.mark.redis
def test_an_approval_in_one_process_shows_in_the_other_at_once(two_web_processes):
    first, second, article_id = two_web_processes
    assert isinstance(first.cache, RedisPublicCommentsCache)
    cid = pending_comment(first, article_id, "ana-secret@example.org")
    assert first.public_comments(article_id).items == []
    assert first.public_comments(article_id).items == []
    assert first.cache.hits >= 1  # the second read came from Redis
    second.decide(cid, "approve", actor="moderator:kim")
    assert [c.id for c in first.public_comments(article_id).items] == [cid]
    assert first.approved_count(article_id) == 1  # the page's counter is cached and dropped the same way
    [other] = [pending_comment(first, article_id, "cy@example.org")]
    assert first.approved_count(article_id) == 1
    second.decide(other, "approve", actor="moderator:kim")
    assert first.approved_count(article_id) == 2
    stored = first.cache.client.hgetall(f"civility:public:{article_id}:pages")
    assert stored and all(b"ana-secret@example.org" not in v for v in stored.values())


@pytest.mark.redis
def test_a_page_read_before_an_approval_is_not_cached_after_it(two_web_processes):
    first, second, article_id = two_web_processes
    cid = pending_comment(first, article_id, "ben@example.org")

    def slow_read_overtaken_by_an_approval():
        page = first.public.from_database(article_id)  # reads the database: nothing approved yet
        second.decide(cid, "approve", actor="moderator:kim")  # meanwhile, another process approves
        return page

    stale = first.cache.page(article_id, None, None, slow_read_overtaken_by_an_approval)
    assert stale.items == []  # that request saw the old state...
    assert [c.id for c in first.public_comments(article_id).items] == [cid]  # ...but it was not kept


def test_without_redis_nothing_is_cached(sqlite_url):
    platform = make_platform(sqlite_url, "embedded")
    try:
        assert isinstance(platform.cache, NoCache)
    finally:
        platform.close()


@pytest.mark.redis
def test_rate_limits_are_shared_by_the_web_processes(sqlite_url):
    from civility.errors import RateLimited

    redis_url = redis_url_or_skip()
    first = make_platform(sqlite_url, "embedded", redis_url=redis_url, rate_limit_email_per_hour=2)
    second = make_platform(sqlite_url, "embedded", redis_url=redis_url, rate_limit_email_per_hour=2)
    try:
        article = first.add_article(ArticleIn(id=f"story-{uuid.uuid4().hex[:8]}", title="A story", body="Body."))
        email = f"busy-{uuid.uuid4().hex[:8]}@example.org"  # a key of this test only
        first.submit_comment(article.id, "Dee", email, "One.", ip=None)
        second.submit_comment(article.id, "Dee", email, "Two.", ip=None)
        with pytest.raises(RateLimited):
            first.submit_comment(article.id, "Dee", email, "Three.", ip=None)
        with pytest.raises(RateLimited):
            second.submit_comment(article.id, "Dee", email, "Four.", ip=None)
    finally:
        first.close()
        second.close()
