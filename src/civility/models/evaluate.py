"""Evaluating a moderator on a labelled file: per category n, positives, ROC-AUC, average
precision, precision/recall at the policy bands, the reliability table; the automation rate and
the error rate of each automatic band; throughput; the same per language when not all English."""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping

import numpy as np

from civility.domain import Article, ModerationInput
from civility.models import bands as band_choice
from civility.models.metrics import auc_ap, bands, expected_calibration_error, precision_recall_at, reliability
from civility.moderation.pipeline import ModerationEngine
from civility.moderation.policy import Policy

CHUNK = 512


def any_label(labels: Mapping[str, Any], categories: Iterable[str]) -> float:
    """1 if the row carries any label, 0 if it is known to carry none (toxic == 0 and no
    positive), NaN if unknown (e.g. a ham YouTube comment never checked for abuse)."""
    values = [labels.get(c) for c in categories]
    if any(v == 1 for v in values):
        return 1.0
    if labels.get("toxic") == 0:
        return 0.0
    return float("nan")


def _rejection_right(verdict: Any, labels: Mapping[str, Any], carries: float, policy: Policy) -> float:
    """1 if a rejected row carries a label; 0 if it is known not to deserve the rejection: a spam
    rejection of a row labelled spam 0, an abuse rejection of a row labelled toxic 0 (the umbrella
    "would not be rejected"); NaN if unknown (e.g. a tweet rejected as spam: abuse sets never
    checked spam; a pre-selected post whose toxic label is null)."""
    if carries == 1:
        return 1.0
    rejecting = [r.category for r in verdict.reasons if r.score >= policy.bands[r.category].reject_above]
    wrong = [labels.get("spam") == 0 if c == "spam" else labels.get("toxic") == 0 for c in rejecting]
    return 0.0 if rejecting and all(wrong) else float("nan")


def score_rows(
    moderator: ModerationEngine,
    rows: Iterable[dict[str, Any]],
    articles: Mapping[str, Article] | None = None,
    policy: Policy | None = None,
) -> dict[str, Any]:
    """Verdicts for labelled rows, kept as arrays (scores, labels, decisions, langs)."""
    cats = list(moderator.default_policy.bands)
    effective = policy or moderator.default_policy
    scores, labels, decisions, langs, positives, reject_right, sources = [], [], [], [], [], [], []
    seconds = 0.0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal seconds
        items = [
            ModerationInput(
                text=r["text"],
                id=r.get("id"),
                lang=r.get("lang"),
                article=(articles or {}).get(str(r.get("article_id"))) if r.get("article_id") is not None else None,
            )
            for r in batch
        ]
        t0 = time.perf_counter()
        verdicts = moderator.verdicts(items, policy)
        seconds += time.perf_counter() - t0
        for r, v in zip(batch, verdicts):
            lab = r.get("labels") or {}
            scores.append([np.nan if v.scores.get(c) is None else v.scores[c] for c in cats])
            labels.append([np.nan if lab.get(c) is None else float(lab[c]) for c in cats])
            decisions.append(v.decision.value)
            langs.append(r.get("lang") or "unknown")
            sources.append(str(r.get("source") or "unknown"))
            positives.append(any_label(lab, [c for c in cats if c != "off_topic"]))
            reject_right.append(
                _rejection_right(v, lab, positives[-1], effective) if v.decision.value == "reject" else np.nan
            )
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    return {
        "categories": cats,
        "scores": np.array(scores, dtype=float).reshape(-1, len(cats)),
        "labels": np.array(labels, dtype=float).reshape(-1, len(cats)),
        "decisions": np.array(decisions, dtype=object),
        "langs": np.array(langs, dtype=object),
        "any_label": np.array(positives, dtype=float),
        "reject_right": np.array(reject_right, dtype=float),
        "sources": np.array(sources, dtype=object),
        "seconds": seconds,
    }


def _category_figures(p: np.ndarray, y: np.ndarray, policy: Policy, cat: str, with_tables: bool) -> dict[str, Any]:
    known = ~np.isnan(y) & ~np.isnan(p)
    auc, ap = auc_ap(p[known], y[known])
    band = policy.bands[cat]
    out: dict[str, Any] = {
        "n": int(known.sum()),
        "positives": int(np.nansum(y[known])),
        "roc_auc": auc,
        "average_precision": ap,
        "at_review_threshold": precision_recall_at(p[known], y[known], band.approve_below),
        "at_reject_threshold": precision_recall_at(p[known], y[known], band.reject_above),
    }
    if with_tables:
        out["calibration_error"] = expected_calibration_error(p[known], y[known])
        out["reliability"] = reliability(p[known], y[known])
    return out


def at_base_rate(scored: dict[str, Any], rate: float) -> dict[str, Any]:
    """Automation and the error of each automatic band with every source reweighted to ``rate``
    (the share of comments that break a rule; see models/bands.py)."""
    weights = band_choice.base_rate_weights(scored["any_label"], scored["sources"], rate)
    out = band_choice.band_errors(scored["decisions"], scored["any_label"], weights, scored["reject_right"])
    return {"base_rate": rate, **out}


def report(scored: dict[str, Any], policy: Policy, model: str, base_rate: float | None = None) -> dict[str, Any]:
    cats, s, y = scored["categories"], scored["scores"], scored["labels"]
    n = len(scored["decisions"])
    out: dict[str, Any] = {
        "model": model,
        "policy": policy.version,
        "rows": n,
        "categories": {},
        "automation": bands(scored["decisions"], scored["any_label"], scored["reject_right"]),
        "throughput_per_s": (n / scored["seconds"]) if scored["seconds"] > 0 else None,
    }
    if base_rate is not None:
        out["at_base_rate"] = at_base_rate(scored, base_rate)
    for j, cat in enumerate(cats):
        if np.all(np.isnan(y[:, j])):
            continue
        out["categories"][cat] = _category_figures(s[:, j], y[:, j], policy, cat, with_tables=True)
    langs = sorted(set(scored["langs"]))
    if any(lang != "en" for lang in langs):
        per_lang: dict[str, Any] = {}
        for lang in langs:
            m = scored["langs"] == lang
            entry: dict[str, Any] = {"rows": int(m.sum()), "categories": {}}
            for j, cat in enumerate(cats):
                if np.all(np.isnan(y[m, j])):
                    continue
                entry["categories"][cat] = _category_figures(s[m, j], y[m, j], policy, cat, with_tables=False)
            entry["automation"] = bands(scored["decisions"][m], scored["any_label"][m], scored["reject_right"][m])
            per_lang[lang] = entry
        out["languages"] = per_lang
    return out
