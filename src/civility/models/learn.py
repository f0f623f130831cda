"""Learning a site model from the site's own decisions (pure: lists in, a SiteModel and a report
out; the workflow reads the examples from the database and stores the result).

The split is by time: the most recent ``holdout_fraction`` of the decisions is held out. Heads
are fitted on the older ones (scikit-learn logistic regressions on the shipped model's logits,
a language indicator and hashed words); bands are chosen on out-of-fold predictions of the older
ones with a margin, then each band must show its stated error on the held-out decisions or it is
dropped (that language / category stays with the shipped bands, or in review). The candidate is
promoted only when, on the held-out decisions, it decides at least as many comments as the
current model at no higher error (than the current model's, or the stated target)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from civility.moderation.site_model import (
    ANY,
    FEATURES,
    REVIEW_ONLY,
    UNKNOWN_LANG,
    Head,
    LangBands,
    SiteModel,
    hashed_words,
    lang_key,
    logit,
)

APPROVE_ERROR = 0.02  # auto-approvals let through at most 2% of comments that break a rule
REJECT_PRECISION = 0.97  # auto-rejections at least 97% right


@dataclass(frozen=True)
class LearnConfig:
    holdout_fraction: float = 0.2
    min_decisions: int = 100  # fewer: no site model at all
    min_lang_decisions: int = 50  # a language with fewer decisions gets no bands of its own
    min_category_positives: int = 20  # a category with fewer site rejections gets no head
    min_band_rows: int = 30  # approvals a band must make on the data that chooses / shows it
    min_reject_rows: int = 10
    choose_approve_error: float = 0.012  # margin under the 2% target when choosing
    choose_reject_precision: float = 0.985
    reject_floor: float = 0.5  # a category rejects only when the site finds it more likely than not
    word_bits: int = 12
    word_scale: float = 0.5  # < 1 penalises the word weights more than the logit weights
    C: float = 1.0
    folds: int = 3
    overturn_weight: float = 2.0  # overturning the machine is the strongest signal
    base_languages: tuple[str, ...] = ("en", UNKNOWN_LANG)


@dataclass(frozen=True)
class LabelledExample:
    base_scores: Mapping[str, float | None]
    lang: str | None
    text: str
    rejected: bool
    categories: tuple[str, ...] = ()
    overturn: bool = False


@dataclass
class LearnResult:
    model: SiteModel | None
    promote: bool
    report: dict[str, Any] = field(default_factory=dict)


# -- features -----------------------------------------------------------------------------------
def _matrix(examples: Sequence[LabelledExample], langs: Sequence[str], config: LearnConfig) -> sp.csr_matrix:
    n, k, width = len(examples), len(FEATURES), 1 << config.word_bits
    dense = np.array([[logit(e.base_scores.get(c)) for c in FEATURES] for e in examples], dtype=float).reshape(n, k)
    lang_col = {lang: i for i, lang in enumerate(langs)}
    rows, cols, vals = [], [], []
    for i, e in enumerate(examples):
        j = lang_col.get(lang_key(e.lang))
        if j is not None:
            rows.append(i), cols.append(k + j), vals.append(1.0)
        words = hashed_words(e.text, config.word_bits)
        if words:
            v = config.word_scale / math.sqrt(len(words))
            rows.extend([i] * len(words)), cols.extend(k + len(langs) + w for w in words), vals.extend([v] * len(words))
    extra = sp.csr_matrix((vals, (rows, [c - k for c in cols])), shape=(n, len(langs) + width))
    return sp.hstack([sp.csr_matrix(dense), extra], format="csr")


def _fit(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, config: LearnConfig):
    from sklearn.linear_model import LogisticRegression

    # liblinear: a few passes for these small, sparse problems (lbfgs needed hundreds of
    # iterations on them); intercept_scaling keeps its penalty on the intercept negligible
    model = LogisticRegression(C=config.C, solver="liblinear", intercept_scaling=10.0, max_iter=200, random_state=0)
    return model.fit(x, y, sample_weight=w)


def _head(model, langs: Sequence[str], config: LearnConfig) -> Head:
    coef, k = model.coef_[0], len(FEATURES)
    words = {
        int(i): round(float(coef[k + len(langs) + i]), 6) for i in np.flatnonzero(np.abs(coef[k + len(langs) :]) > 1e-5)
    }
    return Head(
        round(float(model.intercept_[0]), 6),
        {c: round(float(coef[j]), 6) for j, c in enumerate(FEATURES)},
        {lang: round(float(coef[k + j]), 6) for j, lang in enumerate(langs)},
        words,
        config.word_scale,
    )


def _out_of_fold(x, y, w, config: LearnConfig) -> np.ndarray:
    n = len(y)
    out = np.zeros(n)
    edges = np.linspace(0, n, config.folds + 1).astype(int)
    for a, b in zip(edges[:-1], edges[1:]):
        keep = np.r_[0:a, b:n]
        if len(set(y[keep].tolist())) < 2:
            out[a:b] = y[keep].mean() if len(keep) else 0.5
            continue
        out[a:b] = _fit(x[keep], y[keep], w[keep], config).predict_proba(x[a:b])[:, 1]
    return out


# -- bands ----------------------------------------------------------------------------------------
def _approve_threshold(p: np.ndarray, bad: np.ndarray, eligible: np.ndarray, config: LearnConfig) -> float | None:
    """The highest threshold under which the eligible rows hold <= the choosing error of rejected ones."""
    idx = np.flatnonzero(eligible)
    if len(idx) < config.min_band_rows:
        return None
    order = idx[np.argsort(p[idx], kind="stable")]
    rate = np.cumsum(bad[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(rate <= config.choose_approve_error)
    ok = ok[ok >= config.min_band_rows - 1]
    if not len(ok):
        return None
    k = int(ok[-1])
    upper = p[order[k + 1]] if k + 1 < len(order) else 1.0
    return float(np.floor(((p[order[k]] + upper) / 2) * 1e6) / 1e6)


def _reject_threshold(p: np.ndarray, good: np.ndarray, config: LearnConfig) -> float | None:
    order = np.argsort(-p, kind="stable")
    precision = np.cumsum(good[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= config.choose_reject_precision)
    ok = ok[ok >= config.min_reject_rows - 1]
    if not len(ok):
        return None
    threshold = float(np.ceil(p[order[int(ok[-1])]] * 1e6) / 1e6)
    return max(threshold, config.reject_floor)


def _separate_ok(examples: Sequence[LabelledExample], base_policy: Any) -> np.ndarray:
    out = np.ones(len(examples), dtype=bool)
    for i, e in enumerate(examples):
        for cat in ("spam", "off_topic"):
            s = e.base_scores.get(cat)
            if s is not None and cat in base_policy.bands and float(s) >= base_policy.bands[cat].approve_below:
                out[i] = False
    return out


# -- evaluation -----------------------------------------------------------------------------------
def evaluate(model: SiteModel | None, examples: Sequence[LabelledExample], base_policy: Any) -> dict[str, Any]:
    """What a model (None: the shipped bands) decides on labelled examples, overall and per language."""

    def empty() -> dict[str, int]:
        return {"n": 0, "approved": 0, "approved_breaking": 0, "rejected": 0, "rejected_right": 0}

    total, per_lang = empty(), {}
    for e in examples:
        if model is None:
            decision, _ = base_policy.decide(e.base_scores)
        else:
            decision = model.decide(e.base_scores, e.lang, e.text, base_policy)[0]
        for bucket in (total, per_lang.setdefault(lang_key(e.lang), empty())):
            bucket["n"] += 1
            if decision == "approve":
                bucket["approved"] += 1
                bucket["approved_breaking"] += int(e.rejected)
            elif decision == "reject":
                bucket["rejected"] += 1
                bucket["rejected_right"] += int(e.rejected)
    for bucket in (total, *per_lang.values()):
        _rates(bucket)
    return {**total, "languages": per_lang}


def _rates(b: dict[str, Any]) -> None:
    b["decided"] = b["approved"] + b["rejected"]
    b["automation"] = round(b["decided"] / b["n"], 4) if b["n"] else 0.0
    b["approve_error"] = round(b["approved_breaking"] / b["approved"], 4) if b["approved"] else 0.0
    b["reject_error"] = round(1 - b["rejected_right"] / b["rejected"], 4) if b["rejected"] else 0.0


def better(candidate: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[bool, str]:
    """Decides at least as many, at no higher error than the current model's or the stated target.
    One exception: when the current model breaks a stated target on the held-out decisions (the
    site changed under it), a candidate that keeps both targets replaces it even if it decides fewer."""
    within = candidate["approve_error"] <= APPROVE_ERROR and candidate["reject_error"] <= 1 - REJECT_PRECISION
    current_broken = current["approve_error"] > APPROVE_ERROR or current["reject_error"] > 1 - REJECT_PRECISION
    if current_broken and within and candidate["decided"]:
        return True, (
            f"the current model breaks a target on the held-out decisions (approve error "
            f"{current['approve_error']:.3f}, reject error {current['reject_error']:.3f}); this one keeps both"
        )
    if candidate["decided"] < current["decided"]:
        return False, f"decides fewer held-out comments ({candidate['decided']} < {current['decided']})"
    if candidate["decided"] == current["decided"] and candidate["approved"] == current["approved"]:
        return False, "decides no more held-out comments than the current model"
    if candidate["approve_error"] > max(current["approve_error"], APPROVE_ERROR):
        return (
            False,
            f"auto-approval error {candidate['approve_error']:.3f} above {max(current['approve_error'], APPROVE_ERROR):.3f}",
        )
    if candidate["reject_error"] > max(current["reject_error"], 1 - REJECT_PRECISION):
        return (
            False,
            f"auto-rejection error {candidate['reject_error']:.3f} above {max(current['reject_error'], 1 - REJECT_PRECISION):.3f}",
        )
    return True, "decides more held-out comments within the error targets"


# -- the learning run -----------------------------------------------------------------------------
def learn(
    examples: Sequence[LabelledExample],
    *,
    base_policy: Any,
    base_model: str,
    version: int,
    current: SiteModel | None = None,
    config: LearnConfig = LearnConfig(),
) -> LearnResult:
    n = len(examples)
    report: dict[str, Any] = {"decisions": n, "version": version, "base_model": base_model}
    if n < config.min_decisions:
        return LearnResult(
            None,
            False,
            {**report, "promoted": False, "why": f"{n} decisions; at least {config.min_decisions} are needed"},
        )
    n_hold = max(1, int(round(n * config.holdout_fraction)))
    train, hold = list(examples[: n - n_hold]), list(examples[n - n_hold :])
    lang_counts: dict[str, int] = {}
    for e in train:
        lang_counts[lang_key(e.lang)] = lang_counts.get(lang_key(e.lang), 0) + 1
    langs = sorted(lang for lang, c in lang_counts.items() if c >= config.min_lang_decisions)
    x = _matrix(train, langs, config)
    w = np.array([config.overturn_weight if e.overturn else 1.0 for e in train])
    rejected = np.array([e.rejected for e in train], dtype=float)
    targets = {ANY: rejected}
    for cat in FEATURES:
        if cat in REVIEW_ONLY:
            continue
        y = np.array([cat in e.categories for e in train], dtype=float)
        if y.sum() >= config.min_category_positives:
            targets[cat] = y
    report["train"], report["holdout"], report["languages_seen"] = (
        len(train),
        len(hold),
        dict(sorted(lang_counts.items())),
    )
    if len(set(rejected.tolist())) < 2:
        return LearnResult(None, False, {**report, "promoted": False, "why": "the older decisions are all one way"})
    heads, oof = {}, {}
    for cat, y in targets.items():
        heads[cat] = _head(_fit(x, y, w, config), langs, config)
        oof[cat] = _out_of_fold(x, y, w, config)
    sep_ok = _separate_ok(train, base_policy)
    train_langs = np.array([lang_key(e.lang) for e in train])
    chosen: dict[str, LangBands] = {}
    for lang in langs:
        in_lang = train_langs == lang
        approve = _approve_threshold(oof[ANY], rejected, in_lang & sep_ok, config)
        reject = {}
        for cat in targets:
            if cat == ANY:
                continue
            t = _reject_threshold(oof[cat][in_lang], rejected[in_lang], config)
            if t is not None and t < 1.0:
                reject[cat] = t
        if approve is not None or reject:
            chosen[lang] = LangBands(approve, reject)
    proposed = SiteModel(version, base_model, heads, chosen, config.word_bits, config.base_languages)
    verified, checks = _verify(proposed, hold, base_policy, config)
    model = SiteModel(version, base_model, heads, verified, config.word_bits, config.base_languages)
    cand_eval = evaluate(model, hold, base_policy)
    usable_current = current if current is not None and current.base_model == base_model else None
    cur_eval = evaluate(usable_current, hold, base_policy)
    promote, why = (
        better(cand_eval, cur_eval) if verified else (False, "no band could be shown on the held-out decisions")
    )
    report.update(
        {
            "promoted": promote,
            "why": why,
            "bands_proposed": {k: v.to_dict() for k, v in chosen.items()},
            "bands": {k: v.to_dict() for k, v in verified.items()},
            "checks": checks,
            "holdout_candidate": cand_eval,
            "holdout_current": cur_eval,
            "current": usable_current.name if usable_current else "shipped bands",
            "changes": _changes(usable_current, model),
            "heads": sorted(heads),
        }
    )
    return LearnResult(model, promote, report)


def _verify(
    model: SiteModel, hold: Sequence[LabelledExample], base_policy: Any, config: LearnConfig
) -> tuple[dict[str, LangBands], list[dict[str, Any]]]:
    """Keep each proposed band only where the held-out decisions show it keeps its error."""
    checks, out = [], {}
    by_lang: dict[str, list[LabelledExample]] = {}
    for e in hold:
        by_lang.setdefault(lang_key(e.lang), []).append(e)
    for lang, bands in model.bands.items():
        rows = by_lang.get(lang, [])
        approve = None
        if bands.approve_below is not None:
            only = SiteModel(
                model.version,
                model.base_model,
                model.heads,
                {lang: LangBands(bands.approve_below)},
                model.word_bits,
                (),
            )
            figures = evaluate(only, rows, base_policy)
            ok = figures["approved"] >= config.min_band_rows and figures["approve_error"] <= APPROVE_ERROR
            checks.append(
                {
                    "lang": lang,
                    "band": "approve",
                    "threshold": bands.approve_below,
                    "held_out_approved": figures["approved"],
                    "error": figures["approve_error"],
                    "kept": ok,
                }
            )
            approve = bands.approve_below if ok else None
        reject = {}
        for cat, threshold in bands.reject.items():
            scored = [
                (model.heads[cat].probability(e.base_scores, lang, hashed_words(e.text, model.word_bits)), e.rejected)
                for e in rows
            ]
            hits = [r for p, r in scored if p >= threshold]
            precision = sum(hits) / len(hits) if hits else 0.0
            ok = len(hits) >= config.min_reject_rows and precision >= REJECT_PRECISION
            checks.append(
                {
                    "lang": lang,
                    "band": f"reject:{cat}",
                    "threshold": threshold,
                    "held_out_rejected": len(hits),
                    "precision": round(precision, 4),
                    "kept": ok,
                }
            )
            if ok:
                reject[cat] = threshold
        if approve is not None or reject:
            out[lang] = LangBands(approve, reject)
    return out, checks


def _changes(current: SiteModel | None, new: SiteModel) -> list[dict[str, Any]]:
    """Band by band, what the new model changes against the current one (None = shipped bands)."""
    out = []
    old = current.bands if current is not None else {}
    for lang in sorted(set(old) | set(new.bands)):
        a, b = old.get(lang, LangBands()), new.bands.get(lang, LangBands())
        if a.approve_below != b.approve_below:
            out.append({"lang": lang, "band": "approve", "from": a.approve_below, "to": b.approve_below})
        for cat in sorted(set(a.reject) | set(b.reject)):
            if a.reject.get(cat) != b.reject.get(cat):
                out.append({"lang": lang, "band": f"reject:{cat}", "from": a.reject.get(cat), "to": b.reject.get(cat)})
    return out
