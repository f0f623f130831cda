"""The review queue for volume, on SQLite and PostgreSQL: sort by the machine's highest score
(both ways) and by age with keyset pages, filters by rule category, language, article and
commenter email, full-text search (FTS5 / PostgreSQL text search, also after erasure), bulk
decisions that skip what someone else decided, and reports sending a comment back."""

from __future__ import annotations

from sqlalchemy import update

from civility.storage.schema import comments
from civility.workflow import ArticleIn


def _comment(platform, article_id, text, *, email="q@example.org", risk=None, flags=None, lang=None):
    cid = platform.submit_comment(article_id, "Q", email, text, ip=None).comment_id
    values = {"flags": flags, "lang": lang, **({"risk": risk} if risk is not None else {})}  # unscored: 0
    with platform.db.write() as conn:
        conn.execute(update(comments).where(comments.c.id == cid).values(**values))
    return cid


def test_sorts_filters_and_pages(platform, article):
    other = platform.add_article(ArticleIn(title="Other story", body="B"))
    a = _comment(platform, article.id, "calm remark", risk=0.1, lang="en")
    b = _comment(platform, article.id, "you idiot", risk=0.9, flags=",insult,toxic,", lang="en")
    c = _comment(platform, other.id, "buy now", risk=0.6, flags=",spam,", email="Seller@Example.org", lang="de")
    d = _comment(platform, article.id, "never scored")

    def ids(**kw):
        return [i.comment.id for i in platform.review_queue(**kw).items]

    assert ids() == [a, b, c, d]
    assert ids(sort="newest") == [d, c, b, a]
    assert ids(sort="risky_first") == [b, c, a, d]
    assert ids(sort="fine_first") == [d, a, c, b]  # never scored: 0
    assert ids(category="insult") == [b]
    assert ids(category="spam", sort="risky_first") == [c]
    assert ids(lang="de") == [c]
    assert ids(article_id=article.id, sort="risky_first") == [b, a, d]
    assert ids(email="seller@example.org") == [c]
    # keyset pages by score: every comment exactly once
    seen, after = [], None
    while True:
        page = platform.review_queue(sort="risky_first", limit=1, after=after)
        seen += [i.comment.id for i in page.items]
        after = page.next_cursor
        if not after:
            break
    assert seen == [b, c, a, d]


def test_full_text_search_finds_words_and_forgets_erased_text(platform, article):
    first = platform.submit_comment(
        article.id, "A", "a@example.org", "The budget cuts hit the libraries hardest.", ip=None
    ).comment_id
    second = platform.submit_comment(
        article.id, "B", "b@example.org", "Libraries matter; so do buses.", ip=None
    ).comment_id
    platform.submit_comment(article.id, "C", "c@example.org", "Nothing to see here.", ip=None)

    def found(q):
        return sorted(i.comment.id for i in platform.review_queue(q=q).items)

    assert found("libraries") == [first, second]
    assert found("budget libraries") == [first]
    assert found("libr") == [first, second]  # the last word is a prefix
    assert found('budget"*)(:') == [first]  # query syntax never reaches the engine
    assert found("   ") == found("") and len(found("")) == 3
    platform.erase_comment(first, actor="moderator:t")
    assert found("budget") == []


def test_bulk_decisions_skip_what_moved(platform, article):
    ids = [
        platform.submit_comment(article.id, "B", f"b{i}@example.org", f"bulk {i}", ip=None).comment_id for i in range(4)
    ]
    platform.decide(ids[0], "reject", actor="moderator:other", categories=["insult"])
    result = platform.bulk_decide(ids + [10**9], "approve", actor="moderator:bulk")
    assert result == {"done": ids[1:], "skipped": [ids[0], 10**9]}
    assert [platform.queue_item(i).decisions[-1].actor for i in ids[1:]] == ["moderator:bulk"] * 3


def test_reports_requeue_on_both_backends(make_platform, article):
    platform = make_platform(reports_to_requeue=2)
    cid = platform.submit_comment(article.id, "R", "r@example.org", "reported text", ip=None).comment_id
    platform.decide(cid, "approve", actor="moderator:a")
    assert platform.report_comment(cid, "insult", None, ip="198.51.100.1") is False
    assert platform.report_comment(cid, "insult", None, ip="198.51.100.1") is False  # same reader: once
    assert platform.report_comment(cid, "spam", "ad", ip="203.0.113.9") is True
    item = platform.queue_item(cid)
    assert item.comment.status.value == "pending" and len(item.reports) == 2
    assert platform.public_comments(article.id).items == []
