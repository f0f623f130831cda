"""Policy bands: three-way decisions, per-site and per-article overrides (validated), hold-all,
a version that follows the settings, and default bands chosen to meet the precision/miss targets."""

from __future__ import annotations

import numpy as np
import pytest

from civility.domain import CATEGORIES, Decision
from civility.errors import ValidationError
from civility.models.bands import band_errors, base_rate_weights, choose, reject_threshold
from civility.moderation.policy import NEVER, Policy

BASE = Policy.from_thresholds(
    {"insult": {"approve_below": 0.3, "reject_above": 0.9}, "threat": {"approve_below": 0.2, "reject_above": 0.8}}
)


def _scores(**kw):
    out = {c: 0.0 for c in CATEGORIES}
    out["off_topic"] = None
    out["toxic"] = None  # the umbrella not scored: it neither flags nor vetoes a rejection
    out.update(kw)
    return out


def test_three_bands():
    assert BASE.decide(_scores(insult=0.1)) == (Decision.APPROVE, [])
    assert all(type(BASE.decide(_scores(insult=p))[0]) is Decision for p in (0.1, 0.5, 0.95))
    assert BASE.decide(_scores(insult=0.5)) == ("review", ["insult"])
    assert BASE.decide(_scores(insult=0.95, threat=0.25)) == ("reject", ["threat", "insult"])  # category order
    assert BASE.decide(_scores(insult=0.9)) == ("reject", ["insult"])  # at the threshold counts


def test_off_topic_alone_reviews_never_rejects_and_none_is_ignored():
    assert BASE.decide(_scores(off_topic=0.99))[0] == "review"
    assert BASE.decide(_scores(off_topic=None)) == ("approve", [])


def test_hold_all_sends_everything_to_review():
    held = BASE.overlay({"hold_all": True}, name="site")
    assert held.decide(_scores())[0] == "review"
    assert held.decide(_scores(insult=0.99))[0] == "review"
    assert held.version != BASE.version


def test_site_then_article_overrides():
    site = {"thresholds": {"insult": {"reject_above": 0.6}}}
    article = {"thresholds": {"insult": {"approve_below": 0.5}}}
    p = BASE.for_context(site, article)
    assert p.bands["insult"].approve_below == 0.5 and p.bands["insult"].reject_above == 0.6
    assert p.bands["threat"] == BASE.bands["threat"]
    assert p.decide(_scores(insult=0.65))[0] == "reject"
    assert BASE.decide(_scores(insult=0.65))[0] == "review"  # the defaults are untouched
    assert p.layers == ("default", "site", "article")
    assert p.version != BASE.version
    assert BASE.for_context(None, None).version == BASE.version


@pytest.mark.parametrize(
    "overrides",
    [
        {"thresholds": {"nonsense": {"approve_below": 0.1}}},
        {"thresholds": {"insult": {"approve_below": 1.5}}},
        {"thresholds": {"insult": {"approve_below": 0.95}}},  # above reject_above 0.9
        {"thresholds": {"insult": {"approve_below": "low"}}},
        {"thresholds": {"insult": {"approve": 0.1}}},
        {"hold_all": "yes"},
        {"colour": "red"},
    ],
)
def test_bad_overrides_are_refused_by_name(overrides):
    with pytest.raises(ValidationError) as info:
        BASE.overlay(overrides, name="site")
    assert all(key.startswith("site") for key in info.value.fields)


def _stream(rng, n, rate, separation=0.35):
    """Scores and labels of a synthetic stream in which ``rate`` of the comments break a rule."""
    y = (rng.random(n) < rate).astype(float)
    p = np.clip(separation * y + rng.normal(0.3, 0.12, n), 0, 1)
    return p, y


def test_weights_reweight_each_group_to_the_base_rate():
    any_label = np.array([1, 1, 1, 0, np.nan, 1, 0, 0, 0, 0])
    groups = ["tweets"] * 5 + ["news"] * 5
    w = base_rate_weights(any_label, groups, 0.05)
    for g in ("tweets", "news"):
        m = np.array(groups) == g
        assert w[m].sum() == pytest.approx(1.0)  # every group weighs the same
        assert w[m & (any_label == 1)].sum() == pytest.approx(0.05)
    assert w[4] == 0.0  # an unknown answer counts nowhere
    with pytest.raises(ValueError):
        base_rate_weights(any_label, groups, 1.0)


