"""Static sentence vectors: the mean of per-token vectors distilled once from the MiniLM sentence
encoder, so the heads see what a word *means* (a slur they never saw near a group's name) at the
cost of a tokenizer call and a table lookup, not a transformer pass.

How the table is made (``civility.models.embedding.distil``, at training time only): every
WordPiece token of all-MiniLM-L6-v2's vocabulary is encoded alone ("[CLS] token [SEP]", mean-pooled by the encoder),
the 384-d vectors are centred and projected on their first ``dims`` principal axes, and each axis
is stored as int8 with one scale. A text's vector is the mean of the rows of its English-alphabet
word pieces, L2-normalised. A text with fewer than MIN_TOKENS of them (Persian, Arabic, an emoji)
gets the mean training vector instead: the vocabulary spells other scripts letter by letter, and
heads fed those letters' average gave confident nonsense (they rejected civil Persian comments).
The artifact keeps the table, that mean and the tokenizer's own serialisation; scoring needs the
``tokenizers`` package only, never the encoder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from civility.errors import ModelError

TOKENIZER_FILE = "tokenizer.json"
MAX_CHARS = 2000  # a comment's meaning shows long before this; bounds the cost of a rant
MIN_TOKENS = 2
_LATIN_PIECE = re.compile(r"(?:##)?[a-z]+")


def _tokenizer_from_str(serialised: str) -> Any:
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ModelError("this model needs the `tokenizers` package (pip install tokenizers)") from None
    tok = Tokenizer.from_str(serialised)
    tok.no_padding()
    tok.no_truncation()
    return tok


class TokenVectors:
    """Text -> (n, dims) float32 unit mean-of-token vectors; ``fallback`` for a text it cannot read."""

    def __init__(
        self,
        tokenizer_json: str,
        table_q: np.ndarray,
        scale: np.ndarray,
        source: str,
        fallback: np.ndarray | None = None,
    ):
        self.tokenizer_json = tokenizer_json
        self.table_q = np.asarray(table_q, dtype=np.int8)
        self.scale = np.asarray(scale, dtype=np.float32)
        self.source = source
        self._table = self.table_q.astype(np.float32) * self.scale
        self._tokenizer = _tokenizer_from_str(tokenizer_json)
        vocab = self._tokenizer.get_vocab()
        self._usable = np.zeros(len(self._table), dtype=np.float32)
        self._usable[[i for t, i in vocab.items() if i < len(self._table) and _LATIN_PIECE.fullmatch(t)]] = 1.0
        # what a text too foreign for the table gets: the mean training vector (set by fit_fallback)
        self.fallback = (
            np.zeros(self.dims, dtype=np.float32) if fallback is None else np.asarray(fallback, dtype=np.float32)
        )

    @property
    def dims(self) -> int:
        return int(self.table_q.shape[1])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        out, known = self._vectors(texts)
        out[~known] = self.fallback
        return out

    def fit_fallback(self, texts: Sequence[str]) -> "TokenVectors":
        """Set the vector of texts the table cannot read: the mean over those it can."""
        out, known = self._vectors(texts)
        self.fallback = out[known].mean(axis=0).astype(np.float32) if known.any() else np.zeros(self.dims, np.float32)
        return self

    def _vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(unit vectors, whether each text had MIN_TOKENS usable pieces); unusable rows are 0."""
        if not len(texts):
            return np.zeros((0, self.dims), dtype=np.float32), np.zeros(0, dtype=bool)
        encodings = self._tokenizer.encode_batch_fast([t[:MAX_CHARS] for t in texts], add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        # one row per text, a 1 per usable piece: the product sums their rows without a gathered copy
        counts = sp.csr_matrix((self._usable[ids], ids, indptr), shape=(len(texts), len(self._table)))
        known = np.asarray(counts.sum(axis=1)).ravel() >= MIN_TOKENS
        out = np.asarray(counts @ self._table, dtype=np.float32)
        out[~known] = 0.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out, known

    # -- storage (called by moderation.artifact and models.artifact) ----------------------------------------------
    def save(self, directory: Path) -> dict[str, np.ndarray]:
        (directory / TOKENIZER_FILE).write_text(self.tokenizer_json, encoding="utf-8")
        return {"emb_table": self.table_q, "emb_scale": self.scale, "emb_fallback": self.fallback}

    @classmethod
    def load(cls, directory: Path, arrays: dict[str, np.ndarray], source: str) -> "TokenVectors":
        path = directory / TOKENIZER_FILE
        try:
            serialised = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"{path} is missing ({exc}); rebuild the model with `civility train`") from None
        vectors = cls(serialised, arrays["emb_table"], arrays["emb_scale"], source, arrays["emb_fallback"])
        if vectors._tokenizer.get_vocab_size() != vectors.table_q.shape[0]:
            raise ModelError(f"{directory}: the token table does not match {TOKENIZER_FILE}; the artifact is corrupt")
        return vectors
