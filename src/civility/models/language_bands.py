"""Choosing the policy's language layer on labelled comments in several languages (e.g.
multilingual_dev.jsonl.gz): a language the model judges well gets its own bands, one it judges
badly stays in review, and one never measured stays in review too. Stored in the model manifest
as ``language_thresholds``; ``civility language-bands`` writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from civility.models.data import fingerprint
from civility.models.metrics import auc_ap
from civility.moderation import artifact as artifact_io
from civility.moderation.policy import ANY_LANGUAGE, NEVER, Policy

LANGUAGE_MIN_AUC = 0.80  # a language judged worse than this stays in review
MIN_POSITIVES_TO_CHOOSE = 30  # fewer labelled positives in a language cannot show a band's error
TARGET_APPROVE_MISS = 0.02  # of a language's labelled positives, at most this share auto-approved
SEPARATE_BANDS = frozenset({"spam"})  # judged on its own labels: keeps the default band


def choose_language_layer(
    scores: np.ndarray,
    any_label: np.ndarray,
    langs: np.ndarray,
    categories: Sequence[str],
    base: Policy,
    *,
    default_languages: Sequence[str] = ("en", "und"),
    min_auc: float = LANGUAGE_MIN_AUC,
    min_rows: int = 200,
) -> dict[str, dict[str, Any]]:
    """The language layer chosen on labelled rows of several languages (scores as the engine
    reports them, columns in ``categories`` order; ``any_label`` 1/0/NaN; ``langs`` per row).

    A language whose toxic ROC-AUC is under ``min_auc`` (or with too few rows) stays in review
    (hold_all). One the model judges well gets its own toxic approve band (<= 2% of its labelled
    comments auto-approved, counting every category's band); toxic still never rejects (it
    names no rule), and the specific abuse heads, which have no labels in that language to be
    judged on, send to review only when more likely than not (0.5) and never reject. Spam and
    off_topic keep the default bands. ``default_languages`` (the base dev's) keep the defaults;
    every other language ("*") stays in review."""
    layer: dict[str, dict[str, Any]] = {lang: {} for lang in default_languages}
    layer[ANY_LANGUAGE] = {"hold_all": True, "why": "not measured: no labelled comments in this language"}
    idx = {c: j for j, c in enumerate(categories)}
    if "toxic" not in idx:
        return layer
    for lang in sorted(set(langs) - set(default_languages)):
        m = langs == lang
        y = any_label[m]
        known = ~np.isnan(y)
        tox = scores[m, idx["toxic"]]
        n_pos = int(np.nansum(y))
        if int(known.sum()) < min_rows or n_pos < MIN_POSITIVES_TO_CHOOSE or n_pos == int(known.sum()):
            layer[lang] = {"hold_all": True, "why": f"too few labelled comments ({int(known.sum())}, {n_pos} positive)"}
            continue
        auc = auc_ap(tox[known], y[known])[0] or 0.0
        if auc < min_auc:
            layer[lang] = {"hold_all": True, "why": f"toxic ROC-AUC {auc:.3f} < {min_auc}: the model judges it poorly"}
            continue
        thresholds: dict[str, dict[str, float]] = {}
        for cat in categories:
            if cat in ("toxic", "off_topic") or cat in SEPARATE_BANDS:
                continue
            thresholds[cat] = {"approve_below": 0.5, "reject_above": NEVER}
        others = np.ones(int(m.sum()), dtype=bool)
        for cat, band in thresholds.items():
            others &= ~(scores[m, idx[cat]] >= band["approve_below"])
        for cat in SEPARATE_BANDS & set(idx):
            others &= ~(scores[m, idx[cat]] >= base.bands[cat].approve_below)
        pos = np.sort(tox[y == 1])
        k = int(np.floor(TARGET_APPROVE_MISS * n_pos))
        approve = float(np.floor(pos[k] * 1e4) / 1e4)
        while approve > 0:
            approved = (tox < approve) & others
            if np.sum(approved & (y == 1)) <= TARGET_APPROVE_MISS * n_pos:
                break
            approve = float(np.floor((approve - 1e-4) * 1e4) / 1e4)
        thresholds["toxic"] = {"approve_below": max(approve, 0.0), "reject_above": NEVER}
        layer[lang] = {"thresholds": thresholds, "why": f"toxic ROC-AUC {auc:.3f}: its own bands"}
    return layer


def choose_for_model(
    model_dir: str | Path | None, rows: Iterable[dict[str, Any]], data_path: str | Path
) -> dict[str, Any]:
    """Score ``rows`` with the model at its default bands (no language layer), choose the layer,
    and write it into the model's manifest (only the manifest changes)."""
    from civility.models.evaluate import score_rows
    from civility.moderation.classifier import Classifier
    from civility.moderation.pipeline import ModerationEngine

    path = Path(model_dir) if model_dir else artifact_io.default_model_dir()
    classifier = Classifier.load(path)
    moderator = ModerationEngine(classifier, None)
    base = Policy.from_thresholds(classifier.artifact.manifest.get("thresholds", {}))
    scored = score_rows(moderator, rows, policy=base)
    layer = choose_language_layer(scored["scores"], scored["any_label"], scored["langs"], scored["categories"], base)
    manifest_path = path / artifact_io.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["language_thresholds"] = layer
    manifest["language_dev"] = {
        "file": Path(data_path).name,
        "sha256": fingerprint(data_path),
        "rows": len(scored["langs"]),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return layer
