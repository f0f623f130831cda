"""The site layer: a per-site correction of the shipped model's scores and per-language bands,
learnt from the site's own moderators (models/learn.py) and applied after the base engine.
Pure: a SiteModel is plain numbers (JSON), ``apply`` maps a base verdict to the site's verdict.

How a comment in language L is decided once a site model is active:
- ``p_any`` = the site's probability that its moderators would reject the comment: a logistic
  regression on the base logits of every category, a language indicator and a small hashed
  word term. It replaces the base abuse bands where L has a verified approve band: approve
  when ``p_any`` is below it (and spam / off_topic are below their own bands).
- a category c with enough site rejections gets its own recalibrated score ``p_c`` and, where
  verified for L, its own reject band. In a language with site bands only those reject: a base
  rejection there was never shown on this site's decisions, so it goes to review (and its
  decision becomes an example).
- a language without a verified site band keeps the shipped bands if the shipped model judges
  it (``base_languages``), and otherwise goes to review: never a guess.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from civility.domain import CATEGORIES, Decision, Reason, Verdict
from civility.errors import ModelError
from civility.moderation import logistic

FORMAT = "civility-site-model"
FORMAT_VERSION = 1
ANY = "toxic"  # the umbrella: "this site's moderators would reject it"
# The base categories whose logits feed every head (off_topic is often unscored: None).
FEATURES = CATEGORIES
# Outside the abuse umbrella: their own band (base or site) still holds a comment for review.
SEPARATE = ("spam", "off_topic")
REVIEW_ONLY = frozenset({"toxic", "off_topic"})
UNKNOWN_LANG = "und"
_WORD = re.compile(r"\w+", re.UNICODE)
_EPS = 1e-4  # logits within +-9.2: a base score of 0 or 1 does not dominate a head


def logit(p: float | None) -> float:
    """A base score's logit (0 for an unscored category)."""
    return 0.0 if p is None else logistic.logit(p, _EPS)


def lang_key(lang: str | None) -> str:
    return (lang or UNKNOWN_LANG).strip().lower().split("-")[0] or UNKNOWN_LANG


def hashed_words(text: str, bits: int) -> list[int]:
    """Column indices of the distinct words of ``text`` (crc32 of the lower-cased word)."""
    if bits <= 0 or not text:
        return []
    mask = (1 << bits) - 1
    return sorted({zlib.crc32(w.encode("utf-8")) & mask for w in _WORD.findall(text.lower())})


@dataclass(frozen=True)
class Head:
    """One logistic head: weights on the base logits, per language, and on hashed words."""

    intercept: float
    base: Mapping[str, float]
    langs: Mapping[str, float] = field(default_factory=dict)
    words: Mapping[int, float] = field(default_factory=dict)
    word_scale: float = 1.0

    def probability(self, base_scores: Mapping[str, float | None], lang: str, words: Sequence[int]) -> float:
        z = self.intercept + self.langs.get(lang, 0.0)
        z += sum(w * logit(base_scores.get(c)) for c, w in self.base.items())
        if words and self.words:
            norm = self.word_scale / math.sqrt(len(words))
            z += norm * sum(self.words.get(i, 0.0) for i in words)
        return logistic.sigmoid(z)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "base": dict(self.base),
            "langs": dict(self.langs),
            "words": {str(k): v for k, v in self.words.items()},
            "word_scale": self.word_scale,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Head":
        return cls(
            float(data["intercept"]),
            {str(k): float(v) for k, v in data["base"].items()},
            {str(k): float(v) for k, v in data.get("langs", {}).items()},
            {int(k): float(v) for k, v in data.get("words", {}).items()},
            float(data.get("word_scale", 1.0)),
        )


@dataclass(frozen=True)
class LangBands:
    """The verified automatic bands of one language: approve below ``approve_below`` (p_any),
    reject at or above ``reject[c]`` (p_c); ``separate[c]`` = approve band of spam/off_topic."""

    approve_below: float | None = None
    reject: Mapping[str, float] = field(default_factory=dict)
    separate: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"approve_below": self.approve_below, "reject": dict(self.reject), "separate": dict(self.separate)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LangBands":
        a = data.get("approve_below")
        return cls(
            None if a is None else float(a),
            {str(k): float(v) for k, v in data.get("reject", {}).items()},
            {str(k): float(v) for k, v in data.get("separate", {}).items()},
        )


