"""Per-category calibrated probabilities for comment text, and the evidence behind them: the
tokens whose contributions push a category's score up, as spans of the ORIGINAL text (mapped
back through normalisation). Pure: numpy/scipy arithmetic over a loaded artifact."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from civility.domain import Evidence
from civility.moderation.artifact import ModelArtifact, load
from civility.moderation.features import Analysis
from civility.moderation.heads import STACK_FROM, STACK_SCALE
from civility.moderation.language import source_languages
from civility.moderation.normalize import Normalized, normalize

MAX_EVIDENCE = 5
MIN_SHARE = 0.15  # a token must carry at least this share of the largest push to be shown
# ...and raise the category's log-odds by at least this much on its own: below it a word
# ("my", "had", "should") is not a reason a moderator can act on, so none is shown.
MIN_PUSH = 0.3


class Classifier:
    """Scores texts with a loaded :class:`ModelArtifact`."""

    def __init__(self, artifact: ModelArtifact):
        self.artifact = artifact
        self.categories = artifact.categories
        self._index = {c: i for i, c in enumerate(self.categories)}

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> "Classifier":
        return cls(load(model_dir))

    @property
    def version(self) -> str:
        return self.artifact.name_version

    @cached_property
    def languages(self) -> frozenset[str]:
        """The languages the model was trained on (its word evidence means something only there)."""
        manifest = self.artifact.manifest
        if manifest.get("languages"):
            return frozenset(manifest["languages"])
        return source_languages(
            s["source"] for s in manifest.get("sources", ()) if isinstance(s, dict) and "source" in s
        )

    def normalize(self, text: str) -> Normalized:
        return normalize(text)

    def run(self, normalized: Sequence[Normalized]) -> "Scored":
        """Score many normalised texts; the result can also explain each of them."""
        feat, vectors = self.artifact.featurizer, self.artifact.vectors
        texts = [n.text for n in normalized]
        analysis = feat.analyze(texts)
        weighted = feat.weight(analysis.counts)
        dense = vectors.transform(texts) if vectors is not None else None
        probs = (
            self.artifact.heads.predict_proba(weighted, dense)
            if len(normalized)
            else np.zeros((0, len(self.categories)))
        )
        return Scored(self, list(normalized), analysis, weighted, probs)

    def probabilities(self, normalized: Sequence[Normalized]) -> np.ndarray:
        """(n, k) calibrated probabilities, columns in ``self.categories`` order."""
        return self.run(normalized).probabilities

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        probs = self.probabilities([normalize(t) for t in texts])
        return [dict(zip(self.categories, map(float, row))) for row in probs]


@dataclass
class Scored:
    classifier: Classifier
    normalized: list[Normalized]
    analysis: Analysis
    weighted: Any
    probabilities: np.ndarray

    def evidence(self, row: int, categories: Sequence[str]) -> dict[str, tuple[Evidence, ...]]:
        """For each category asked, up to MAX_EVIDENCE spans of the original text that raise it."""
        index = self.classifier._index
        cats = [c for c in categories if c in index]
        out: dict[str, tuple[Evidence, ...]] = {c: () for c in categories}
        norm = self.normalized[row]
        if not cats or not norm.text:
            return out
        heads = self.classifier.artifact.heads
        cols = [index[c] for c in cats]
        stacked = heads.stack is not None and bool(np.any(heads.stack[cols]))
        contrib = self.classifier.artifact.featurizer.contributions(
            self.analysis, self.weighted, row, heads.coef, cols + [STACK_FROM] if stacked else cols
        )
        if stacked and heads.stack is not None:  # a head fed the toxic logit owes each token that share of it too
            contrib = contrib[:, :-1] + np.outer(contrib[:, -1], heads.stack[cols] / STACK_SCALE)
        spans_of = self.analysis.tokens[row].spans
        for j, cat in enumerate(cats):
            push = contrib[:, j]
            if not len(push) or push.max() <= 0:
                continue
            floor = max(MIN_SHARE * push.max(), MIN_PUSH)
            best = [i for i in np.argsort(-push, kind="stable")[:MAX_EVIDENCE] if push[i] > 0 and push[i] >= floor]
            spans = []
            for i in sorted(best):
                start, end = norm.span_to_original(*spans_of[i])
                if end > start:
                    spans.append(Evidence(start, end, norm.original[start:end]))
            out[cat] = tuple(spans)
        return out
