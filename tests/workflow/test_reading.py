"""Reading: the public list (approved only, no email, keyset pages, index-backed), the review
queue with filters, and articles."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from sqlalchemy import text, update

from civility.errors import Conflict, NotFound, ValidationError
from civility.storage.schema import comments
from civility.workflow import ArticleIn, PublicComment


def _approved(platform, article_id, n):
    ids = []
    for i in range(n):
        cid = platform.submit_comment(
            article_id, f"Reader {i}", f"r{i}@example.org", f"comment {i}", ip=None
        ).comment_id
        platform.decide(cid, "approve", actor="moderator:a")
        ids.append(cid)
    return ids


def test_public_comment_has_no_email_field():
    assert "email" not in {f.name for f in dataclasses.fields(PublicComment)}
    assert "ip" not in {f.name for f in dataclasses.fields(PublicComment)}


def test_public_list_shows_approved_only(platform, article):
    approved = _approved(platform, article.id, 2)
    pending = platform.submit_comment(article.id, "P", "p@example.org", "pending", ip=None).comment_id
    rejected = platform.submit_comment(article.id, "R", "r@example.org", "rejected", ip=None).comment_id
    platform.decide(rejected, "reject", actor="moderator:a", categories=["insult"])
    ids = [c.id for c in platform.public_comments(article.id).items]
    assert ids == approved and pending not in ids and rejected not in ids


def test_keyset_pages_cover_everything_once_even_with_equal_timestamps(platform, article):
    ids = _approved(platform, article.id, 23)
    with platform.db.write() as conn:  # many comments in the same microsecond: the id breaks the tie
        conn.execute(
            update(comments)
            .where(comments.c.id.in_(ids[5:15]))
            .values(created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
        )
    seen, cursor, pages = [], None, 0
    while True:
        page = platform.public_comments(article.id, after=cursor, limit=5)
        seen += [c.id for c in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen)) and pages == 5


def test_newest_first_pages_are_the_reverse_of_the_reading_order(platform, article):
    ids = _approved(platform, article.id, 12)
    with platform.db.write() as conn:  # equal timestamps: the id still orders them
        conn.execute(
            update(comments)
            .where(comments.c.id.in_(ids[3:9]))
            .values(created_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
        )
    oldest_first = [c.id for c in platform.public_comments(article.id, limit=50).items]
    newest, cursor = [], None
    while True:
        page = platform.public_comments(article.id, after=cursor, limit=5, newest_first=True)
        newest += [c.id for c in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert newest == list(reversed(oldest_first)) and len(newest) == 12
    assert newest[:6] == sorted(ids[3:9], reverse=True)  # the 2030 ones come first


def test_public_list_of_unknown_article_and_bad_cursor(platform, article):
    with pytest.raises(NotFound):
        platform.public_comments("nope")
    with pytest.raises(ValidationError):
        platform.public_comments(article.id, after="garbage!")


def test_public_list_is_index_backed(platform, article):
    from sqlalchemy import insert

    from civility.storage.clock import utcnow

    other = platform.add_article(ArticleIn(title="Big story", body="B"))
    rows = [
        dict(
            article_id=(article.id if i % 100 == 0 else other.id),
            name="n",
            email="e@example.org",
            text=f"t{i}",
            status="approved",
            version=2,
            created_at=utcnow(),
        )
        for i in range(2000)
    ]
    with platform.db.write() as conn:
        conn.execute(insert(comments), rows)
        conn.execute(text("ANALYZE"))
    # The big story (1,980 approved comments), a later page: walked from the index, never sorted.
    query = (
        "SELECT * FROM comments WHERE article_id = :a AND status = 'approved' "
        "AND created_at >= :c AND (created_at > :c OR id > 10) ORDER BY created_at, id LIMIT 51"
    )
    params = {"a": other.id, "c": datetime(2000, 1, 1, tzinfo=timezone.utc)}
    with platform.db.read() as conn:
        if platform.db.dialect == "sqlite":
            params["c"] = "2000-01-01 00:00:00.000000"
            plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + query), params))
            assert "ix_comments_public" in plan and "TEMP B-TREE" not in plan
        else:
            plan = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + query), params))
            # The planner may walk either (status, created_at, id)-ordered index; what matters is
            # that the page is read in index order and stops at the LIMIT: no Sort, no Seq Scan.
            assert "Index Scan using ix_comments_" in plan and "Sort" not in plan and "Seq Scan" not in plan, plan


def test_review_queue_filters_and_carries_email_and_verdict(platform, article):
    other = platform.add_article(ArticleIn(title="Heatwave", body="Hot."))
    a = platform.submit_comment(article.id, "A", "a@example.org", "first", ip=None).comment_id
    b = platform.submit_comment(other.id, "B", "b@example.org", "second", ip=None).comment_id
    platform.run_pending_jobs()
    queue = platform.review_queue()
    assert [i.comment.id for i in queue.items] == [a, b]  # oldest first
    first = queue.items[0]
    assert first.comment.email == "a@example.org" and first.article_title == article.title
    assert first.verdict is not None and first.version == 1
    assert [i.comment.id for i in platform.review_queue(article_id=other.id).items] == [b]
    platform.decide(a, "approve", actor="moderator:x")
    assert [i.comment.id for i in platform.review_queue(status="approved").items] == [a]
    assert [i.comment.id for i in platform.review_queue().items] == [b]
    with pytest.raises(ValidationError):
        platform.review_queue(status="deleted")
    assert platform.comment_counts() == {"pending": 1, "approved": 1, "rejected": 0}


def test_articles_add_get_find_list(platform):
    a = platform.add_article(ArticleIn(title="Ceasefire talks resume", body="B", url="https://example.org/c"))
    assert a.id == "ceasefire-talks-resume"
    again = platform.add_article(ArticleIn(title="Ceasefire talks resume", body="Other"))
    assert again.id != a.id and again.id.startswith("ceasefire-talks-resume-")
    assert platform.get_article(a.id) == a
    assert platform.find_by_url("https://example.org/c") == a
    assert platform.find_by_url("https://example.org/none") is None
    with pytest.raises(Conflict):
        platform.add_article(ArticleIn(title="Dup url", body="B", url="https://example.org/c"))
    with pytest.raises(ValidationError) as info:
        platform.add_article(ArticleIn(title=" ", body="", id="bad id!"))
    assert set(info.value.fields) == {"title", "body", "id"}
    with pytest.raises(NotFound):
        platform.get_article("missing")
    first = platform.list_articles(limit=1)
    second = platform.list_articles(limit=1, cursor=first.next_cursor)
    assert {first.items[0].id, second.items[0].id} == {a.id, again.id} and second.next_cursor is None


def test_arabic_text_is_stored_and_returned_unchanged(platform, article):
    text_ar = "نأمل أن تنجح المفاوضات هذه المرة"
    cid = platform.submit_comment(article.id, "سلمى", "salma@example.net", text_ar, ip=None).comment_id
    platform.decide(cid, "approve", actor="moderator:a")
    [c] = platform.public_comments(article.id).items
    assert (c.name, c.text) == ("سلمى", text_ar)