@dataclass(frozen=True)
class SiteModel:
    version: int
    base_model: str
    heads: Mapping[str, Head]
    bands: Mapping[str, LangBands]
    word_bits: int = 12
    base_languages: tuple[str, ...] = ("en", UNKNOWN_LANG)

    @property
    def name(self) -> str:
        return f"site@{self.version}"

    # -- (de)serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "base_model": self.base_model,
            "word_bits": self.word_bits,
            "base_languages": list(self.base_languages),
            "heads": {c: h.to_dict() for c, h in sorted(self.heads.items())},
            "bands": {lang: b.to_dict() for lang, b in sorted(self.bands.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SiteModel":
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ModelError("not a civility site model artifact")
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"site model format {data.get('format_version')!r} is not the one this civility reads "
                f"({FORMAT_VERSION}): run `civility learn` again"
            )
        try:
            return cls(
                int(data["version"]),
                str(data["base_model"]),
                {str(c): Head.from_dict(h) for c, h in data["heads"].items()},
                {str(lang): LangBands.from_dict(b) for lang, b in data["bands"].items()},
                int(data.get("word_bits", 12)),
                tuple(data.get("base_languages", ("en", UNKNOWN_LANG))),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"site model artifact is corrupt ({type(exc).__name__}: {exc})") from None

    def check_base(self, base_model: str) -> None:
        if base_model != self.base_model:
            raise ModelError(
                f"site model {self.name} corrects {self.base_model}, not {base_model}: run `civility learn` again"
            )

    # -- scoring ----------------------------------------------------------------------------
    def site_scores(self, base_scores: Mapping[str, float | None], lang: str | None, text: str) -> dict[str, float]:
        key = lang_key(lang)
        words = hashed_words(text, self.word_bits)
        return {c: head.probability(base_scores, key, words) for c, head in self.heads.items()}

    def decide(
        self, base_scores: Mapping[str, float | None], lang: str | None, text: str, base_policy: Any
    ) -> tuple[str, dict[str, float | None], list[tuple[str, float, float]]]:
        """(decision, scores shown, [(category, score, threshold crossed)]) for one comment.
        ``base_policy`` is the engine's Policy (bands, hold_all)."""
        key = lang_key(lang)
        site = self.site_scores(base_scores, lang, text)
        shown: dict[str, float | None] = dict(base_scores)
        shown.update(site)
        bands = self.bands.get(key)
        flagged: list[tuple[str, float, float]] = []
        reject = False
        # rejections: in a language with site bands, only the site's verified reject bands (a
        # base rejection there goes to review: never shown on this site's decisions); elsewhere
        # the base bands
        for cat, score in base_scores.items():
            if cat in REVIEW_ONLY or score is None or cat not in base_policy.bands:
                continue
            if bands is not None:
                if cat in bands.reject and cat in site and site[cat] >= bands.reject[cat]:
                    flagged.append((cat, site[cat], bands.reject[cat]))
                    reject = True
                elif float(score) >= base_policy.bands[cat].reject_above:
                    flagged.append((cat, float(score), base_policy.bands[cat].reject_above))
            elif float(score) >= base_policy.bands[cat].reject_above:
                flagged.append((cat, float(score), base_policy.bands[cat].reject_above))
                reject = True
        if base_policy.hold_all:
            return "review", shown, flagged
        if reject:
            return "reject", shown, flagged
        if bands is None or bands.approve_below is None:
            if key not in self.base_languages:
                return "review", shown, flagged + [(ANY, float(site.get(ANY, 1.0)), 0.0)]
            return base_policy.decide(base_scores)[0], dict(base_scores), []
        p_any = site[ANY]
        if p_any >= bands.approve_below:
            flagged.append((ANY, p_any, bands.approve_below))
        for cat in SEPARATE:
            if cat in bands.separate and cat in site:
                score, threshold = site[cat], bands.separate[cat]
            elif cat in base_policy.bands and (base := base_scores.get(cat)) is not None:
                score, threshold = float(base), base_policy.bands[cat].approve_below
            else:
                continue
            if score >= threshold:
                flagged.append((cat, score, threshold))
        return ("review" if flagged else "approve"), shown, flagged

    def apply(self, verdict: Verdict, *, lang: str | None, text: str, base_policy: Any) -> Verdict:
        """The site's verdict for a base verdict. Publisher overrides (per-site or per-article
        bands) win over learnt bands: such a verdict is returned as it is."""
        if tuple(getattr(base_policy, "layers", ("default",))) != ("default",) and not base_policy.hold_all:
            return verdict
        base_scores = dict(verdict.scores)
        model, policy = f"{verdict.model}+{self.name}", f"{verdict.policy}+{self.name}"
        if lang_key(lang) not in self.bands and lang_key(lang) in self.base_languages:
            # nothing shown for this language yet: the shipped bands decide
            return replace(verdict, model=model, policy=policy, base_scores=base_scores)
        decision, shown, flagged = self.decide(base_scores, lang, text, base_policy)
        evidence = {r.category: (r.evidence, r.note) for r in verdict.reasons}
        reasons = []
        for cat, score, threshold in flagged:
            spans, note = evidence.get(cat, ((), None))
            if cat == ANY and not spans:
                spans = tuple(e for r in verdict.reasons for e in r.evidence)
                note = note or f"this site's moderators reject comments like this one ({self.name})"
            reasons.append(Reason(cat, float(score), float(threshold), tuple(spans), note))
        return replace(
            verdict,
            decision=Decision(decision),
            scores=shown,
            reasons=tuple(reasons),
            model=model,
            policy=policy,
            base_scores=base_scores,
        )
