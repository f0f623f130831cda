"""Training the per-category linear heads: null labels masked, annotator fractions used as soft
targets, Platt calibration fitted on out-of-fold scores of the training set (never on dev),
policy thresholds chosen on dev. Deterministic for a given seed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from civility.domain import CATEGORIES
from civility.models.data import HARD_ONLY
from civility.moderation.features import Featurizer
from civility.moderation.heads import STACK_FROM, STACK_SCALE, Heads

log = logging.getLogger(__name__)

MODEL_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "off_topic")


@dataclass
class TrainConfig:
    seed: int = 13
    # inverse regularisation per head, chosen on dev (C in {0.4, 1, 4, 12}); stronger
    # regularisation than the usual 4 generalised better for every head but spam
    C: dict[str, float] = field(default_factory=lambda: {"insult": 0.5, "spam": 4.0})
    default_C: float = 1.0
    cv_folds: int = 3
    min_df: int = 2
    stack: bool = False  # feed the (out-of-fold) toxic score to the other heads (no dev gain measured)
    # Heads that also see the static sentence vector (moderation/embedding.py), with the scale of
    # that block (a larger scale = weaker regularisation of it), chosen on dev from {1, 2, 4}:
    # identity attacks gain; toxic, insult and profanity lose a little, so they do without. Threat
    # gained on dev too but then sent many civil comments on war and crime to review (the vector
    # reads "strike" and "casualties" as violence), so threat does without as well. The identity
    # refinements follow identity_attack. The figures: BENCHMARKS.md, "Moderation engine".
    # weight of each training row by its source (default 1): news comments, the product's own
    # domain, count more than tweets (see BENCHMARKS.md, "News comments", for the choice)
    source_weight: dict[str, float] = field(default_factory=dict)
    embedding_scale: dict[str, float] = field(
        default_factory=lambda: {
            "identity_attack": 4.0,
            "sexism": 4.0,
            "racism": 4.0,
            "homophobia": 4.0,
            "xenophobia": 4.0,
            "religious_hate": 4.0,
        }
    )


def label_matrix(rows: Sequence[dict[str, Any]], categories: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(labels with NaN for null, annotator fractions with NaN where absent), each (n, k)."""
    y = np.full((len(rows), len(categories)), np.nan)
    s = np.full((len(rows), len(categories)), np.nan)
    for i, r in enumerate(rows):
        labels = r.get("labels") or {}
        scores = r.get("scores") or {}
        hard = HARD_ONLY.get(r.get("source", ""), frozenset())
        for j, c in enumerate(categories):
            v = labels.get(c)
            if v is not None:
                y[i, j] = float(v)
                if c not in hard and scores.get(c) is not None:
                    s[i, j] = float(scores[c])
    return y, s


