"""The shipped model on civil news comments written for this test (tests/moderation/data/
civil_news.jsonl, 428 comments across politics, war, crime, health, sport, business, local news,
climate, courts, education, technology and criticism of the publisher; never used for training
or for choosing bands; see civil_news.md): strong criticism, quotes of officials, sarcasm, source
links, numbers and the words "promote", "subscribe" or "free" in a news sense.

An automatic rejection must be right at least 97% of the time at a news site's base rate: on a
set where nothing breaks a rule, that means no rejection at all. The share sent to review is
reported (run with -s) and held under a ceiling, so that a change that sends most civil news to
moderators fails here. The news cases are the comments a new user tried by hand."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from civility.domain import ModerationInput
from civility.moderation.pipeline import ModerationEngine

DATA = Path(__file__).parent / "data" / "civil_news.jsonl"
TOPICS = {
    "politics",
    "war",
    "crime",
    "health",
    "sport",
    "business",
    "local news",
    "climate/environment",
    "courts/justice",
    "education",
    "technology",
    "publisher",
}
# the share of civil news comments a moderator still has to read (measured 0.16 with model 1.2;
# the ceiling leaves room for retraining noise, not for a regression to the 0.52 of model 1.1)
MAX_REVIEW_SHARE = 0.30

NEWS_CASES = [
    # cited sources: the publisher's default allow list, and sources readers cite everywhere
    "The UN report says otherwise: https://www.un.org/en/report",
    "The ONS figures are here: https://www.ons.gov.uk/employmentandlabourmarket and they show the opposite.",
    "Reuters had the full quote: https://www.reuters.com/world/ - worth reading before commenting.",
    "See the WHO guidance at https://www.who.int/news-room/fact-sheets for the actual numbers.",
    # words that look like promotion or abuse in a news sense
    "The club promoted its youth coach after the relegation scare.",
    "I cancelled my subscription because of the paywall, and I am not the only one.",
]
# words the old model rejected as insults ("ignorant", "sheep", "fat"): a moderator may read
# them, the machine never rejects them
HARD_CASES = [
    "The minister's plan is ignorant of the facts and will cost taxpayers millions.",
    "Voters are not sheep; they noticed the broken promises on the hospital.",
    "Childhood obesity figures are worrying: a fat tax on sugary drinks worked in Mexico.",
]


def load() -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def moderator() -> ModerationEngine:
    return ModerationEngine.load(
        relevance="off", link_allowlist=("wikipedia.org", "who.int", "un.org", "gov.uk", "europa.eu")
    )


@pytest.fixture(scope="module")
def verdicts(moderator):
    rows = load()
    return rows, moderator.verdicts([ModerationInput(text=r["text"], id=r["id"]) for r in rows])


def test_the_set_is_large_varied_and_well_formed():
    rows = load()
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"].casefold() for r in rows}) == len(rows)
    assert {r["topic"] for r in rows} == TOPICS
    per_topic = Counter(r["topic"] for r in rows)
    assert min(per_topic.values()) >= 25
    features = Counter(f for r in rows for f in r["features"])
    assert features["link"] >= 60 and features["quote"] >= 60 and features["sarcasm"] >= 30


def test_no_civil_news_comment_is_rejected(verdicts):
    rows, out = verdicts
    rejected = [
        (r["id"], [(x.category, round(x.score, 2)) for x in v.reasons], r["text"][:80])
        for r, v in zip(rows, out)
        if v.decision.value == "reject"
    ]
    assert rejected == []


def test_most_civil_news_is_decided_without_a_moderator(verdicts):
    rows, out = verdicts
    decisions = Counter(v.decision.value for v in out)
    reasons = Counter(x.category for v in out if v.decision.value == "review" for x in v.reasons)
    review = decisions["review"] / len(out)
    print(f"\ncivil news: {dict(decisions)}; review reasons {dict(reasons)}")
    assert review <= MAX_REVIEW_SHARE, (review, dict(reasons))


def test_a_cited_source_is_never_promotion(verdicts):
    rows, out = verdicts
    linked = [(r, v) for r, v in zip(rows, out) if "link" in r["features"]]
    assert len(linked) >= 60
    held_as_spam = [r["id"] for r, v in linked if any(x.category == "spam" for x in v.reasons)]
    # links to unknown domains may go to review; a known source or a public body never does
    assert len(held_as_spam) <= 0.1 * len(linked), held_as_spam


@pytest.mark.parametrize("text", NEWS_CASES)
def test_news_cases_are_published(moderator, text):
    verdict = moderator.verdict(ModerationInput(text=text))
    assert verdict.decision.value == "approve", [(r.category, round(r.score, 3), r.note) for r in verdict.reasons]
    assert verdict.scores["spam"] < moderator.default_policy.bands["spam"].approve_below


@pytest.mark.parametrize("text", HARD_CASES)
def test_hard_news_cases_are_never_rejected(moderator, text):
    assert moderator.verdict(ModerationInput(text=text)).decision.value != "reject"


def test_reasons_name_only_rules_and_never_sit_below_their_band(verdicts, moderator):
    _, out = verdicts
    bands = moderator.default_policy.bands
    for v in out:
        for reason in v.reasons:
            assert reason.category != "toxic"
            assert reason.score >= bands[reason.category].approve_below
