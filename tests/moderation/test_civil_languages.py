"""The 240 civil demo comments (40 in each of the publisher's languages, civility.demo_languages)
on their demo articles: none is auto-rejected, and none is held as off-topic because of its
language (off_topic is not scored for a language the relevance model does not read)."""

from __future__ import annotations

from collections import Counter

import pytest

from civility.demo import ARTICLES
from civility.demo_languages import CIVIL_COMMENTS
from civility.domain import Article, ModerationInput
from civility.moderation.pipeline import ModerationEngine

ARTICLE_BY_ID = {a.id: Article(id=a.id, title=a.title, body=a.body, lang=a.lang or "en") for a in ARTICLES}


@pytest.fixture(scope="module")
def verdicts():
    moderator = ModerationEngine.load()  # the relevance model too, when installed
    out = {}
    for lang, items in CIVIL_COMMENTS.items():
        inputs = [ModerationInput(text=text, article=ARTICLE_BY_ID[article_id]) for article_id, text in items]
        out[lang] = (moderator, moderator.verdicts(inputs))
    return out


def test_forty_comments_per_publisher_language():
    assert set(CIVIL_COMMENTS) == {"en", "ckb", "kmr", "ar", "fa", "tr"}
    for lang, items in CIVIL_COMMENTS.items():
        assert len(items) >= 40 and len({t for _, t in items}) == len(items), lang
        assert {a for a, _ in items} == set(ARTICLE_BY_ID), lang
        assert sum(len(t.split()) <= 5 for _, t in items) >= 5, lang  # short comments too


@pytest.mark.parametrize("lang", sorted(CIVIL_COMMENTS))
def test_no_civil_comment_is_rejected_or_off_topic_for_its_language(verdicts, lang):
    moderator, vs = verdicts[lang]
    review_at = moderator.default_policy.bands["off_topic"].approve_below
    decisions = Counter(v.decision.value for v in vs)
    assert decisions["reject"] == 0, [
        (t, v.scores) for (_, t), v in zip(CIVIL_COMMENTS[lang], vs) if v.decision.value == "reject"
    ]
    held = [
        (text, v.scores["off_topic"])
        for (_, text), v in zip(CIVIL_COMMENTS[lang], vs)
        if v.scores["off_topic"] is not None and v.scores["off_topic"] >= review_at
    ]
    if lang == "en":
        # the English model reads these; it still holds a few remarks about the article itself
        # ("Useful article. I shared it with my parents.") for review: a known relevance miss, not
        # a matter of language (BENCHMARKS.md)
        assert len(held) <= 4, held
    else:
        for (_, text), v in zip(CIVIL_COMMENTS[lang], vs):
            assert v.scores["off_topic"] is None, text  # never judged by a model that cannot read it
            assert all(r.category != "off_topic" for r in v.reasons)