def test_reject_threshold_holds_its_precision_at_the_base_rate_not_on_the_raw_mix():
    rng = np.random.default_rng(0)
    p, y = _stream(rng, 6000, 0.5)  # a set half abusive, like the shared dev split
    raw = reject_threshold(p, y, np.ones(len(y)), 0.97)
    w = base_rate_weights(y, ["dev"] * len(y), 0.05)
    at_rate = reject_threshold(p, y, w, 0.97)
    assert at_rate > raw  # a news stream needs a stricter threshold than the raw mix
    if at_rate < NEVER:
        rejected = p >= at_rate
        assert (w[rejected] * y[rejected]).sum() / w[rejected].sum() >= 0.97


def test_a_category_that_cannot_be_precise_enough_never_rejects():
    rng = np.random.default_rng(1)
    p, y = _stream(rng, 3000, 0.3, separation=0.05)  # scores barely separate the classes
    w = base_rate_weights(y, ["dev"] * len(y), 0.05)
    assert reject_threshold(p, y, w, 0.97) == NEVER


def test_toxic_umbrella_reviews_but_never_rejects_on_its_own():
    p = Policy.from_thresholds({"toxic": {"approve_below": 0.3, "reject_above": 0.9}})
    assert p.decide(_scores(toxic=0.99)) == ("review", ["toxic"])


def test_joint_bands_keep_approved_breaking_under_the_target_in_every_group():
    rng = np.random.default_rng(1)
    n = 5000
    y = (rng.random((n, 2)) < [0.4, 0.2]).astype(float)
    y[:, 1] = np.where(y[:, 0] == 1, y[:, 1], 0.0)  # the second label implies the first (an umbrella)
    y[rng.random(n) < 0.2, 1] = np.nan  # and is not always annotated
    probs = np.clip(0.4 * np.nan_to_num(y) + rng.normal(0.3, 0.12, (n, 2)), 0, 1)
    any_label = y[:, 0].copy()
    groups = np.where(np.arange(n) < n // 2, "tweets", "news")
    w = base_rate_weights(any_label, groups, 0.05)
    out = choose(probs, y, any_label, w, ["toxic", "insult"], review_only=frozenset({"toxic"}), groups=groups)
    approve = np.all(probs < [out["toxic"]["approve_below"], out["insult"]["approve_below"]], axis=1)
    for g in ("tweets", "news"):
        m = approve & (groups == g)
        assert (w[m] * (any_label[m] == 1)).sum() / w[m].sum() <= 0.01
    assert w[approve].sum() / w.sum() > 0.3  # it still automates a good share
    assert out["toxic"]["reject_above"] == NEVER
    errors = band_errors(np.where(approve, "approve", "review"), any_label, w)
    assert errors["approve_error"] <= 0.01 and errors["reject_rate"] == 0.0


def test_too_few_positives_never_reject():
    y = np.array([[1.0]] * 5 + [[0.0]] * 100 + [[np.nan]] * 50)
    probs = np.linspace(0, 1, len(y))[:, None]
    any_label = y[:, 0]
    out = choose(probs, y, any_label, base_rate_weights(any_label, ["dev"] * len(y), 0.05), ["threat"])
    assert not out["threat"]["chosen"] and out["threat"]["reject_above"] == NEVER


def test_an_abuse_rule_rejects_only_when_the_umbrella_agrees():
    from civility.moderation.policy import UMBRELLA_AGREEMENT

    p = Policy.from_thresholds(
        {
            "identity_attack": {"approve_below": 0.1, "reject_above": 0.5},
            "toxic": {"approve_below": 0.9, "reject_above": NEVER},
            "spam": {"approve_below": 0.1, "reject_above": 0.9},
        }
    )
    assert p.decide(_scores(identity_attack=0.6, toxic=UMBRELLA_AGREEMENT - 0.05))[0].value == "review"
    assert p.decide(_scores(identity_attack=0.6, toxic=UMBRELLA_AGREEMENT + 0.05))[0].value == "reject"
    assert p.decide(_scores(spam=0.95, toxic=0.01))[0].value == "reject"  # promotion is not abuse
