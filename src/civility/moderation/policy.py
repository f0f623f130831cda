"""The publisher's policy: per category three bands (approve below ``approve_below``, reject at or
above ``reject_above``, human review between), a hold-everything switch, per-site and
per-article overrides laid over the defaults, and a version string stored with every decision.
Also how the default bands are chosen from labelled scores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np

from civility.domain import CATEGORIES
from civility.errors import ValidationError

NEVER = 1.01  # a reject_above no probability reaches: this category never rejects on its own
TARGET_REJECT_PRECISION = 0.95
TARGET_APPROVE_MISS = 0.02
MIN_POSITIVES_TO_CHOOSE = 30
FALLBACK_BAND = (0.5, NEVER)  # categories with too few labelled positives to choose from
# toxic is the data's umbrella label, not a rule a moderator can cite: it sends to review, and a
# rejection always names the specific rule (profanity, threat, insult, ... spam)
REVIEW_ONLY = frozenset({"toxic", "off_topic"})
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
OFF_TOPIC_BAND = (0.7, NEVER)  # off_topic alone sends to review, never rejects


@dataclass(frozen=True)
class Band:
    approve_below: float
    reject_above: float

    def to_dict(self) -> dict[str, float]:
        return {"approve_below": self.approve_below, "reject_above": self.reject_above}


def _band_from(category: str, value: Any, origin: str) -> Band:
    if not isinstance(value, Mapping):
        raise ValidationError({f"{origin}.{category}": "expected {approve_below, reject_above}"})
    unknown = set(value) - {"approve_below", "reject_above"}
    if unknown:
        raise ValidationError({f"{origin}.{category}": f"unknown key(s): {', '.join(sorted(unknown))}"})
    out = {}
    for key in ("approve_below", "reject_above"):
        if key not in value:
            raise ValidationError({f"{origin}.{category}.{key}": "missing"})
        v = value[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= float(v) <= NEVER:
            raise ValidationError({f"{origin}.{category}.{key}": f"must be a number in [0, {NEVER}]"})
        out[key] = float(v)
    if out["approve_below"] > out["reject_above"]:
        raise ValidationError({f"{origin}.{category}": "approve_below must not exceed reject_above"})
    return Band(**out)


@dataclass(frozen=True)
class Policy:
    bands: Mapping[str, Band]
    hold_all: bool = False
    layers: tuple[str, ...] = field(default=("default",))

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", MappingProxyType(dict(self.bands)))

    @classmethod
    def from_thresholds(cls, thresholds: Mapping[str, Any], *, name: str = "default") -> "Policy":
        bands = {c: Band(*FALLBACK_BAND) for c in CATEGORIES}
        bands["off_topic"] = Band(*OFF_TOPIC_BAND)
        for cat, value in thresholds.items():
            if cat not in CATEGORIES:
                raise ValidationError({f"{name}.{cat}": "not a category"})
            if isinstance(value, Mapping):  # the manifest also records how a band was chosen
                value = {k: v for k, v in value.items() if k in ("approve_below", "reject_above")}
            bands[cat] = _band_from(cat, value, name)
        return cls(bands, False, (name,))

    def overlay(self, overrides: Mapping[str, Any] | None, *, name: str) -> "Policy":
        """A new policy with ``overrides`` laid over this one. Shape:
        ``{"hold_all": bool, "thresholds": {category: {approve_below, reject_above}}}``
        (a category may give just one of the two keys)."""
        if not overrides:
            return self
        unknown = set(overrides) - {"hold_all", "thresholds"}
        if unknown:
            raise ValidationError({name: f"unknown key(s): {', '.join(sorted(unknown))}"})
        hold_all = self.hold_all
        if "hold_all" in overrides:
            if not isinstance(overrides["hold_all"], bool):
                raise ValidationError({f"{name}.hold_all": "must be true or false"})
            hold_all = overrides["hold_all"]
        bands = dict(self.bands)
        thresholds = overrides.get("thresholds") or {}
        if not isinstance(thresholds, Mapping):
            raise ValidationError({f"{name}.thresholds": "expected a mapping of category -> band"})
        for cat, value in thresholds.items():
            if cat not in CATEGORIES:
                raise ValidationError({f"{name}.thresholds.{cat}": "not a category"})
            merged = {**bands[cat].to_dict(), **(value if isinstance(value, Mapping) else {"?": value})}
            bands[cat] = _band_from(cat, merged, f"{name}.thresholds")
        return Policy(bands, hold_all, (*self.layers, name))

    def for_context(self, site: Mapping[str, Any] | None = None, article: Mapping[str, Any] | None = None) -> "Policy":
        """Defaults < site overrides < article overrides."""
        return self.overlay(site, name="site").overlay(article, name="article")

    @cached_property
    def version(self) -> str:
        """Stable id of the effective settings: the same bands give the same version."""
        body = json.dumps(
            {"hold_all": self.hold_all, "bands": {c: b.to_dict() for c, b in sorted(self.bands.items())}},
            sort_keys=True,
        )
        return f"policy-{hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()[:10]}"

    def decide(self, scores: Mapping[str, float | None]) -> tuple[str, list[str]]:
        """('approve'|'reject'|'review', categories at or over their review threshold)."""
        flagged, reject = [], False
        for cat, score in scores.items():
            if score is None or cat not in self.bands:
                continue
            band = self.bands[cat]
            if score >= band.approve_below:
                flagged.append(cat)
                if score >= band.reject_above and cat not in REVIEW_ONLY:
                    reject = True
        if self.hold_all:
            return "review", flagged
        if reject:
            return "reject", flagged
        return ("review" if flagged else "approve"), flagged


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
