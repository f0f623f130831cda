"""The shipped model on civil comments about war, crime, terrorism and politics (written for this
test, never used for training): discussing strikes, casualties and sentences, quoting a slur to
condemn it, or sharply criticising a government or the publisher must not be rejected.
Target: false-positive rate <= 2% per category at the policy's reject threshold (categories the
policy never rejects on alone are reported, not held to it; the decision-level test covers
them); the share that reaches the review band is reported (run with -s to see the table)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civility.domain import CATEGORIES, ModerationInput

DATA = Path(__file__).parent / "data" / "civil_conflict.jsonl"
MAX_FALSE_POSITIVE_RATE = 0.02
SCORED = [c for c in CATEGORIES if c != "off_topic"]


def load_comments() -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def verdicts():
    try:
        from civility.errors import ModelError
        from civility.moderation.pipeline import ModerationEngine
    except ImportError as exc:  # the model engineer's module has not landed yet
        pytest.skip(f"the moderation pipeline is not available yet: {exc}")
    try:
        moderator = ModerationEngine.load(relevance="off")
    except ModelError as exc:
        pytest.skip(f"no shipped model to test: {exc}")
    rows = load_comments()
    out = moderator.verdicts([ModerationInput(text=r["text"], id=r["id"]) for r in rows])
    return moderator, rows, out


def test_the_set_is_large_varied_and_well_formed():
    rows = load_comments()
    assert len(rows) >= 200
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)
    topics = {r["topic"] for r in rows}
    assert {"war", "terrorism", "crime", "politics", "election", "slur_condemnation", "publisher_criticism"} <= topics
    assert all(len(r["text"]) >= 10 for r in rows)


def _review_only() -> frozenset[str]:
    """Categories the policy never rejects on alone (the umbrella `toxic`): over their reject
    threshold they still only send a comment to review, so they cannot reject a civil one."""
    from civility.moderation import policy

    return frozenset(getattr(policy, "REVIEW_ONLY", ()))


def _rates(moderator, rows, verdicts) -> dict[str, tuple[float, float, list[str]]]:
    """Per category: share at or over the reject threshold, share at or over the review one."""
    bands = moderator.default_policy.bands
    out = {}
    for cat in SCORED:
        band = bands[cat]
        scores = [float(v.scores.get(cat) or 0.0) for v in verdicts]
        over = [r["id"] for r, s in zip(rows, scores) if s >= band.reject_above]
        reviewed = sum(1 for s in scores if s >= band.approve_below)
        out[cat] = (len(over) / len(rows), reviewed / len(rows), over)
    return out


def test_false_positive_rate_per_category_is_at_most_2_percent(verdicts):
    moderator, rows, out = verdicts
    rates = _rates(moderator, rows, out)
    review_only = _review_only()
    print(f"\ncivil conflict set: {len(rows)} comments, model {moderator.model_version}")
    print(f"{'category':<16} {'over reject':>11} {'over review':>11}")
    for cat, (reject, review, _) in rates.items():
        note = "  (review only: never rejects alone)" if cat in review_only else ""
        print(f"{cat:<16} {reject:>11.1%} {review:>11.1%}{note}")
    decisions = [v.decision.value for v in out]
    print(
        f"decisions: reject {decisions.count('reject')}, review {decisions.count('review')}, approve {decisions.count('approve')}"
    )
    text = {r["id"]: r["text"] for r in rows}
    failing = {
        cat: [f"{i}: {text[i][:80]}" for i in ids]
        for cat, (reject, _, ids) in rates.items()
        if reject > MAX_FALSE_POSITIVE_RATE and cat not in review_only
    }
    assert not failing, f"categories over {MAX_FALSE_POSITIVE_RATE:.0%} false positives: {failing}"


def test_at_most_2_percent_of_civil_comments_are_rejected(verdicts):
    _, rows, out = verdicts
    rejected = [r["id"] for r, v in zip(rows, out) if v.decision.value == "reject"]
    assert len(rejected) <= MAX_FALSE_POSITIVE_RATE * len(rows), rejected
