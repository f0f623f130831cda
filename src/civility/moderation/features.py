"""Text -> hashed TF-IDF features that remember which token each feature came from.

No vocabulary is stored: word 1-2-grams and per-word character 2-5-grams are hashed into
fixed ranges; only the idf of the hashed columns is learned. Because every feature is
produced by a known token, a linear score splits exactly into per-token contributions
(the evidence a moderator sees)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Sequence

import mmh3
import numpy as np
import scipy.sparse as sp

from civility.moderation.lexicon import lexicon_features

TOKEN_RE = re.compile(r"\S+", re.UNICODE)
WORD_RE = re.compile(r"\w+", re.UNICODE)

WORD_BITS = 19
CHAR_BITS = 20
CHAR_MIN, CHAR_MAX = 2, 5
LEXICON_COLUMNS = 16  # dense hand-written lexicon features appended after the hashed blocks


def hash_columns(feats: Sequence[str], n_columns: int) -> np.ndarray:
    """Column of each string feature: the same index sklearn's FeatureHasher(n_columns,
    input_type="string", alternate_sign=False) gives (signed 32-bit murmurhash3 of the UTF-8
    bytes, seed 0; its absolute value modulo n_columns), computed without building a sparse
    matrix per call, which made hashing most of the cost of scoring new words."""
    raw = np.fromiter((mmh3.hash(f, 0) for f in feats), dtype=np.int64, count=len(feats))
    return np.where(raw == -(2**31), (2**31 - 1 - (n_columns - 1)) % n_columns, np.abs(raw) % n_columns)


@dataclass(frozen=True)
class Tokens:
    """Tokens of one normalised text: (start, end) in the normalised text, and the words."""

    spans: tuple[tuple[int, int], ...]
    words: tuple[str, ...]


TRIM_RE = re.compile(r"\w(?:.*\w)?", re.UNICODE | re.DOTALL)


def tokenize(text: str) -> Tokens:
    """Whitespace-separated chunks (char n-grams see their punctuation: '://', '!!!');
    the span is trimmed to its word characters so evidence shows 'idiot', not 'idiot!!'."""
    spans, words = [], []
    for m in TOKEN_RE.finditer(text):
        chunk = m.group()
        inner = TRIM_RE.search(chunk)
        start = m.start()
        spans.append((start + inner.start(), start + inner.end()) if inner else m.span())
        words.append(chunk)
    return Tokens(tuple(spans), tuple(words))


def _bare(chunk: str) -> str:
    """The word features of a chunk: its word characters joined ('don't' -> 'dont', 'idiot!' -> 'idiot')."""
    return "".join(WORD_RE.findall(chunk))


def _word_features(bare_words: Sequence[str]) -> tuple[list[str], list[int], list[int]]:
    """Word unigrams and bigrams of the bare words; a bigram belongs to both of its tokens
    (owner, co-owner). Chunks with no word characters make no word feature."""
    feats, owner, co = [], [], []
    bare = [(i, b) for i, b in enumerate(bare_words) if b]
    for i, b in bare:
        feats.append(b)
        owner.append(i)
        co.append(i)
    for (i, a), (j, b) in zip(bare, bare[1:]):
        feats.append(a + " " + b)
        owner.append(i)
        co.append(j)
    return feats, owner, co


def _char_ngrams(word: str) -> list[str]:
    padded = " " + word + " "
    n_chars = len(padded)
    return [padded[s : s + n] for n in range(CHAR_MIN, min(CHAR_MAX, n_chars) + 1) for s in range(n_chars - n + 1)]


@dataclass
class Analysis:
    """What scoring a batch produced, kept so evidence needs no second pass over the text."""

    counts: sp.csr_matrix  # raw counts, one row per text
    tokens: list[Tokens]
    feature_cols: list[np.ndarray]  # per text: hashed column of every feature occurrence
    owners: list[np.ndarray]  # per text: (2, occurrences) token index of owner and co-owner
    lexicon_tokens: list[dict[int, list[int]]]


CACHE_LIMIT = 200_000


class Featurizer:
    """Hashes tokens into ``n_features`` columns: [word block | char block | lexicon block].

    ``idf_`` (one float per hashed column) is the only learned state; ``fit`` computes it.
    The character n-gram columns of each distinct word are cached (words repeat a lot)."""

    def __init__(self, word_bits: int = WORD_BITS, char_bits: int = CHAR_BITS):
        self.word_bits = word_bits
        self.char_bits = char_bits
        self.n_word = 1 << word_bits
        self.n_char = 1 << char_bits
        self.n_features = self.n_word + self.n_char + LEXICON_COLUMNS
        self._char_cache: dict[str, np.ndarray] = {}
        self._word_cache: dict[str, int] = {}
        self._local = threading.local()
        self.idf_: np.ndarray | None = None

    # -- hashing ----------------------------------------------------------------------
    def _char_cols(self, words: Sequence[str]) -> None:
        """Fill the cache for the words not in it yet (one hashing call for all of them)."""
        cache = self._char_cache
        missing = list(dict.fromkeys(w for w in words if w not in cache))
        if not missing:
            return
        if len(cache) + len(missing) > CACHE_LIMIT:
            cache.clear()  # then every word of this batch is missing again
            missing = list(dict.fromkeys(words))
        grams = [_char_ngrams(w) for w in missing]
        cols = hash_columns([g for gs in grams for g in gs], self.n_char) + self.n_word
        start = 0
        for w, gs in zip(missing, grams):
            cache[w] = cols[start : start + len(gs)].astype(np.int32)
            start += len(gs)

    def _word_cols(self, feats: list[str]) -> np.ndarray:
        """Hashed columns of word features, through a cache (only unseen ones are hashed)."""
        cache = self._word_cache
        missing = list(dict.fromkeys(f for f in feats if f not in cache))
        if missing:
            if len(cache) + len(missing) > CACHE_LIMIT:
                cache.clear()  # then every feature of this batch is missing again
                missing = list(dict.fromkeys(feats))
            cache.update(zip(missing, hash_columns(missing, self.n_word).tolist()))
        return np.fromiter((cache[f] for f in feats), dtype=np.int64, count=len(feats))

    def analyze(self, texts: Sequence[str]) -> Analysis:
        """Raw counts of many normalised texts, with the owner token of every feature."""
        toks = [tokenize(t) for t in texts]
        self._char_cols([w for t in toks for w in t.words])
        word_feats: list[str] = []
        per_doc = []
        lex = np.zeros((len(texts), LEXICON_COLUMNS), dtype=np.float64)
        lex_tokens = []
        for r, t in enumerate(toks):
            bare = [_bare(w) for w in t.words]
            wf, owner, co = _word_features(bare)
            word_feats.extend(wf)
            per_doc.append((len(wf), owner, co))
            row, fired = lexicon_features(bare)
            lex[r] = row[0]
            lex_tokens.append(fired)
        word_cols = self._word_cols(word_feats)
        feature_cols, owners, rows_of, cols_of = [], [], [], []
        start = 0
        for r, (t, (n_wf, owner, co)) in enumerate(zip(toks, per_doc)):
            chars = [self._char_cache[w] for w in t.words]
            char_owner = np.repeat(np.arange(len(t.words)), [len(c) for c in chars]) if chars else np.zeros(0, np.int64)
            cols = (
                np.concatenate([word_cols[start : start + n_wf], *chars]) if (n_wf or chars) else np.zeros(0, np.int64)
            )
            start += n_wf
            own = (
                np.stack(
                    [
                        np.concatenate([np.asarray(owner, dtype=np.int64), char_owner]),
                        np.concatenate([np.asarray(co, dtype=np.int64), char_owner]),
                    ]
                )
                if len(cols)
                else np.zeros((2, 0), np.int64)
            )
            feature_cols.append(cols)
            owners.append(own)
            rows_of.append(np.full(len(cols), r, dtype=np.int64))
            cols_of.append(cols)
        lex_r, lex_c = np.nonzero(lex)
        rows = np.concatenate([*rows_of, lex_r.astype(np.int64)])
        cols = np.concatenate([*cols_of, lex_c.astype(np.int64) + self.n_word + self.n_char])
        data = np.concatenate([np.ones(len(rows) - len(lex_r)), lex[lex_r, lex_c]])
        counts = sp.csr_matrix((data, (rows, cols)), shape=(len(texts), self.n_features))
        counts.sum_duplicates()
        return Analysis(counts, toks, feature_cols, owners, lex_tokens)

    def counts(self, texts: Sequence[str], chunk: int = 2048) -> sp.csr_matrix:
        """Raw term counts for many normalised texts (one row each)."""
        parts = [self.analyze(texts[i : i + chunk]).counts for i in range(0, len(texts), chunk)]
        return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, self.n_features))

    # -- tf-idf -----------------------------------------------------------------------
    def fit(self, counts: sp.csr_matrix, min_df: int = 2) -> "Featurizer":
        """idf of each hashed column; columns seen in fewer than ``min_df`` texts get idf 0,
        i.e. they are dropped (as an unseen word is) and need no weights in the artifact."""
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=self.n_features).astype(np.float64)
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        idf[df < min_df] = 0.0
        idf[self.n_word + self.n_char :] = 1.0
        self.idf_ = idf.astype(np.float32)
        return self

    def weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf * idf, each hashed block L2-normalised on its own; lexicon block as is."""
        if self.idf_ is None:
            raise RuntimeError("Featurizer.fit has not been called")
        x = counts.copy().astype(np.float64)
        hashed = x.indices < self.n_word + self.n_char
        x.data[hashed] = 1.0 + np.log(x.data[hashed])
        x.data *= self.idf_[x.indices]
        block = np.where(x.indices < self.n_word, 0, np.where(hashed, 1, 2))
        row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        sq = np.bincount(row * 3 + block, weights=x.data**2, minlength=x.shape[0] * 3).reshape(-1, 3)
        norms = np.sqrt(sq)
        norms[:, 2] = 1.0
        norms[norms == 0] = 1.0
        x.data /= norms[row, block]
        x.eliminate_zeros()
        return x

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.weight(self.counts(texts))

    # -- attribution ------------------------------------------------------------------
    def _scratch(self) -> np.ndarray:
        """A zeroed dense row, one per thread, reused (callers leave it zeroed)."""
        row = getattr(self._local, "row", None)
        if row is None:
            row = self._local.row = np.zeros(self.n_features)
        return row

    def contributions(
        self, analysis: Analysis, weighted: sp.csr_matrix, row: int, coef: np.ndarray, cols: Sequence[int]
    ) -> np.ndarray:
        """Per-token share of the linear score ``x @ coef[:, cols]`` for one analysed text.

        ``coef`` is (n_features, K); returns (n_tokens, len(cols)). Each occurrence of a feature gets an
        equal part of that feature's weighted value; a bigram splits half/half between its words."""
        n_tok = len(analysis.tokens[row].words)
        cols = list(cols)
        out = np.zeros((n_tok, len(cols)))
        if n_tok == 0:
            return out
        lo, hi = weighted.indptr[row], weighted.indptr[row + 1]
        clo, chi = analysis.counts.indptr[row], analysis.counts.indptr[row + 1]
        # a dense scratch row: value per occurrence = weighted value / occurrences of its column
        scratch = self._scratch()
        scratch[analysis.counts.indices[clo:chi]] = analysis.counts.data[clo:chi]
        present = weighted.indices[lo:hi]
        hashed = present < self.n_word + self.n_char  # lexicon values are not counts
        per_occurrence = weighted.data[lo:hi] / np.where(hashed, np.maximum(scratch[present], 1.0), 1.0)
        scratch[analysis.counts.indices[clo:chi]] = 0.0
        scratch[present] = per_occurrence
        idx = analysis.feature_cols[row]
        if len(idx):
            own = analysis.owners[row]
            share = (scratch[idx] / 2.0)[:, None] * coef[idx][:, cols]
            for j in range(len(cols)):
                out[:, j] += np.bincount(own[0], weights=share[:, j], minlength=n_tok)
                out[:, j] += np.bincount(own[1], weights=share[:, j], minlength=n_tok)
        base = self.n_word + self.n_char
        for col, tok_ids in analysis.lexicon_tokens[row].items():
            value = float(scratch[base + col])
            if tok_ids and value:
                out[tok_ids] += value * coef[base + col, cols] / len(tok_ids)
        scratch[present] = 0.0
        return out
