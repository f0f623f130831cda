"""Fitting a site model (pure): bands only where the held-out decisions show them, per language;
a language without enough decisions gets none and stays in review; the promotion rule."""

from __future__ import annotations

from civility.domain import CATEGORIES
from civility.models.learn import LabelledExample, LearnConfig, better, learn
from civility.moderation.policy import Policy

POLICY = Policy.from_thresholds({})


def _examples(n: int, lang: str, *, offset: int = 0) -> list[LabelledExample]:
    out = []
    for i in range(offset, offset + n):
        s = ((i * 37) % 100) / 100
        scores = {c: 0.01 for c in CATEGORIES}
        scores.update(toxic=s, insult=s * 0.9, off_topic=None)
        rejected = s >= 0.7
        out.append(
            LabelledExample(
                scores,
                lang,
                f"text {i} " + ("nasty" if rejected else "thanks"),
                rejected,
                ("insult",) if rejected else (),
            )
        )
    return out


def test_bands_per_language_only_where_shown_and_review_elsewhere():
    stream = _examples(400, "en")
    stream[::10] = _examples(40, "ckb", offset=1000)  # a language with 40 decisions among them
    result = learn(
        stream, base_policy=POLICY, base_model="m@1", version=1, config=LearnConfig(base_languages=("en", "und"))
    )
    assert result.promote, result.report["why"]
    assert set(result.model.bands) == {"en"}  # ckb: fewer than min_lang_decisions
    assert result.report["holdout_candidate"]["approve_error"] <= 0.02
    calm = {c: 0.01 for c in CATEGORIES} | {"toxic": 0.05, "off_topic": None}
    assert result.model.decide(calm, "en", "thanks", POLICY)[0] == "approve"
    assert result.model.decide(calm, "ckb", "spas", POLICY)[0] == "review"  # not judged, not shown: never a guess
    assert POLICY.decide(calm)[0] == "approve"


def test_too_few_or_one_sided_decisions_give_no_model():
    assert learn(_examples(50, "en"), base_policy=POLICY, base_model="m", version=1).model is None
    calm = [e for e in _examples(400, "en") if not e.rejected]
    result = learn(calm, base_policy=POLICY, base_model="m", version=1)
    assert result.model is None and "one way" in result.report["why"]


def test_the_promotion_rule():
    def figures(decided, approved, approve_error, reject_error=0.0):
        return {"decided": decided, "approved": approved, "approve_error": approve_error, "reject_error": reject_error}

    assert better(figures(50, 50, 0.01), figures(40, 40, 0.0))[0]  # more, within the target
    assert not better(figures(50, 50, 0.03), figures(40, 40, 0.0))[0]  # more, but above the target
    assert not better(figures(30, 30, 0.0), figures(40, 40, 0.0))[0]  # fewer
    assert not better(figures(40, 40, 0.0), figures(40, 40, 0.0))[0]  # nothing gained
    assert better(figures(30, 30, 0.0), figures(40, 40, 0.05))[0]  # the current one breaks its target
