"""A comment is never off-topic because of its language: with the English relevance model, a
Sorani, Arabic, Persian, Kurmanji or Turkish comment (or any comment on an article in those
languages) is not scored for off_topic, and no word of a language the classifier never learnt is
highlighted as evidence. English comments on English articles are scored as before."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from civility.domain import Article, Evidence, ModerationInput
from civility.moderation.pipeline import ModerationEngine

ARTICLE = Article(
    id="c",
    title="Ceasefire talks resume as aid convoys wait at the border crossing",
    body="Negotiators returned to the table on Tuesday after a week-long pause.",
)


@dataclass
class _Result:
    score: float
    evidence: tuple
    note: str


class FakeRelevance:
    """Calls it gets are recorded; every comment it sees is 'off-topic' with its first word as evidence."""

    languages = frozenset({"en"})

    def __init__(self):
        self.seen: list[str] = []

    def article_vector(self, article):
        return None

    def score(self, text, article, *, article_vector=None, parent_text=None):
        self.seen.append(text)
        word = text.split()[0]
        return _Result(0.95, (Evidence(0, len(word), word),), "shares no topic words")


@pytest.fixture(scope="module")
def base() -> ModerationEngine:
    return ModerationEngine.load(relevance="off")


@pytest.fixture
def moderator(base) -> ModerationEngine:
    return ModerationEngine(base.classifier, FakeRelevance())


@pytest.mark.parametrize(
    "text,lang",
    [
        ("سوپاس بۆ ئەم هەواڵە گرنگە", "ckb"),
        ("Spas ji bo vê nûçeya girîng", "kmr"),
        ("شكرا على هذا الخبر المهم", "ar"),
        ("ممنون بابت این خبر مهم", "fa"),
        ("Bu önemli haber için teşekkürler", "tr"),
    ],
)
def test_non_english_comment_is_not_scored_for_off_topic(moderator, text, lang):
    v = moderator.verdict(ModerationInput(text=text, article=ARTICLE))
    assert v.scores["off_topic"] is None
    assert any("off_topic not scored" in n and f"({lang})" in n for n in v.notes), v.notes
    assert all(r.category != "off_topic" for r in v.reasons)
    assert moderator.relevance.seen == []  # the English model never saw it


def test_english_comment_is_still_scored(moderator):
    v = moderator.verdict(ModerationInput(text="The lorries are still waiting at the crossing.", article=ARTICLE))
    assert v.scores["off_topic"] == 0.95
    assert moderator.relevance.seen == ["The lorries are still waiting at the crossing."]


def test_english_comment_on_a_sorani_article_is_not_scored(moderator):
    sorani = Article(id="s", title="گفتوگۆکانی ئاگربەست دەستیان پێکردەوە", body="", lang="ckb")
    v = moderator.verdict(ModerationInput(text="The lorries are still waiting at the crossing.", article=sorani))
    assert v.scores["off_topic"] is None
    assert any("article's language, Sorani (ckb)" in n for n in v.notes)


def test_stored_language_is_used_over_identification(moderator):
    v = moderator.verdict(ModerationInput(text="The lorries are still waiting.", article=ARTICLE, lang="kmr"))
    assert v.scores["off_topic"] is None


def test_no_evidence_words_in_a_language_the_classifier_never_learnt(base):
    assert "ckb" not in base.classifier.languages and {"en", "tr", "ar"} <= base.classifier.languages
    strict = base.default_policy.overlay(
        {"thresholds": {c: {"approve_below": 0.0} for c in ("toxic", "insult", "profanity")}}, name="site"
    )
    v = base.verdict(ModerationInput(text="تۆ گەمژەیت و درۆزنیت", article=ARTICLE), strict)
    assert v.reasons and all(r.evidence == () for r in v.reasons)
    assert all("no training data in Sorani (ckb)" in (r.note or "") for r in v.reasons)
    english = base.verdict(ModerationInput(text="you are an idiot", article=ARTICLE), strict)
    assert any(r.evidence for r in english.reasons)
