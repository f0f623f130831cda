"""Choosing the default policy bands from labelled dev scores (build time): per category the
lowest reject threshold whose auto-rejections are precise enough, and approve thresholds under
which few labelled comments fall. The runtime policy that applies them is
``civility.moderation.policy``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from civility.moderation.policy import FALLBACK_BAND, NEVER, REVIEW_ONLY, Band

TARGET_REJECT_PRECISION = 0.95
TARGET_APPROVE_MISS = 0.02
MIN_POSITIVES_TO_CHOOSE = 30
# spam is labelled in one source only (YouTube music videos), unlike the comments it will see,
# and outside the abuse umbrella: it keeps its own band (<= 2% of its positives auto-approved,
# rejections judged on its own labels with a stricter precision target)
SEPARATE_BANDS = frozenset({"spam"})
SEPARATE_APPROVE_MISS = 0.05  # of its own positives; the overall miss target still holds (reported)
SINGLE_SOURCE_REJECT_PRECISION = 0.99
MAX_QUANTILE = 0.25  # a category's reason shows for at least 75% of its dev positives
# dev is three-quarters abusive, so ">= 95% of auto-rejections carry a label" is reached at low
# scores there; a rejection also needs the category itself to be more likely than not
REJECT_FLOOR = 0.5


def _reject_threshold(p: np.ndarray, y: np.ndarray, target: float = TARGET_REJECT_PRECISION) -> float:
    keep = ~np.isnan(y)
    p, y = p[keep], y[keep].astype(int)
    if len(y) < 10:
        return NEVER
    order = np.argsort(-p, kind="stable")
    precision = np.cumsum(y[order]) / np.arange(1, len(y) + 1)
    good = np.flatnonzero(precision[9:] >= target) + 9  # at least 10 rejections
    return float(np.ceil(p[order][good[-1]] * 1e4) / 1e4) if len(good) else NEVER


def choose_band(
    p: np.ndarray, y: np.ndarray, y_reject: np.ndarray | None = None, reject_precision: float = TARGET_REJECT_PRECISION
) -> tuple[Band, dict[str, Any]]:
    """Lowest reject threshold whose auto-rejections are >= 95% precise, and highest approve
    threshold under which <= 2% of the positives fall. NaN labels are ignored.

    ``y_reject`` (optional, 1/0/NaN per row): what makes a rejection right, when that is wider
    than this category's label (a comment rejected as an insult that carries another label is
    still rightly rejected)."""
    reject_above = _reject_threshold(p, y if y_reject is None else y_reject, reject_precision)
    keep = ~np.isnan(y)
    p, y = p[keep], y[keep].astype(int)
    n_pos = int(y.sum())
    if n_pos < MIN_POSITIVES_TO_CHOOSE or n_pos == len(y):
        return Band(*FALLBACK_BAND), {"chosen": False, "positives": n_pos}
    pos_scores = np.sort(p[y == 1])
    k = int(np.floor(TARGET_APPROVE_MISS * n_pos))  # positives allowed below the threshold
    approve_below = float(pos_scores[k]) if k < n_pos else 1.0
    approve_below = float(np.floor(approve_below * 1e4) / 1e4)
    reject_above = min(max(reject_above, approve_below), NEVER)
    return Band(approve_below, reject_above), {"chosen": True, "positives": n_pos}


def choose_bands(probs: np.ndarray, labels: np.ndarray, any_label: np.ndarray, categories: Sequence[str]) -> dict[str, tuple[Band, dict[str, Any]]]:
    """Default bands for all categories at once.

    Reject: per category, the lowest threshold whose auto-rejections are >= 95% precise (never
    for REVIEW_ONLY). Approve: each category's threshold is the q-quantile of its positives'
    scores, with one q for all, the largest for which auto-approved comments hold <= 2% of the
    comments that carry any label (``any_label`` 1/0/NaN per row)."""
    out: dict[str, tuple[Band, dict[str, Any]]] = {}
    chosen = []
    for j, cat in enumerate(categories):
        if cat in SEPARATE_BANDS:
            band, info = choose_band(probs[:, j], labels[:, j], None, SINGLE_SOURCE_REJECT_PRECISION)
        else:
            band, info = choose_band(probs[:, j], labels[:, j], any_label)
        if cat in SEPARATE_BANDS and info["chosen"]:
            pos = np.sort(probs[labels[:, j] == 1, j])
            approve = float(np.floor(pos[int(SEPARATE_APPROVE_MISS * len(pos))] * 1e4) / 1e4)
            band = Band(approve, max(band.reject_above, approve))
        if info["chosen"] and band.reject_above < REJECT_FLOOR:
            band = Band(band.approve_below, REJECT_FLOOR)
        if cat in REVIEW_ONLY:
            band = Band(band.approve_below, NEVER)
        out[cat] = (band, info)
        if info["chosen"] and cat not in SEPARATE_BANDS:
            chosen.append(j)
    positives = any_label == 1
    if not chosen or not positives.any():
        return out

    def thresholds(q: float) -> dict[int, float]:
        res = {}
        for j in chosen:
            p, y = probs[:, j], labels[:, j]
            pos = np.sort(p[y == 1])
            res[j] = float(np.floor(pos[min(int(q * len(pos)), len(pos) - 1)] * 1e4) / 1e4)
        return res

    def miss(th: dict[int, float]) -> float:
        approved = np.ones(len(probs), dtype=bool)
        for j, cat in enumerate(categories):
            t = th.get(j, out[cat][0].approve_below)
            approved &= ~(probs[:, j] >= t)
        return float(np.sum(approved & positives) / np.sum(positives))

    lo, hi = 0.0, MAX_QUANTILE
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if miss(thresholds(mid)) <= TARGET_APPROVE_MISS else (lo, mid)
    best = thresholds(lo)
    for j in chosen:
        cat = categories[j]
        band, info = out[cat]
        approve = best[j]
        out[cat] = (Band(approve, max(band.reject_above, approve)), {**info, "quantile": round(lo, 4)})
    return _raise_reject_floor(out, probs, any_label, categories)


def _raise_reject_floor(out, probs, any_label, categories):
    """Each category's rejections may be >= 95% right while their union is not: raise one
    common floor under the abuse categories' reject thresholds until the union is."""
    known = ~np.isnan(any_label)
    floor = REJECT_FLOOR
    while floor < 1.0:
        rejected = np.zeros(len(probs), dtype=bool)
        for j, cat in enumerate(categories):
            band = out[cat][0]
            if cat not in SEPARATE_BANDS and band.reject_above < NEVER:  # spam is judged on its own labels
                rejected |= probs[:, j] >= max(band.reject_above, floor)
        judged = rejected & known
        if not judged.any() or any_label[judged].mean() >= TARGET_REJECT_PRECISION:
            break
        floor = round(floor + 0.05, 2)
    for cat in categories:
        band, info = out[cat]
        if cat not in SEPARATE_BANDS and band.reject_above < NEVER and band.reject_above < floor:
            out[cat] = (Band(band.approve_below, min(floor, NEVER)), {**info, "reject_floor": floor})
    return out
