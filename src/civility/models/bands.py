"""Choosing the default policy bands for a news stream: labelled tuning rows are reweighted to a
stated base rate (the share of comments that break a rule), and each automatic band is set so
that, at that rate, its stated error holds:

- a category auto-rejects only where at least ``reject_precision`` of its rejections (weighted)
  break a rule, with at least ``MIN_REJECTIONS`` labelled rejections behind the figure; a
  category that cannot reach it never rejects on its own (it sends to review);
- the approve thresholds share one quantile of each category's positives, the largest for which
  auto-approved comments (weighted) hold at most ``approve_breaking`` that break a rule.

A band's error is a share of the comments that band decides, so it depends on how common rule
breaking is: a threshold 95% precise on a set where three comments in four are abusive is mostly
wrong on a news stream where a few in a hundred are. Reweighting each source separately keeps a
source's own mix of civil and abusive comments from setting the rate."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from civility.moderation.policy import NEVER

DEFAULT_BASE_RATE = 0.03  # a few comments in a hundred break a rule on a news site (see BENCHMARKS.md)
REJECT_PRECISION = 0.97
APPROVE_BREAKING = 0.01
MIN_REJECTIONS = 10
REJECT_FLOOR = 0.5


def base_rate_weights(any_label: np.ndarray, groups: Sequence[str], rate: float) -> np.ndarray:
    """Per-row weights: within each group (a source, or a tuning file), rows that break a rule
    weigh ``rate`` in all and rows known not to weigh ``1 - rate``; rows with an unknown answer
    get weight 0. Every group weighs the same in all (a small news file counts as much as a large
    tweet file)."""
    if not 0.0 < rate < 1.0:
        raise ValueError("a base rate is a share strictly between 0 and 1")
    any_label = np.asarray(any_label, dtype=float)
    group_of = np.asarray(list(groups), dtype=object)
    w = np.zeros(len(any_label))
    for g in dict.fromkeys(group_of.tolist()):
        m = group_of == g
        pos = m & (any_label == 1)
        neg = m & (any_label == 0)
        if pos.any():
            w[pos] = rate / pos.sum()
        if neg.any():
            w[neg] = (1.0 - rate) / neg.sum()
    return w


def reject_threshold(
    p: np.ndarray,
    right: np.ndarray,
    w: np.ndarray,
    precision: float = REJECT_PRECISION,
    min_rejections: int = MIN_REJECTIONS,
    groups: Sequence[str] | None = None,
) -> float:
    """Lowest threshold t (>= REJECT_FLOOR) at which the rejections {p >= t}, and those at every
    higher threshold, are at least ``precision`` right (weighted) in every group (a tuning file
    reweighted on its own: a threshold precise on tweets but not on news comments fails); NEVER
    when no threshold is. ``right``: 1/0/NaN per row."""
    known = ~np.isnan(right) & (w > 0)
    group_of = np.asarray(list(groups) if groups is not None else ["all"] * len(p), dtype=object)
    p, right, w, group_of = p[known], right[known], w[known], group_of[known]
    if len(p) < min_rejections:
        return NEVER
    order = np.argsort(-p, kind="stable")
    p, right, w, group_of = p[order], right[order], w[order], group_of[order]
    count = np.arange(1, len(p) + 1)
    precise = np.ones(len(p), dtype=bool)
    for g in dict.fromkeys(group_of.tolist()):
        m = group_of == g
        good = np.cumsum(np.where(m, w * right, 0.0))
        judged = np.cumsum(np.where(m, w, 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            prec = np.where(judged > 0, good / np.where(judged > 0, judged, 1.0), 1.0)
        precise &= prec >= precision
    # a threshold is a distinct score: only the last row of each run of ties counts
    last_of_tie = np.r_[p[1:] != p[:-1], True]
    counted = (count >= min_rejections) & last_of_tie
    bad = np.flatnonzero(counted & ~precise)
    candidates = np.flatnonzero(counted & precise & (p >= REJECT_FLOOR))
    if bad.size:
        candidates = candidates[candidates < bad[0]]
    if not candidates.size:
        return NEVER
    return float(np.ceil(p[candidates[-1]] * 1e4) / 1e4)


def approved_mask(probs: np.ndarray, approve: Sequence[float]) -> np.ndarray:
    ok = np.ones(len(probs), dtype=bool)
    for j, t in enumerate(approve):
        col = probs[:, j]
        ok &= ~(np.nan_to_num(col, nan=-1.0) >= t)
    return ok


def choose(
    probs: np.ndarray,
    labels: np.ndarray,
    any_label: np.ndarray,
    weights: np.ndarray,
    categories: Sequence[str],
    *,
    review_only: frozenset[str] = frozenset(),
    groups: Sequence[str] | None = None,
    reject_right: dict[str, np.ndarray] | None = None,
    reject_precision: float = REJECT_PRECISION,
    approve_breaking: float = APPROVE_BREAKING,
    min_positives: int = 30,
    max_quantile: float = 0.9,
) -> dict[str, dict[str, Any]]:
    """Bands {category: {approve_below, reject_above, ...how it was chosen}} at the weights' rate."""
    out: dict[str, dict[str, Any]] = {}
    chosen = []
    for j, cat in enumerate(categories):
        y = labels[:, j]
        n_pos = int(np.nansum(y == 1))
        right = (reject_right or {}).get(cat, any_label)
        # a category with too few positives to show its error never rejects on its own
        enough = n_pos >= min_positives
        reject = (
            NEVER
            if cat in review_only or not enough
            else reject_threshold(probs[:, j], right, weights, reject_precision, groups=groups)
        )
        out[cat] = {"approve_below": 0.5, "reject_above": reject, "positives": n_pos, "chosen": n_pos >= min_positives}
        if n_pos >= min_positives:
            chosen.append(j)
    if not chosen:
        return out
    pos_sorted = {j: np.sort(probs[labels[:, j] == 1, j]) for j in chosen}

    def at(qs: dict[int, float]) -> list[float]:
        th = [out[c]["approve_below"] for c in categories]
        for j in chosen:
            pos = pos_sorted[j]
            th[j] = float(np.floor(pos[min(int(qs[j] * len(pos)), len(pos) - 1)] * 1e4) / 1e4)
        return th

    known = ~np.isnan(any_label) & (weights > 0)

    # the target holds in every tuning group (a news file and a tweet file), not only on average
    group_of = np.asarray(list(groups) if groups is not None else ["all"] * len(probs), dtype=object)
    masks = [group_of == g for g in dict.fromkeys(group_of.tolist())]

    def share(ok: np.ndarray) -> float:
        worst = 0.0
        for m in masks:
            sel = ok & m
            total = weights[sel].sum()
            if total > 0:
                worst = max(worst, float((weights[sel] * (any_label[sel] == 1)).sum() / total))
        return worst

    def breaking(th: list[float]) -> float:
        return share(approved_mask(probs, th) & known)

    # Start from one quantile for all (the largest that keeps the target), then walk: at each step
    # raise the one category whose next quantile step approves the most comments per rule-breaking
    # comment let through, while the target still holds. Categories differ in how well they
    # separate civil from breaking comments; one shared quantile spends the error budget evenly.
    lo, hi = 0.0, max_quantile
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if breaking(at(dict.fromkeys(chosen, mid))) <= approve_breaking else (lo, mid)
    q = {j: lo for j in chosen}

    def approved_weight(th: list[float]) -> tuple[float, float]:
        ok = approved_mask(probs, th) & known
        return float(weights[ok].sum()), float((weights[ok] * (any_label[ok] == 1)).sum())

    step = 0.01
    current = approved_weight(at(q))
    for _ in range(int(max_quantile / step) * len(chosen)):
        best_move, best_ratio = None, np.inf
        for j in chosen:
            if q[j] + step > max_quantile:
                continue
            trial = {**q, j: q[j] + step}
            th = at(trial)
            w_all, w_bad = approved_weight(th)
            gained, bad = w_all - current[0], w_bad - current[1]
            if gained <= 0 or breaking(th) > approve_breaking:
                continue
            ratio = bad / gained
            if ratio < best_ratio:
                best_move, best_ratio = j, ratio
        if best_move is None:
            break
        q[best_move] += step
        current = approved_weight(at(q))
    best = at(q)
    for j in chosen:
        cat = categories[j]
        out[cat]["approve_below"] = best[j]
        out[cat]["quantile"] = round(q[j], 4)
        out[cat]["reject_above"] = max(out[cat]["reject_above"], best[j])
    return out


