"""Writing the model artifact that ``civility.moderation.artifact`` reads: the same layout
(``manifest.json``, ``weights.npz`` of plain arrays, ``tokenizer.json`` when heads use sentence
vectors), at build time only."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

from civility.moderation.artifact import FORMAT_VERSION, MANIFEST, WEIGHTS, ModelArtifact


def library_versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def save(artifact: ModelArtifact, directory: str | Path) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    feat, heads = artifact.featurizer, artifact.heads
    if feat.idf_ is None:
        raise ValueError("cannot save an unfitted featurizer")
    active = np.flatnonzero(feat.idf_).astype(np.int32)
    if (heads.emb_coef is None) != (artifact.vectors is None):
        raise ValueError("heads with a sentence-vector block need the token vectors, and only they")
    extra: dict[str, np.ndarray] = {}
    if artifact.vectors is not None and heads.emb_coef is not None:
        extra = {**artifact.vectors.save(out), "emb_coef": heads.emb_coef.astype(np.float32)}
    np.savez_compressed(
        out / WEIGHTS,
        active=active,
        idf=feat.idf_[active].astype(np.float32),
        coef=heads.coef[active].astype(np.float16),
        intercept=heads.intercept.astype(np.float64),
        calib=heads.calib.astype(np.float64),
        stack=(heads.stack if heads.stack is not None else np.zeros(len(heads.categories))).astype(np.float64),
        **extra,
    )
    manifest = dict(artifact.manifest)
    manifest.pop("embedding", None)
    if artifact.vectors is not None:
        manifest["embedding"] = {"dims": artifact.vectors.dims, "source": artifact.vectors.source}
    manifest["format_version"] = FORMAT_VERSION
    manifest["categories"] = list(heads.categories)
    manifest["features"] = {"word_bits": feat.word_bits, "char_bits": feat.char_bits, "n_features": feat.n_features}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
