"""The moderation engine in one call: normalise, classify, add promotion signals and relevance,
apply the policy, and return a Verdict whose reasons point at spans of the original text."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from civility.domain import CATEGORIES, Article, Evidence, ModerationInput, Reason, Verdict
from civility.moderation import spam
from civility.moderation.classifier import Classifier, Scored
from civility.moderation.language import UNDETERMINED, identify, language_name, script_of
from civility.moderation.policy import Policy

NO_RELEVANCE_NOTE = "off_topic not scored: the relevance model is not installed (pip install 'civility[relevance]')"
NO_ARTICLE_NOTE = "off_topic not scored: the comment has no article"
UNREAD_COMMENT_NOTE = "off_topic not scored: the relevance model does not read {name} ({code})"
UNREAD_ARTICLE_NOTE = "off_topic not scored: the relevance model does not read the article's language, {name} ({code})"
UNREAD_EVIDENCE_NOTE = (
    "no words are highlighted: the model has no training data in {name} ({code}); "
    "the score comes from the text as a whole"
)
ARTICLE_CACHE_SIZE = 512
UMBRELLA = "toxic"
UMBRELLA_NOTE = (
    "held for a moderator: the comment as a whole reads as abusive to the model, "
    "but no single rule scores high enough to name"
)


def _load_relevance(relevance: Any) -> Any:
    if relevance is None or relevance == "off":
        return None
    if relevance != "auto":
        return relevance  # a RelevanceModel given by the caller
    try:
        from civility.moderation.relevance import RelevanceModel
    except ImportError:
        return None
    return RelevanceModel.load()


class ModerationEngine:
    """Loads the model once; ``verdict``/``verdicts`` are then pure functions of their input."""

    def __init__(self, classifier: Classifier, relevance: Any = None, *, link_allowlist: Sequence[str] = ()):
        self.classifier = classifier
        self.relevance = relevance
        self.link_allowlist = tuple(link_allowlist)
        self.model_version = classifier.version
        manifest = classifier.artifact.manifest
        self.default_policy = Policy.from_thresholds(
            manifest.get("thresholds", {}), languages=manifest.get("language_thresholds")
        )
        self._article_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    @classmethod
    def load(
        cls,
        model_dir: str | Path | None = None,
        *,
        relevance: Any = "auto",
        link_allowlist: Sequence[str] = (),
    ) -> "ModerationEngine":
        return cls(Classifier.load(model_dir or None), _load_relevance(relevance), link_allowlist=link_allowlist)

    # -- relevance ------------------------------------------------------------------------
    def article_vector(self, article: Article) -> np.ndarray | None:
        """The relevance model's vector of an article, computed once per process (LRU)."""
        if self.relevance is None:
            return None
        key = (
            str(article.id),
            hashlib.sha1((article.title + "\n" + article.body).encode("utf-8"), usedforsecurity=False).hexdigest(),
        )
        vec = self._article_vectors.get(key)
        if vec is None:
            vec = self.relevance.article_vector(article)
            self._article_vectors[key] = vec
            if len(self._article_vectors) > ARTICLE_CACHE_SIZE:
                self._article_vectors.popitem(last=False)
        else:
            self._article_vectors.move_to_end(key)
        return vec

    def _off_topic(self, item: ModerationInput, lang: str) -> tuple[float | None, tuple[Evidence, ...], str | None]:
        if self.relevance is None:
            return None, (), NO_RELEVANCE_NOTE
        if item.article is None:
            return None, (), NO_ARTICLE_NOTE
        # A comment is never off-topic because of its language: a pair the model cannot read is
        # not scored (and no word of it is shown as evidence).
        readable = getattr(self.relevance, "languages", frozenset({"en"}))
        if not _reads(readable, lang, item.text):
            return None, (), UNREAD_COMMENT_NOTE.format(name=language_name(lang), code=lang)
        article_lang = (item.article.lang or "en").lower().split("-")[0]
        if article_lang not in readable:
            return None, (), UNREAD_ARTICLE_NOTE.format(name=language_name(article_lang), code=article_lang)
        result = self.relevance.score(
            item.text, item.article, article_vector=self.article_vector(item.article), parent_text=item.parent_text
        )
        return float(result.score), tuple(result.evidence), result.note or None

    # -- verdicts -------------------------------------------------------------------------
    def verdict(self, item: ModerationInput, policy: Policy | None = None) -> Verdict:
        return self.verdicts([item], policy)[0]

    def verdicts(self, items: Sequence[ModerationInput], policy: Policy | None = None) -> list[Verdict]:
        policy = policy or self.default_policy
        scored = self.classifier.run([self.classifier.normalize(item.text) for item in items])
        return [self._one(item, scored, i, policy) for i, item in enumerate(items)]

    def language(self, item: ModerationInput) -> str:
        """The comment's language: as stored with it, else identified from its text (without the
        article's language as a hint: on an English site that would read unsure comments as English,
        for the English-only models to misjudge)."""
        if item.lang:
            return item.lang
        return identify(item.text).lang

    def _one(self, item: ModerationInput, scored: Scored, i: int, policy: Policy) -> Verdict:
        lang = self.language(item)
        policy = policy.for_language(lang)
        row = scored.probabilities[i]
        scores: dict[str, float | None] = {c: None for c in CATEGORIES}
        scores.update({c: float(p) for c, p in zip(self.classifier.categories, row)})
        notes: list[str] = []
        extra_evidence: dict[str, tuple[Evidence, ...]] = {}
        reason_notes: dict[str, str] = {}
        if "spam" in scores:
            signals = spam.promotion_signals(item.text, item.context, self.link_allowlist)
            scores["spam"] = float(spam.spam_probability(float(scores["spam"] or 0.0), signals))
            extra_evidence["spam"] = tuple(signals.evidence)
            if signals.notes:
                reason_notes["spam"] = "; ".join(signals.notes)
        off_topic, off_evidence, off_note = self._off_topic(item, lang)
        scores["off_topic"] = off_topic
        if off_topic is None:
            notes.append(off_note or NO_RELEVANCE_NOTE)
        else:
            extra_evidence["off_topic"] = off_evidence
            if off_note:
                reason_notes["off_topic"] = off_note
        decision, flagged = policy.decide(scores)
        # the umbrella is not a rule a moderator can cite: it may send a comment to review, but the
        # reasons name only the publisher's rules (a note says when the umbrella alone holds it)
        rules = [c for c in flagged if c != UMBRELLA]
        if UMBRELLA in flagged and not rules:
            notes.append(UMBRELLA_NOTE)
        reads_words = _reads(self.classifier.languages, lang, item.text)
        evidence = scored.evidence(i, [c for c in rules if c != "off_topic"]) if reads_words else {}
        reasons = []
        for cat in rules:
            score = float(scores[cat] or 0.0)
            band = policy.bands[cat]
            threshold = band.reject_above if score >= band.reject_above else band.approve_below
            spans = _merge(evidence.get(cat, ()) + extra_evidence.get(cat, ()))
            note = reason_notes.get(cat)
            if not spans and note is None:
                note = (
                    "no single word stands out: the score comes from the text as a whole"
                    if reads_words
                    else UNREAD_EVIDENCE_NOTE.format(name=language_name(lang), code=lang)
                )
            reasons.append(Reason(cat, score, threshold, spans, note))
        if policy.hold_all:
            notes.append("hold-everything mode: every comment goes to a moderator")
        return Verdict(decision, scores, tuple(reasons), self.model_version, policy.version, tuple(notes))


def _reads(languages: frozenset[str], lang: str, text: str) -> bool:
    """Whether a model trained on ``languages`` reads a comment identified as ``lang`` (an
    undetermined one counts as read when it is written in the script of one it reads)."""
    if lang in languages:
        return True
    if lang == UNDETERMINED:
        script = script_of(text)
        return (
            script == "Zyyy"
            or (script == "Latn" and bool(languages & {"en", "fr", "tr"}))
            or (script == "Arab" and bool(languages & {"ar", "fa", "ckb"}))
        )
    return False


def _merge(spans: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """Spans in text order without exact repeats (the text model and the signals may agree)."""
    seen: dict[tuple[int, int], Evidence] = {}
    for e in spans:
        seen.setdefault((e.start, e.end), e)
    return tuple(sorted(seen.values(), key=lambda e: (e.start, e.end)))
