"""Policy bands: three-way decisions, per-site and per-article overrides (validated), hold-all,
a version that follows the settings, and default bands chosen to meet the precision/miss targets."""

from __future__ import annotations

import numpy as np
import pytest

from civility.domain import CATEGORIES, Decision
from civility.errors import ValidationError
from civility.models.bands import choose_band
from civility.moderation.policy import NEVER, Policy

BASE = Policy.from_thresholds({"insult": {"approve_below": 0.3, "reject_above": 0.9}, "threat": {"approve_below": 0.2, "reject_above": 0.8}})


def _scores(**kw):
    out = {c: 0.0 for c in CATEGORIES}
    out["off_topic"] = None
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


def test_chosen_band_meets_the_targets():
    rng = np.random.default_rng(0)
    y = (rng.random(4000) < 0.3).astype(float)
    p = np.clip(0.35 * y + rng.normal(0.3, 0.15, 4000), 0, 1)
    band, info = choose_band(p, y)
    assert info["chosen"]
    missed = np.sum((p < band.approve_below) & (y == 1)) / y.sum()
    assert missed <= 0.02
    rejected = p >= band.reject_above
    assert rejected.sum() >= 10 and y[rejected].mean() >= 0.95
    assert band.approve_below <= band.reject_above


def test_too_few_positives_fall_back_and_null_labels_are_ignored():
    y = np.array([1.0] * 5 + [0.0] * 100 + [np.nan] * 50)
    band, info = choose_band(np.linspace(0, 1, len(y)), y)
    assert not info["chosen"] and band.reject_above == NEVER


def test_toxic_umbrella_reviews_but_never_rejects_on_its_own():
    p = Policy.from_thresholds({"toxic": {"approve_below": 0.3, "reject_above": 0.9}})
    assert p.decide(_scores(toxic=0.99)) == ("review", ["toxic"])


def test_joint_bands_keep_overall_misses_under_2_percent():
    from civility.models.bands import choose_bands

    rng = np.random.default_rng(1)
    n = 5000
    y = (rng.random((n, 2)) < [0.4, 0.2]).astype(float)
    y[:, 1] = np.where(y[:, 0] == 1, y[:, 1], 0.0)  # the second label implies the first (an umbrella)
    y[rng.random(n) < 0.2, 1] = np.nan  # and is not always annotated
    probs = np.clip(0.4 * np.nan_to_num(y) + rng.normal(0.3, 0.12, (n, 2)), 0, 1)
    any_label = y[:, 0].copy()
    bands = choose_bands(probs, y, any_label, ["toxic", "insult"])
    approve = np.all(probs < [bands["toxic"][0].approve_below, bands["insult"][0].approve_below], axis=1)
    assert np.sum(approve & (any_label == 1)) / np.sum(any_label == 1) <= 0.02
    assert approve.mean() > 0.3  # it still automates a good share
    assert bands["toxic"][0].reject_above == NEVER