def _design(
    idx: np.ndarray, y: np.ndarray, s: np.ndarray, row_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, targets and weights for one head: a row with a fraction f appears twice,
    as a positive with weight f and a negative with weight 1 - f (null rows never appear);
    ``row_weight`` (per row, e.g. by source) multiplies both."""
    idx = idx[~np.isnan(y[idx])]
    soft = idx[~np.isnan(s[idx])]
    hard = idx[np.isnan(s[idx])]
    rows = np.concatenate([hard, soft, soft])
    target = np.concatenate([y[hard], np.ones(len(soft)), np.zeros(len(soft))])
    weight = np.concatenate([np.ones(len(hard)), s[soft], 1.0 - s[soft]])
    if row_weight is not None:
        weight = weight * row_weight[rows]
    keep = weight > 0
    return rows[keep], target[keep], weight[keep]


def _fit_one(
    x: sp.csr_matrix,
    y: np.ndarray,
    s: np.ndarray,
    idx: np.ndarray,
    C: float,
    seed: int,
    row_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    rows, target, weight = _design(idx, y, s, row_weight)
    if len(np.unique(target)) < 2:
        # a category with one class in this fold cannot be learned: predict its base rate
        rate = float(np.average(target, weights=weight)) if len(target) else 0.0
        rate = min(max(rate, 1e-4), 1 - 1e-4)
        return np.zeros(x.shape[1], dtype=np.float32), float(np.log(rate / (1 - rate)))
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=500, random_state=seed)
    clf.fit(x[rows], target, sample_weight=weight)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def _platt(
    z: np.ndarray, y: np.ndarray, s: np.ndarray, seed: int, row_weight: np.ndarray | None = None
) -> tuple[float, float]:
    rows, target, weight = _design(np.arange(len(z)), y, s, row_weight)
    if len(np.unique(target)) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000, random_state=seed)
    clf.fit(z[rows, None], target, sample_weight=weight)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def fit_heads(
    x: sp.csr_matrix,
    rows: Sequence[dict[str, Any]],
    config: TrainConfig,
    categories: Sequence[str] = MODEL_CATEGORIES,
    progress: Callable[[str], None] = lambda msg: None,
    dense: np.ndarray | None = None,
) -> Heads:
    """One head per category. ``dense`` (n, dims): the sentence vectors, seen by the heads named
    in ``config.embedding_scale`` (their block scaled by it; the scale is folded into the weights)."""
    y, s = label_matrix(rows, categories)
    n, n_features = x.shape
    row_weight = None
    if config.source_weight:
        row_weight = np.array([config.source_weight.get(r.get("source", ""), 1.0) for r in rows], dtype=float)
    # fit on the columns in use only (most hashed columns are empty): same model, much faster
    active = np.flatnonzero(np.bincount(x.indices, minlength=n_features))
    x = x[:, active].tocsr()
    rng = np.random.default_rng(config.seed)
    fold = rng.integers(0, config.cv_folds, size=n)
    k = len(categories)
    coef = np.zeros((n_features, k), dtype=np.float32)
    emb_coef = np.zeros((dense.shape[1], k), dtype=np.float32) if dense is not None else None
    intercept = np.zeros(k)
    calib = np.zeros((k, 2))
    all_idx = np.arange(n)
    stack = np.zeros(k)
    stacked_column = None
    for j, cat in enumerate(categories):
        C = config.C.get(cat, config.default_C)
        scale = config.embedding_scale.get(cat, 0.0) if dense is not None else 0.0
        blocks = (
            [x]
            + ([sp.csr_matrix(dense * scale)] if scale else [])
            + ([stacked_column] if stacked_column is not None else [])
        )
        xj = x if len(blocks) == 1 else sp.hstack(blocks, format="csr")
        oof = np.zeros(n)
        for f in range(config.cv_folds):
            w, b = _fit_one(xj, y[:, j], s[:, j], all_idx[fold != f], C, config.seed, row_weight)
            held = all_idx[fold == f]
            oof[held] = xj[held] @ w + b
        calib[j] = _platt(oof, y[:, j], s[:, j], config.seed, row_weight)
        w, intercept[j] = _fit_one(xj, y[:, j], s[:, j], all_idx, C, config.seed, row_weight)
        coef[active, j] = w[: len(active)]
        if scale:
            emb_coef[:, j] = w[len(active) : len(active) + dense.shape[1]] * scale
        if stacked_column is not None:
            stack[j] = w[-1]
        if j == STACK_FROM and config.stack and categories[0] == "toxic":
            stacked_column = sp.csr_matrix((oof / STACK_SCALE)[:, None])
        progress(
            f"trained {cat} (C={C}, {int(np.sum(~np.isnan(y[:, j])))} labelled rows"
            + (f", sentence vector x{scale:g})" if scale else ")")
        )
    return Heads(tuple(categories), coef, intercept, calib, stack, emb_coef)


def build_features(texts: Sequence[str], min_df: int) -> tuple[Featurizer, sp.csr_matrix]:
    featurizer = Featurizer()
    counts = featurizer.counts(texts)
    featurizer.fit(counts, min_df=min_df)
    return featurizer, featurizer.weight(counts)