def choose_single(
    p: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    min_positives: int = 30,
    approve_miss: float = 0.05,
    reject_precision: float = REJECT_PRECISION,
    groups: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A band for a category judged on its own labels (spam: labelled in one source only, outside
    the abuse umbrella): reject where its rejections are ``reject_precision`` right at the base
    rate; approve below the score under which ``approve_miss`` of its positives fall."""
    known = ~np.isnan(y)
    n_pos = int(np.sum(y[known] == 1))
    if n_pos < min_positives:
        return {"approve_below": 0.5, "reject_above": NEVER, "positives": n_pos, "chosen": False}
    reject = reject_threshold(p, y, w, reject_precision, groups=groups)
    pos = np.sort(p[known & (y == 1)])
    approve = float(np.floor(pos[int(approve_miss * len(pos))] * 1e4) / 1e4)
    return {"approve_below": approve, "reject_above": max(reject, approve), "positives": n_pos, "chosen": True}


def raise_union_floor(
    bands: dict[str, dict[str, Any]],
    probs: np.ndarray,
    any_label: np.ndarray,
    w: np.ndarray,
    categories: Sequence[str],
    *,
    exclude: Sequence[str] = (),
    precision: float = REJECT_PRECISION,
    groups: Sequence[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each category's rejections may be precise enough while their union is not: raise one
    common floor under the reject thresholds until the union is, in every group (categories in
    ``exclude`` are judged on their own labels)."""
    idx = [j for j, c in enumerate(categories) if c not in exclude and bands[c]["reject_above"] < NEVER]
    known = ~np.isnan(any_label) & (w > 0)
    group_of = np.asarray(list(groups) if groups is not None else ["all"] * len(probs), dtype=object)
    floor = REJECT_FLOOR
    while floor < 1.0:
        rejected = np.zeros(len(probs), dtype=bool)
        for j in idx:
            rejected |= np.nan_to_num(probs[:, j], nan=-1.0) >= max(bands[categories[j]]["reject_above"], floor)
        ok = True
        for g in dict.fromkeys(group_of.tolist()):
            judged = rejected & known & (group_of == g)
            if judged.any() and (w[judged] * (any_label[judged] == 1)).sum() / w[judged].sum() < precision:
                ok = False
        if ok:
            break
        floor = round(floor + 0.02, 2)
    if floor >= 1.0:
        floor = NEVER
    for j in idx:
        band = bands[categories[j]]
        if band["reject_above"] < floor:
            bands[categories[j]] = {**band, "reject_above": floor, "union_floor": floor}
    return bands


def band_errors(
    decisions: np.ndarray, any_label: np.ndarray, weights: np.ndarray, reject_right: np.ndarray | None = None
) -> dict[str, Any]:
    """Automation and per-band error of decisions at the weights' base rate."""
    known = ~np.isnan(any_label) & (weights > 0)
    total = weights[known].sum()
    appr = (decisions == "approve") & known
    rej = (decisions == "reject") & known
    # a rejection is judged as evaluate judges it (reject_right: a spam rejection of a comment
    # whose source never labelled spam is unknown, not wrong); without it, by any_label
    right = any_label if reject_right is None else reject_right
    judged_rej = rej & ~np.isnan(right)
    out = {
        "automation_rate": float(weights[appr | rej].sum() / total) if total else None,
        "approve_rate": float(weights[appr].sum() / total) if total else None,
        "reject_rate": float(weights[rej].sum() / total) if total else None,
        "approve_error": float((weights[appr] * (any_label[appr] == 1)).sum() / weights[appr].sum())
        if appr.any()
        else None,
        "reject_error": float((weights[judged_rej] * (right[judged_rej] == 0)).sum() / weights[judged_rej].sum())
        if judged_rej.any()
        else None,
        "civil_rejected": None,
        "rows": int(known.sum()),
    }
    neg = known & (any_label == 0)
    if neg.any():
        out["civil_rejected"] = float((rej & neg).sum() / neg.sum())
    return out
