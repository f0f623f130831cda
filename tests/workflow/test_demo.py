"""`serve --demo` content: loads into an empty database only, comments in every state, an Arabic
comment published, and a demo moderator whose printed password works."""

from __future__ import annotations

from civility.demo import ARTICLES, COMMENTS, load_demo


def test_demo_loads_once_into_an_empty_database(platform):
    info = load_demo(platform)
    assert info is not None and len(info.article_ids) == len(ARTICLES) >= 3
    counts = platform.comment_counts()
    assert sum(counts.values()) == len(COMMENTS)
    assert counts["approved"] >= 3 and counts["rejected"] >= 1 and counts["pending"] >= 1
    assert platform.authenticate(info.moderator, info.password, None).role == "admin"
    ceasefire = platform.public_comments("ceasefire-talks-resume").items
    assert any("\u0600" <= ch <= "\u06ff" for c in ceasefire for ch in c.text)  # right-to-left sample
    assert load_demo(platform) is None  # never into a database that has content
    assert sum(platform.comment_counts().values()) == len(COMMENTS)
