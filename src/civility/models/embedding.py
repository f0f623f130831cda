"""Making the sentence-vector table of ``civility.moderation.embedding.TokenVectors`` (training
time only): every WordPiece token of all-MiniLM-L6-v2's vocabulary encoded alone, centred,
projected on its first principal axes and stored as int8 with one scale per axis."""

from __future__ import annotations

import numpy as np

from civility.moderation.embedding import TokenVectors
from civility.moderation.encoder import Encoder

_BATCH = 1024


def distil(encoder: Encoder, dims: int = 256, source: str = "") -> TokenVectors:
    """Distil the table from a loaded sentence encoder (training time; about 10 s on one core)."""
    vocab_size = encoder.tokenizer.get_vocab_size()
    cls_id, sep_id = encoder.tokenizer.token_to_id("[CLS]"), encoder.tokenizer.token_to_id("[SEP]")
    vectors = np.zeros((vocab_size, encoder.dim), dtype=np.float32)
    for start in range(0, vocab_size, _BATCH):
        ids = np.arange(start, min(vocab_size, start + _BATCH))
        input_ids = np.stack([np.full(len(ids), cls_id), ids, np.full(len(ids), sep_id)], axis=1).astype(np.int64)
        vectors[ids] = encoder.session.run(None, {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)})[0]
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ axes[:dims].T
    scale = np.abs(projected).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    table_q = np.clip(np.rint(projected / scale), -127, 127).astype(np.int8)
    return TokenVectors(encoder.tokenizer.to_str(), table_q, scale.astype(np.float32), source)  # fit_fallback next
