"""The ModerationEngine over the shipped model: verdicts with reasons whose evidence spans point at the
right substrings of the ORIGINAL text (also through obfuscation), off_topic reported as not
available, policies applied, batched and single verdicts agreeing."""

from __future__ import annotations

import pytest

from civility.domain import CATEGORIES, Article, ModerationInput
from civility.moderation.pipeline import NO_RELEVANCE_NOTE, ModerationEngine


@pytest.fixture(scope="module")
def moderator() -> ModerationEngine:
    return ModerationEngine.load(relevance="off")


def _reason(verdict, category):
    return next((r for r in verdict.reasons if r.category == category), None)


def test_every_category_is_scored_and_off_topic_is_not_available(moderator):
    v = moderator.verdict(ModerationInput(text="The bridge reopens on Monday after repairs."))
    assert set(v.scores) == set(CATEGORIES)
    assert v.scores["off_topic"] is None
    assert NO_RELEVANCE_NOTE in v.notes
    assert all(0.0 <= s <= 1.0 for c, s in v.scores.items() if c != "off_topic")
    assert v.model == moderator.model_version and "@" in v.model
    assert v.policy.startswith("policy-")


def test_civil_news_comment_is_not_rejected_and_scores_low(moderator):
    # the default bands (2% of labelled dev comments may be auto-approved) send borderline
    # comments to review; a civil comment must never be rejected and must score low
    v = moderator.verdict(
        ModerationInput(text="Thanks for the clear reporting on the ceasefire talks; I hope both sides keep to it.")
    )
    assert v.decision.value != "reject", v.scores
    for cat in ("profanity", "threat", "insult", "identity_attack", "spam"):
        assert v.scores[cat] < 0.2, (cat, v.scores[cat])
    relaxed = moderator.default_policy.overlay(
        {"thresholds": {c: {"approve_below": 0.3} for c in ("profanity", "threat", "identity_attack", "spam")}},
        name="site",
    )
    assert (
        moderator.verdict(
            ModerationInput(text="The council should publish the full budget before the vote."), relaxed
        ).decision.value
        == "approve"
    )


@pytest.mark.parametrize(
    "text, category, word",
    [
        ("You are a complete idiot and everyone knows it.", "insult", "idiot"),
        ("What a stupid fucking article.", "profanity", "fucking"),
        ("You are a complete 1d10t and everyone knows it.", "insult", "1d10t"),
        ("What a stupid f*cking article.", "profanity", "f*cking"),
        (
            "You are a complete \u0456d\u0456\u043et and everyone knows it.",
            "insult",
            "\u0456d\u0456\u043et",
        ),  # Cyrillic
    ],
)
def test_evidence_spans_point_at_the_original_words(moderator, text, category, word):
    v = moderator.verdict(ModerationInput(text=text))
    reason = _reason(v, category)
    assert reason is not None, v.scores
    assert v.decision.value in {"review", "reject"}
    assert reason.evidence, reason
    for e in reason.evidence:
        assert text[e.start : e.end] == e.text
    assert word in [e.text for e in reason.evidence]
    assert reason.threshold <= reason.score


def test_hold_all_and_article_overrides(moderator):
    item = ModerationInput(text="You are a complete idiot.")
    held = moderator.default_policy.overlay({"hold_all": True}, name="site")
    assert moderator.verdict(item, held).decision.value == "review"
    lenient = moderator.default_policy.overlay(
        {"thresholds": {c: {"approve_below": 1.0, "reject_above": 1.0} for c in CATEGORIES}}, name="article"
    )
    v = moderator.verdict(item, lenient)
    # the verdict names the bands applied to this (English) comment: the language layer adds none
    assert v.decision.value == "approve" and not v.reasons and v.policy == lenient.for_language("en").version


def test_batched_verdicts_match_single_ones(moderator):
    texts = [
        "Nice piece.",
        "You moron.",
        "Subscribe to my channel for free iphones www.example.shop",
        "",
        "فى حاجات مينفعش",
        "Bu haber çok kötü",
    ]
    items = [ModerationInput(text=t) for t in texts]
    batch = moderator.verdicts(items)
    for item, v in zip(items, batch):
        single = moderator.verdict(item)
        assert single.decision == v.decision
        assert single.scores == pytest.approx(v.scores)


def test_article_without_relevance_model_still_scores(moderator):
    article = Article(id="a1", title="Ceasefire holds", body="Talks continue.")
    v = moderator.verdict(ModerationInput(text="Good news at last.", article=article))
    assert v.scores["off_topic"] is None and v.notes
