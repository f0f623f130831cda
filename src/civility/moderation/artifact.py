"""The model artifact: a directory with ``manifest.json`` (what it is, what it was trained on,
how good it was), ``weights.npz`` (plain arrays, read with ``allow_pickle=False``: loading
executes no code) and, when heads use sentence vectors, ``tokenizer.json`` (the WordPiece
tokenizer's JSON, read by the ``tokenizers`` package as data). An artifact from another
``format_version`` is refused, saying what to do. Loading lives here (scoring time); writing is
``civility.models.artifact.save`` (build time)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from civility.errors import ModelError
from civility.moderation.embedding import TokenVectors
from civility.moderation.features import Featurizer
from civility.moderation.heads import Heads
from civility.moderation.normalize import NORMALIZER_VERSION

FORMAT_VERSION = 2  # 2: optional sentence-vector block (emb_table, emb_scale, emb_coef, tokenizer.json)
log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
_ARRAYS = ("active", "idf", "coef", "intercept", "calib")


@dataclass
class ModelArtifact:
    manifest: dict[str, Any]
    featurizer: Featurizer
    heads: Heads
    vectors: TokenVectors | None = None  # set when some head reads the sentence vector

    @property
    def name_version(self) -> str:
        return f"{self.manifest['name']}@{self.manifest['version']}"

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.manifest["categories"])


def default_model_dir() -> Path:
    """The shipped model: built by ``civility train``, kept as data under ``civility/models/``
    (located without importing the training package)."""
    return Path(str(resources.files("civility").joinpath("models", "default")))


def load(directory: str | Path | None = None) -> ModelArtifact:
    path = Path(directory) if directory else default_model_dir()
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"no model artifact at {path} ({MANIFEST} is missing); build one with `civility train`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{manifest_path} is not readable JSON ({exc}); rebuild the model with `civility train`"
        ) from None
    found = manifest.get("format_version")
    if found != FORMAT_VERSION:
        raise ModelError(
            f"model artifact {path} has format_version {found!r} but this civility reads format_version "
            f"{FORMAT_VERSION}: retrain it with `civility train --data TRAIN --dev DEV --out DIR`, "
            f"or upgrade civility to a version that reads it"
        )
    try:
        with np.load(path / WEIGHTS, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in _ARRAYS}
            arrays["stack"] = npz["stack"] if "stack" in npz.files else np.zeros(len(manifest.get("categories", [])))
            if "embedding" in manifest:
                arrays.update({k: npz[k] for k in ("emb_table", "emb_scale", "emb_fallback", "emb_coef")})
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"{path / WEIGHTS} is missing or corrupt ({exc}); rebuild the model with `civility train`"
        ) from None
    if manifest.get("normalizer_version") != NORMALIZER_VERSION:
        log.warning(
            "model artifact %s was trained on normaliser version %s, this civility normalises with version %s: "
            "its scores may drift; retrain it with `civility train`",
            path,
            manifest.get("normalizer_version"),
            NORMALIZER_VERSION,
        )
    spec = manifest.get("features", {})
    feat = Featurizer(word_bits=int(spec.get("word_bits", 0)), char_bits=int(spec.get("char_bits", 0)))
    if feat.n_features != spec.get("n_features"):
        raise ModelError(f"{manifest_path}: feature layout does not match this civility; retrain with `civility train`")
    active = arrays["active"].astype(np.int64)
    if active.size and (active.min() < 0 or active.max() >= feat.n_features):
        raise ModelError(f"{path / WEIGHTS}: column indices out of range; the artifact is corrupt")
    idf = np.zeros(feat.n_features, dtype=np.float32)
    idf[active] = arrays["idf"]
    feat.idf_ = idf
    k = len(manifest["categories"])
    coef = np.zeros((feat.n_features, k), dtype=np.float32)
    coef[active] = arrays["coef"].astype(np.float32)
    if manifest["categories"][0] != "toxic" and np.any(arrays["stack"]):
        raise ModelError(f"{path}: stacked heads need toxic as the first category; retrain with `civility train`")
    vectors, emb_coef = None, None
    if "embedding" in manifest:
        vectors = TokenVectors.load(path, arrays, str(manifest["embedding"].get("source", "")))
        emb_coef = arrays["emb_coef"].astype(np.float32)
        if emb_coef.shape != (vectors.dims, k):
            raise ModelError(
                f"{path / WEIGHTS}: sentence-vector weights do not match the table; the artifact is corrupt"
            )
    heads = Heads(tuple(manifest["categories"]), coef, arrays["intercept"], arrays["calib"], arrays["stack"], emb_coef)
    return ModelArtifact(manifest, feat, heads, vectors)
