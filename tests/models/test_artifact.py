"""The model artifact: manifest contents, a faithful save/load round trip, refusal of another
format_version, no pickle anywhere, and the shipped model's size."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest

from civility.errors import ModelError
from civility.models import artifact as artifact_io
from civility.moderation import artifact as artifact_format
from civility.moderation.classifier import Classifier

TEXTS = ["you are an idiot", "the council vote on the budget", "subscribe channel now", "i will kill you"]


def test_manifest_lists_licensed_sources_fingerprint_and_metrics(tiny_model, tiny_data):
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    assert manifest["format_version"] == artifact_format.FORMAT_VERSION
    assert {
        "name",
        "version",
        "categories",
        "thresholds",
        "sources",
        "training_data",
        "dev_metrics",
        "library_versions",
    } <= set(manifest)
    used = {s["source"] for s in manifest["sources"]}
    assert used == {"toxic_spans"}  # the olid2019 rows (no licence) were left out
    assert "olid2019" in manifest["excluded_sources"]
    assert all(s["licence"] for s in manifest["sources"])
    import hashlib

    assert manifest["training_data"]["sha256"] == hashlib.sha256(tiny_data[0].read_bytes()).hexdigest()
    assert manifest["dev_metrics"]["insult"]["roc_auc"] > 0.9
    assert set(manifest["thresholds"]) == set(manifest["categories"])
    assert "off_topic" not in manifest["categories"]
    from civility.moderation.normalize import NORMALIZER_VERSION

    assert manifest["normalizer_version"] == NORMALIZER_VERSION


def test_round_trip_gives_the_same_scores(tiny_model, tmp_path):
    first = Classifier.load(tiny_model)
    artifact_io.save(first.artifact, tmp_path / "copy")
    second = Classifier.load(tmp_path / "copy")
    a = first.probabilities([first.normalize(t) for t in TEXTS])
    b = second.probabilities([second.normalize(t) for t in TEXTS])
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert a[0, first.categories.index("insult")] > 0.5
    assert a[1, first.categories.index("insult")] < 0.5


def test_other_format_version_is_refused_with_what_to_do(tiny_model, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(tiny_model, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = artifact_format.FORMAT_VERSION + 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="civility train") as info:
        artifact_format.load(copy)
    assert "upgrade" in str(info.value)


def test_missing_or_corrupt_artifact_is_a_model_error(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="civility train"):
        artifact_format.load(tmp_path / "nothing-here")
    copy = tmp_path / "corrupt"
    shutil.copytree(tiny_model, copy)
    (copy / "weights.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="corrupt"):
        artifact_format.load(copy)


def test_weights_are_plain_arrays_without_pickle(tiny_model):
    with zipfile.ZipFile(tiny_model / "weights.npz") as zf:
        names = zf.namelist()
    assert all(n.endswith(".npy") for n in names)
    with np.load(tiny_model / "weights.npz", allow_pickle=False) as npz:
        for name in npz.files:
            assert npz[name].dtype != object
    for path in tiny_model.iterdir():
        assert path.suffix in {".json", ".npz"}, path


def test_an_object_array_is_refused(tiny_model, tmp_path):
    copy = tmp_path / "pickled"
    shutil.copytree(tiny_model, copy)
    with np.load(copy / "weights.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["coef"] = np.array([{"evil": 1}], dtype=object)
    np.savez(copy / "weights.npz", **arrays)
    with pytest.raises(ModelError):
        artifact_format.load(copy)


def test_shipped_model_is_small_and_licensed():
    """Its load time is measured in bench/bench_speed.py (a timed test fails on a busy machine)."""
    directory = artifact_format.default_model_dir()
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size <= 25 * 1024 * 1024
    art = artifact_format.load()
    used = {s["source"] for s in art.manifest["sources"]}
    assert not used & {"olid2019", "offenseval2020_ar", "parsoffensive"}
    assert all(m["roc_auc"] > 0.8 for m in art.manifest["dev_metrics"].values() if m["positives"] >= 30)


def test_several_training_files_are_read_and_fingerprinted_together(tiny_data, tmp_path):
    import hashlib

    from civility.models.build import build
    from civility.models.train import TrainConfig

    from .conftest import make_rows, write_jsonl

    extra = write_jsonl(tmp_path / "extra.jsonl.gz", make_rows(200, 9, source="davidson2017"))
    out = tmp_path / "model"
    build([tiny_data[0], extra], tiny_data[1], out, config=TrainConfig(seed=5, cv_folds=2, embedding_scale={}))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["training_data"]["train_files"] == ["train.jsonl.gz", "extra.jsonl.gz"]
    assert (
        manifest["training_data"]["sha256"]
        == hashlib.sha256(tiny_data[0].read_bytes() + extra.read_bytes()).hexdigest()
    )
    assert {s["source"]: s["rows"] for s in manifest["sources"]} == {"toxic_spans": 600, "davidson2017": 200}


def test_a_model_trained_on_another_normaliser_version_loads_with_a_warning(tmp_path, caplog):
    from civility.moderation.normalize import NORMALIZER_VERSION

    with caplog.at_level("WARNING", logger="civility.moderation.artifact"):
        artifact_format.load()
    assert not caplog.records  # the shipped model matches this normaliser
    copy = tmp_path / "model"
    shutil.copytree(artifact_format.default_model_dir(), copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["normalizer_version"] = NORMALIZER_VERSION - 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level("WARNING", logger="civility.moderation.artifact"):
        assert artifact_format.load(copy).categories  # still usable
    assert any("retrain" in r.getMessage() for r in caplog.records)
