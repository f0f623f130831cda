"""What scoring returns: a decision, one score per category, readable reasons, versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"
    REVIEW = "review"


@dataclass(frozen=True)
class Evidence:
    """A span of the ORIGINAL comment text (offsets in Python str indices)."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Reason:
    """Why a category counts against (or holds) a comment, with the evidence for it."""

    category: str
    score: float
    threshold: float
    evidence: tuple[Evidence, ...] = ()
    note: str | None = None  # a readable sentence, e.g. "2 links to unlisted domains"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category": self.category,
            "score": round(float(self.score), 4),
            "threshold": round(float(self.threshold), 4),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Verdict:
    """The machine's answer for one comment.

    ``scores`` has every category id; a value of ``None`` means "not available"
    (e.g. relevance without the semantic model): never a silent 0.
    """

    decision: Decision
    scores: dict[str, float | None]
    reasons: tuple[Reason, ...] = ()
    model: str = "none"
    policy: str = "none"
    notes: tuple[str, ...] = field(default=())
    # the shipped model's own scores when a site model corrected them (kept for learning)
    base_scores: dict[str, float | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "scores": {k: (None if v is None else round(float(v), 4)) for k, v in self.scores.items()},
            "reasons": [r.to_dict() for r in self.reasons],
            "model": self.model,
            "policy": self.policy,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Verdict":
        return cls(
            decision=Decision(data["decision"]),
            scores=dict(data.get("scores", {})),
            reasons=tuple(
                Reason(
                    category=r["category"],
                    score=r["score"],
                    threshold=r["threshold"],
                    evidence=tuple(Evidence(**e) for e in r.get("evidence", [])),
                    note=r.get("note"),
                )
                for r in data.get("reasons", [])
            ),
            model=data.get("model", "none"),
            policy=data.get("policy", "none"),
            notes=tuple(data.get("notes", [])),
        )
