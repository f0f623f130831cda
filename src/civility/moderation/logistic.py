"""The logistic function and its inverse on plain floats, for the scores combined in Python
(spam signals, relevance); the heads apply theirs to arrays (heads.py)."""

from __future__ import annotations

import math


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def logit(p: float, eps: float = 1e-6) -> float:
    """log(p / (1 - p)), with p clipped to [eps, 1 - eps]."""
    p = min(max(float(p), eps), 1 - eps)
    return math.log(p / (1 - p))
