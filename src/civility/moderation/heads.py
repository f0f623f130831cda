"""The per-category linear heads as the scorer applies them: hashed TF-IDF features (and, for some
heads, the sentence vector) -> logits -> Platt-calibrated probabilities. Plain arrays; they are
fitted by ``civility.models.train``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

STACK_FROM = 0  # the toxic head (first category) feeds the others
STACK_SCALE = 4.0


@dataclass
class Heads:
    """Learned state of the linear heads (all arrays; no code)."""

    categories: tuple[str, ...]
    coef: np.ndarray  # (n_features, k) float32
    intercept: np.ndarray  # (k,)
    calib: np.ndarray  # (k, 2): p = sigmoid(a * z + b)
    stack: np.ndarray | None = None  # (k,): weight of the toxic logit / STACK_SCALE in each head
    emb_coef: np.ndarray | None = None  # (dims, k): weights of the sentence vector (0 where unused)

    def decision(self, x: sp.csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        # same dtype on both sides, or scipy copies the whole (n_features, k) matrix per call
        coef = self.coef if self.coef.dtype == x.dtype else None
        product = x @ coef if coef is not None else x.astype(self.coef.dtype) @ self.coef
        z = np.asarray(product, dtype=np.float64) + self.intercept
        if self.emb_coef is not None:
            if dense is None:
                raise ValueError("these heads need the sentence vectors of the texts")
            z += dense.astype(np.float64) @ self.emb_coef
        if self.stack is not None and np.any(self.stack):
            z += np.outer(z[:, STACK_FROM] / STACK_SCALE, self.stack)
        out: np.ndarray = z
        return out

    def calibrate(self, z: np.ndarray) -> np.ndarray:
        p: np.ndarray = 1.0 / (1.0 + np.exp(-(z * self.calib[:, 0] + self.calib[:, 1])))
        return p

    def predict_proba(self, x: sp.csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        return self.calibrate(self.decision(x, dense))
