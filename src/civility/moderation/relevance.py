"""Relevance of a comment to its article (the ``off_topic`` score): semantic similarity from the
MiniLM encoder plus lexical and entity overlap, a logistic calibration fitted on data, and the
rules that keep short agreement and remarks about the publisher's coverage from counting as off-topic."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from civility.domain import Article, Evidence
from civility.moderation.logistic import sigmoid
from civility.moderation.relevance_rules import (
    AGREEMENT_CAP,
    OUTLET_CAP,
    SHORT_CAP,
    about_the_outlet,
    is_agreement,
    word_count,
)

if TYPE_CHECKING:
    from civility.moderation.encoder import Encoder

CALIBRATION_FILE = Path(__file__).with_name("relevance_calibration.json")
FEATURES = (
    "cos_title",
    "cos_lead",
    "cos_body_max",
    "cos_best",
    "overlap",
    "shared_terms",
    "entity_shared",
    "log_len",
    "has_body",
)
NON_ENGLISH_CAP = 0.5  # MiniLM is an English model: other languages are never flagged on its word alone
MAX_LEN_WORDS = 150  # the length feature stops here: the calibration never saw longer comments often
CHUNK_WORDS = 120  # ~160 tokens: fits the encoder's window with room to spare
MAX_CHUNKS = 24
ROW_TITLE, ROW_LEAD, FIRST_CHUNK = 0, 1, 2

_STOP = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before being below
    between both but by can cannot could did didn do does doesn doing don down during each even ever every few for from
    further get gets got had has hasn have haven having he her here hers herself him himself his how however i if in into
    is isn it its itself just know like ll made make many may me might more most much must my myself never no nor not now
    of off often on once one only or other our ours ourselves out over own people really said same say says see she
    should so some still such than that the their theirs them themselves then there these they thing things think this
    those though through thus to too under until up upon us very was wasn way we well were weren what when where which
    while who whom why will with would yes yet you your yours yourself yourselves ve re isn wouldn couldn shouldn im
    best good great bad last first next new old two three four five ten hundred thousand week year day time ever
    anyone anything everyone everything someone something nobody nothing lot lots""".split()
)
_WORD = re.compile(r"[^\W\d_][\w'’\-]{1,40}")
_ENTITY = re.compile(r"(?<![\w])(?:[A-Z][\w\-]{1,40}|\d[\d,.]{1,12})")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _stem(word: str) -> str:
    word = word.casefold().strip("'’-")
    for suffix in ("'s", "’s", "ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_terms(text: str) -> set[str]:
    terms = set()
    for m in _WORD.finditer(text):
        stem = _stem(m.group(0))
        if len(stem) >= 3 and stem not in _STOP:
            terms.add(stem)
    return terms


@lru_cache(maxsize=512)
def _article_terms(title: str, body: str) -> frozenset[str]:
    return frozenset(content_terms(title) | content_terms(body[:20000]))


def body_chunks(body: str) -> list[str]:
    """The body cut at sentence ends into pieces of about CHUNK_WORDS words (at most MAX_CHUNKS)."""
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in _SENTENCE_END.split(body.strip()):
        words = sentence.split()
        while words:
            room = CHUNK_WORDS - count
            current.extend(words[:room])
            count += len(words[:room])
            words = words[room:]
            if count >= CHUNK_WORDS:
                chunks.append(" ".join(current))
                current, count = [], 0
                if len(chunks) >= MAX_CHUNKS:
                    return chunks
    if current:
        chunks.append(" ".join(current))
    return chunks


@dataclass(frozen=True)
class RelevanceResult:
    score: float  # P(off_topic) in [0, 1], calibrated
    evidence: tuple[Evidence, ...]
    note: str


def _short_title(article: Article) -> str:
    title = article.title.strip() or article.body.strip()[:60]
    return title if len(title) <= 60 else title[:57].rstrip() + "..."


class RelevanceModel:
    """Scores ``P(off_topic)`` of a comment against an article (and the comment it answers)."""

    version = "minilm-onnx-int8@1"
    languages = frozenset({"en"})  # what the encoder and the word-overlap features read

    def __init__(self, encoder: "Encoder", calibration: dict[str, Any] | None = None):
        self.encoder = encoder
        cal = calibration or json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        if tuple(cal["features"]) != FEATURES:
            raise ValueError("relevance calibration was fitted on other features; refit it")
        self.coef = np.asarray(cal["coef"], dtype=np.float64)
        self.bias = float(cal["bias"])

    @classmethod
    def load(cls, cache_dir: str | None = None) -> "RelevanceModel | None":
        """The model, or None when the optional relevance extra (onnxruntime, tokenizers, the
        packaged MiniLM, and torch for the one-off export) is not installed."""
        try:
            from civility.moderation.encoder import load_encoder
        except ImportError:
            return None
        encoder = load_encoder(cache_dir)
        return None if encoder is None else cls(encoder)

    # -- article side: embedded once, when published or changed -------------------------------------

    def article_vector(self, article: Article) -> np.ndarray:
        """float32 array (2 + chunks, 384): row 0 the title, row 1 title + lead, then body chunks."""
        title = article.title.strip()
        lead = f"{title}. {article.body.strip()}".strip(". ")
        chunks = body_chunks(article.body)
        texts = [title or lead, lead or title, *chunks]
        return self.encoder.encode(texts, max_tokens=256).astype(np.float32)

    # -- comment side ---------------------------------------------------------------------------------

    def features(self, text: str, vec: np.ndarray, avec: np.ndarray, title: str, body: str) -> np.ndarray:
        sims = avec @ vec
        cos_title, cos_lead = float(sims[ROW_TITLE]), float(sims[ROW_LEAD])
        has_body = avec.shape[0] > FIRST_CHUNK
        cos_body = float(sims[FIRST_CHUNK:].max()) if has_body else cos_lead
        terms = content_terms(text)
        art = _article_terms(title, body)
        shared = terms & art
        entities = {_stem(m.group(0)) for m in _ENTITY.finditer(text)}
        return np.array(
            [
                cos_title,
                cos_lead,
                cos_body,
                max(cos_title, cos_lead, cos_body),
                len(shared) / max(1, len(terms)),
                math.log1p(len(shared)),
                math.log1p(len(entities & art)),
                math.log1p(min(word_count(text), MAX_LEN_WORDS)),
                float(has_body),
            ]
        )

    def probability(self, feats: np.ndarray) -> float:
        return sigmoid(float(self.coef @ feats) + self.bias)

    def score(
        self, text: str, article: Article, *, article_vector: np.ndarray | None = None, parent_text: str | None = None
    ) -> RelevanceResult:
        if not (article.title.strip() or article.body.strip()):
            return RelevanceResult(0.0, (), "not judged: the article has no title or body")
        avec = self.article_vector(article) if article_vector is None else np.asarray(article_vector, dtype=np.float32)
        if parent_text:
            vec, pvec = self.encoder.encode([text, parent_text])
        else:
            vec, pvec = self.encoder.encode([text])[0], None
        feats = self.features(text, vec, avec, article.title, article.body)
        p = self.probability(feats)
        similarity = feats[FEATURES.index("cos_best")]
        title = _short_title(article)
        art_terms = _article_terms(article.title, article.body)
        shared = list(dict.fromkeys(m.group(0) for m in _WORD.finditer(text) if _stem(m.group(0)) in art_terms))
        if shared:
            note = f"shares {len(shared)} topic word(s) ({', '.join(shared[:4])}) with the article '{title}'; similarity {similarity:.2f}"
        else:
            note = f"shares no topic words with the article '{title}'; similarity {similarity:.2f}"
        if pvec is not None:
            pfeats = self.features(text, vec, np.stack([pvec, pvec]), parent_text or "", "")
            p_parent = self.probability(pfeats)
            if p_parent < p:  # a reply that follows the comment it answers is part of the discussion
                p = p_parent
                note += f"; follows the comment it answers (similarity {pfeats[FEATURES.index('cos_best')]:.2f})"
        p, rule_note = self._rules(text, p)
        if rule_note:
            note = f"{rule_note}; {note}"
        if not (article.lang or "en").lower().startswith("en"):
            p = min(p, NON_ENGLISH_CAP)
            note = f"the semantic model reads English only, so the score is held below review ({article.lang}); {note}"
        return RelevanceResult(score=p, evidence=self._evidence(text, article) if p >= 0.5 else (), note=note)

    @staticmethod
    def _rules(text: str, p: float) -> tuple[float, str]:
        if is_agreement(text):
            return min(p, AGREEMENT_CAP), "a short reaction to the article (not off-topic)"
        outlet = about_the_outlet(text)
        if outlet:
            return min(p, OUTLET_CAP), f"about the publisher's coverage ('{outlet}'), welcome by the rules"
        if word_count(text) <= 3:
            return min(p, SHORT_CAP), "too short to judge relevance"
        return p, ""

    @staticmethod
    def _evidence(text: str, article: Article) -> tuple[Evidence, ...]:
        """The comment's own topic words that the article never uses (what it talks about instead)."""
        art = _article_terms(article.title, article.body)
        out, seen = [], set()
        for m in _WORD.finditer(text):
            stem = _stem(m.group(0))
            if len(stem) >= 4 and stem not in _STOP and stem not in art and stem not in seen:
                seen.add(stem)
                out.append(Evidence(m.start(), m.end(), m.group(0)))
                if len(out) == 5:
                    break
        return tuple(out)
