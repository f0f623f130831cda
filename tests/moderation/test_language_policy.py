"""The policy's language layer: a language the model judges poorly stays in review, one it judges
well gets its own bands, an unmeasured one stays in review, and the defaults (and their policy
version) are untouched for English. The layer is chosen from labelled scores and shipped in the
model manifest."""

from __future__ import annotations

import json

import numpy as np
import pytest

from civility.domain import CATEGORIES, ModerationInput
from civility.errors import ValidationError
from civility.models.language_bands import choose_language_layer
from civility.moderation.pipeline import ModerationEngine
from civility.moderation.policy import NEVER, Policy

LAYER = {
    "en": {},
    "tr": {"thresholds": {"toxic": {"approve_below": 0.2, "reject_above": NEVER}}, "why": "x"},
    "ar": {"hold_all": True, "why": "poor"},
    "*": {"hold_all": True},
}


def test_for_language_lays_the_entry_over_the_policy():
    base = Policy.from_thresholds({"toxic": {"approve_below": 0.87, "reject_above": NEVER}}, languages=LAYER)
    plain = Policy.from_thresholds({"toxic": {"approve_below": 0.87, "reject_above": NEVER}})
    assert base.for_language("en").bands == plain.bands and base.for_language("en").version == plain.version
    assert base.for_language("tr").bands["toxic"].approve_below == 0.2
    assert base.for_language("ar").hold_all and base.for_language("ckb").hold_all  # "*" for the unnamed
    assert base.for_language("ar").decide({"toxic": 0.0}) == ("review", [])
    assert base.version != plain.version  # the layer is part of the configuration
    # site overrides keep the layer; the language entry comes last
    site = base.overlay({"thresholds": {"toxic": {"approve_below": 0.5}}}, name="site")
    assert site.for_language("tr").bands["toxic"].approve_below == 0.2
    assert site.for_language("en").bands["toxic"].approve_below == 0.5
    assert site.for_language("ar").layers[-1] == "language:ar"


def test_bad_layer_is_refused():
    with pytest.raises(ValidationError):
        Policy.from_thresholds({}, languages={"tr": {"thresholds": {"nonsense": {"approve_below": 0.1}}}})
    with pytest.raises(ValidationError):
        Policy.from_thresholds({}, languages={"tr": "review"})


def _synthetic(n: int, auc_strength: float, seed: int):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(float)
    cats = list(CATEGORIES)
    s = rng.random((n, len(cats))) * 0.3
    s[:, cats.index("toxic")] = np.clip(rng.normal(0.3 + auc_strength * y, 0.15), 0, 1)
    return s, y, cats


def test_choose_language_layer_on_labelled_scores():
    good, y1, cats = _synthetic(1000, 0.5, 1)
    poor, y2, _ = _synthetic(1000, 0.02, 2)
    scores = np.vstack([good, poor, good[:50]])
    y = np.concatenate([y1, y2, y1[:50]])
    langs = np.array(["tr"] * 1000 + ["ar"] * 1000 + ["ku"] * 50, dtype=object)
    base = Policy.from_thresholds({})
    layer = choose_language_layer(scores, y, langs, cats, base)
    assert layer["ar"]["hold_all"] and "judges it poorly" in layer["ar"]["why"]
    assert layer["ku"]["hold_all"] and "too few" in layer["ku"]["why"]
    assert layer["*"]["hold_all"] and layer["en"] == {}
    tr = layer["tr"]["thresholds"]
    assert all(b["reject_above"] == NEVER for b in tr.values())  # nothing rejects on heads never trained on it
    policy = Policy.from_thresholds({}, languages=layer).for_language("tr")
    decisions = [policy.decide(dict(zip(cats, row)))[0] for row in good]
    approved = np.array([d == "approve" for d in decisions])
    assert approved.mean() > 0.3  # a well-judged language is partly automatic
    assert (approved & (y1 == 1)).sum() <= 0.02 * (y1 == 1).sum()  # at <= 2% of its abusive comments missed


@pytest.fixture(scope="module")
def moderator() -> ModerationEngine:
    return ModerationEngine.load(relevance="off")


def test_shipped_manifest_has_the_layer(moderator):
    manifest = moderator.classifier.artifact.manifest
    layer = manifest["language_thresholds"]
    for lang in ("ar", "fa", "*"):
        assert layer[lang]["hold_all"], lang
    assert "thresholds" in layer["tr"] and layer["en"] == {}
    assert manifest["language_dev"]["file"] == "multilingual_dev.jsonl.gz"
    json.dumps(layer)


def test_engine_applies_the_comment_language(moderator):
    arabic = moderator.verdict(ModerationInput(text="شكرا على هذا الخبر المهم"))
    assert arabic.decision.value == "review" and any("hold-everything" in n for n in arabic.notes)
    sorani = moderator.verdict(ModerationInput(text="سوپاس بۆ ئەم هەواڵە گرنگە"))
    assert sorani.decision.value == "review"
    english = moderator.verdict(ModerationInput(text="Thanks for the clear reporting on the ceasefire talks."))
    assert not any("hold-everything" in n for n in english.notes)
    assert english.policy == Policy.from_thresholds(moderator.classifier.artifact.manifest["thresholds"]).version
