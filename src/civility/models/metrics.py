"""Figures of a scored, labelled set: ROC-AUC, average precision, precision/recall at a
threshold, the reliability (calibration) table, and what each automatic band decides."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def labelled(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Only rows whose label is known (NaN = null = not annotated)."""
    keep = ~np.isnan(y)
    return p[keep], y[keep].astype(int)


def auc_ap(p: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    p, y = labelled(p, y)
    if len(y) == 0 or y.min() == y.max():
        return None, None
    return float(roc_auc_score(y, p)), float(average_precision_score(y, p))


def precision_recall_at(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float | None]:
    p, y = labelled(p, y)
    flagged = p >= threshold
    tp = int(np.sum(flagged & (y == 1)))
    precision = tp / int(flagged.sum()) if flagged.any() else None
    recall = tp / int(y.sum()) if y.sum() else None
    return {"threshold": float(threshold), "flagged": int(flagged.sum()), "precision": precision, "recall": recall}


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Per probability bin: rows, mean predicted probability, observed share of positives."""
    p, y = labelled(p, y)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        m = which == b
        if not m.any():
            continue
        table.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "n": int(m.sum()),
                "mean_predicted": float(p[m].mean()),
                "observed": float(y[m].mean()),
            }
        )
    return table


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float | None:
    table = reliability(p, y, bins)
    n = sum(r["n"] for r in table)
    if not n:
        return None
    return float(sum(r["n"] * abs(r["mean_predicted"] - r["observed"]) for r in table) / n)


def bands(decisions: np.ndarray, any_label: np.ndarray, reject_right: np.ndarray | None = None) -> dict[str, Any]:
    """Automation of a set of decisions ('approve'/'reject'/'review' per row).

    ``any_label``: 1 if the row carries any label, 0 if it carries none, NaN if unknown.
    Approve error = labelled-positive rows auto-approved / auto-approved rows with a known answer;
    reject error = wrongly rejected rows among auto-rejected rows with a known answer, where
    ``reject_right`` says per rejected row 1 (right) / 0 (wrong) / NaN (unknown); without it a
    rejection is right when the row carries a label and wrong when it is known to carry none;
    approve miss rate = labelled-positive rows auto-approved / all labelled-positive rows."""
    n = len(decisions)
    known = ~np.isnan(any_label)
    pos = known & (any_label == 1)
    appr = decisions == "approve"
    rej = decisions == "reject"
    if reject_right is None:
        reject_right = np.where(rej, any_label, np.nan)
    judged = rej & ~np.isnan(reject_right)
    out = {
        "n": n,
        "automation_rate": float((appr | rej).sum() / n) if n else None,
        "approve_rate": float(appr.sum() / n) if n else None,
        "reject_rate": float(rej.sum() / n) if n else None,
        "review_rate": float((~appr & ~rej).sum() / n) if n else None,
        "approve_error": float((appr & pos).sum() / (appr & known).sum()) if (appr & known).any() else None,
        "reject_error": float(np.sum(reject_right[judged] == 0) / judged.sum()) if judged.any() else None,
        "approve_miss_rate": float((appr & pos).sum() / pos.sum()) if pos.any() else None,
    }
    return out
