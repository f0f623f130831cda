"""The site layer (pure): per-language bands over the site's corrected scores, the shipped bands
where the site has shown nothing, review for a language the shipped model cannot judge, publisher
overrides winning over learnt bands, and clear errors for an artifact it cannot read."""

from __future__ import annotations

import pytest

from civility.domain import CATEGORIES, Decision, Evidence, Reason, Verdict
from civility.errors import ModelError
from civility.moderation.policy import Policy
from civility.moderation.site_model import FEATURES, Head, LangBands, SiteModel, hashed_words, lang_key

POLICY = Policy.from_thresholds({"insult": {"approve_below": 0.2, "reject_above": 0.9}})


def _scores(**kw):
    out = {c: 0.01 for c in CATEGORIES}
    out["off_topic"] = None
    out.update(kw)
    return out


def _model(**bands) -> SiteModel:
    # p_any follows the base toxic logit; the insult head follows the base insult logit
    heads = {
        "toxic": Head(0.0, {c: (1.0 if c == "toxic" else 0.0) for c in FEATURES}),
        "insult": Head(0.0, {c: (1.0 if c == "insult" else 0.0) for c in FEATURES}),
    }
    return SiteModel(3, "base@1", heads, bands, base_languages=("en", "und"))


def _verdict(scores):
    reasons = (Reason("insult", scores["insult"], 0.2, (Evidence(0, 5, "idiot"),)),)
    return Verdict(Decision(POLICY.decide(scores)[0]), scores, reasons, "base@1", POLICY.version)


def test_a_verified_language_band_approves_what_the_shipped_bands_held():
    model = _model(en=LangBands(approve_below=0.5))
    scores = _scores(toxic=0.3, insult=0.4)  # base: insult 0.4 >= 0.2 -> review
    assert POLICY.decide(scores)[0] == "review"
    v = model.apply(_verdict(scores), lang="en", text="idiot or not", base_policy=POLICY)
    assert v.decision is Decision.APPROVE
    assert v.model == "base@1+site@3" and v.policy == f"{POLICY.version}+site@3"
    assert v.base_scores == scores and v.scores["toxic"] == pytest.approx(0.3, abs=1e-6)
    held = model.apply(_verdict(_scores(toxic=0.6, insult=0.4)), lang="en", text="x", base_policy=POLICY)
    assert held.decision is Decision.REVIEW and held.reasons[0].category == "toxic" and held.reasons[0].threshold == 0.5


def test_site_reject_bands_replace_base_rejections_in_a_site_language():
    model = _model(en=LangBands(approve_below=0.1, reject={"insult": 0.8}))
    base_reject = _scores(toxic=0.9, insult=0.95)  # the umbrella agrees: the base policy may reject
    assert model.apply(_verdict(base_reject), lang="en", text="", base_policy=POLICY).decision is Decision.REJECT
    shown_only_by_base = SiteModel(3, "base@1", model.heads, {"en": LangBands(approve_below=0.1)})
    v = shown_only_by_base.apply(_verdict(base_reject), lang="en", text="", base_policy=POLICY)
    assert v.decision is Decision.REVIEW  # never shown on this site's decisions: a human decides
    # a language without site bands keeps the shipped bands
    assert model.apply(_verdict(base_reject), lang="und", text="", base_policy=POLICY).decision is Decision.REJECT


def test_a_language_the_shipped_model_cannot_judge_stays_in_review_until_shown():
    model = _model(en=LangBands(approve_below=0.5))
    calm = _scores(toxic=0.02, insult=0.01)
    assert POLICY.decide(calm)[0] == "approve"
    assert model.apply(_verdict(calm), lang="ckb", text="", base_policy=POLICY).decision is Decision.REVIEW
    shown = _model(en=LangBands(approve_below=0.5), ckb=LangBands(approve_below=0.3))
    assert shown.apply(_verdict(calm), lang="ckb", text="", base_policy=POLICY).decision is Decision.APPROVE


def test_publisher_overrides_and_hold_all_win_over_learnt_bands():
    model = _model(en=LangBands(approve_below=0.9))
    scores = _scores(toxic=0.3, insult=0.4)
    held = POLICY.overlay({"hold_all": True}, name="site")
    assert model.apply(_verdict(scores), lang="en", text="", base_policy=held).decision is Decision.REVIEW
    strict = POLICY.overlay({"thresholds": {"insult": {"approve_below": 0.1}}}, name="article")
    assert model.apply(_verdict(scores), lang="en", text="", base_policy=strict) == _verdict(scores)


def test_the_artifact_round_trips_and_refuses_other_versions():
    model = _model(en=LangBands(approve_below=0.5, reject={"insult": 0.8}))
    assert SiteModel.from_dict(model.to_dict()) == model
    with pytest.raises(ModelError, match="format 2"):
        SiteModel.from_dict({**model.to_dict(), "format_version": 2})
    with pytest.raises(ModelError, match="not a civility site model"):
        SiteModel.from_dict({"weights": []})
    with pytest.raises(ModelError, match="corrupt"):
        SiteModel.from_dict({k: v for k, v in model.to_dict().items() if k != "heads"})
    with pytest.raises(ModelError, match="corrects base@1"):
        model.check_base("base@2")


def test_words_and_languages_are_keyed_stably():
    assert hashed_words("Idiot idiot IDIOT", 12) == hashed_words("idiot", 12) != []
    assert lang_key(None) == "und" and lang_key("ckb-IQ") == "ckb" and lang_key("EN") == "en"


def test_a_language_without_site_bands_keeps_the_shipped_verdict_and_says_which_model_ran():
    model = _model(en=LangBands(approve_below=0.5))
    base = _verdict(_scores(toxic=0.3, insult=0.4))
    v = model.apply(base, lang=None, text="", base_policy=POLICY)
    assert (v.decision, v.reasons, v.scores) == (base.decision, base.reasons, base.scores)
    assert v.model == "base@1+site@3"
