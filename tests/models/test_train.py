"""Training rules: null labels are missing (never negatives), annotator fractions become soft
targets, calibrated probabilities match observed rates, and training is deterministic."""

from __future__ import annotations

import random

import numpy as np

from civility.models.train import TrainConfig, _design, build_features, fit_heads, label_matrix
from civility.moderation.classifier import normalize
from civility.moderation.heads import Heads


def _row(text, **labels):
    return {"text": text, "labels": labels}


def _train(rows, cats=("threat",), seed=0):
    feat, x = build_features([normalize(r["text"]).text for r in rows], min_df=1)
    heads = fit_heads(x, rows, TrainConfig(seed=seed, cv_folds=2), cats)
    return feat, heads


def _prob(feat, heads: Heads, text):
    return float(heads.predict_proba(feat.transform([normalize(text).text]))[0, 0])


def test_label_matrix_keeps_null_as_missing():
    y, s = label_matrix([_row("a", threat=None, insult=1), _row("b", threat=0)], ("threat", "insult"))
    assert np.isnan(y[0, 0]) and y[0, 1] == 1 and y[1, 0] == 0 and np.isnan(y[1, 1])


def test_soft_targets_become_weighted_positive_and_negative_rows():
    y = np.array([1.0, 0.0, np.nan])
    s = np.array([0.75, np.nan, np.nan])
    rows, target, weight = _design(np.arange(3), y, s)
    assert sorted(zip(rows.tolist(), target.tolist(), weight.tolist())) == [
        (0, 0.0, 0.25),
        (0, 1.0, 0.75),
        (1, 0.0, 1.0),
    ]


def test_null_rows_do_not_count_as_negatives():
    rng = random.Random(0)
    filler = ["road", "vote", "school", "budget", "rain", "park", "bus", "tax"]
    base = [_row("i will hurt you " + rng.choice(filler), threat=1) for _ in range(40)]
    base += [_row(" ".join(rng.sample(filler, 4)), threat=0) for _ in range(120)]
    unlabelled = [_row("i will hurt you " + rng.choice(filler), threat=None) for _ in range(200)]
    as_null = base + unlabelled
    as_zero = base + [_row(r["text"], threat=0) for r in unlabelled]
    p_null = _prob(*_train(as_null), "i will hurt you")
    p_zero = _prob(*_train(as_zero), "i will hurt you")
    assert p_null > 0.8
    assert p_zero < p_null - 0.3


def test_calibrated_probability_matches_observed_rate():
    rng = random.Random(1)
    filler = ["road", "vote", "school", "budget", "rain", "park", "bus", "tax", "river", "bridge"]
    rows = []
    for _ in range(1500):
        cue = rng.choice(["alpha", "beta", "gamma"])
        rate = {"alpha": 0.8, "beta": 0.5, "gamma": 0.1}[cue]
        rows.append(_row(f"{cue} " + " ".join(rng.sample(filler, 3)), threat=int(rng.random() < rate)))
    feat, heads = _train(rows)
    for cue, rate in (("alpha", 0.8), ("beta", 0.5), ("gamma", 0.1)):
        probs = [_prob(feat, heads, f"{cue} " + " ".join(rng.sample(filler, 3))) for _ in range(30)]
        assert abs(np.mean(probs) - rate) < 0.1, (cue, np.mean(probs))


def test_training_is_deterministic_for_a_seed():
    rng = random.Random(2)
    rows = [
        _row(rng.choice(["bad man", "good day", "bad day"]) + f" {i % 7}", threat=int(i % 3 == 0)) for i in range(90)
    ]
    _, a = _train(rows, seed=4)
    _, b = _train(rows, seed=4)
    np.testing.assert_array_equal(a.coef, b.coef)
    np.testing.assert_array_equal(a.calib, b.calib)


def test_feature_caches_overflowing_mid_stream_give_the_same_counts(monkeypatch):
    from civility.moderation import features

    texts = [f"word{i} other{i % 7} shared text {i * 3}" for i in range(300)]
    reference = features.Featurizer().counts(texts)
    monkeypatch.setattr(features, "CACHE_LIMIT", 50)  # forces clears between and inside batches
    small = features.Featurizer().counts(texts, chunk=64)
    assert (reference != small).nnz == 0


def test_turkish_offenseval_rows_teach_only_the_toxic_head():
    from civility.models.build import select_sources

    labels = {"toxic": 0, "profanity": 0, "insult": 0, "threat": 0, "identity_attack": 0, "spam": None}
    rows = [
        {"id": "a", "text": "iyi akşamlar", "source": "offenseval2020_tr", "labels": dict(labels)},
        {"id": "b", "text": "good evening", "source": "toxic_spans", "labels": dict(labels)},
        {"id": "c", "text": "no licence", "source": "olid2019", "labels": dict(labels)},
    ]
    kept, used = select_sources(rows, include_unlicensed=False)
    assert used == {"offenseval2020_tr": 1, "toxic_spans": 1}
    turkish, english = kept
    assert turkish["labels"] == {
        "toxic": 0,
        "profanity": None,
        "insult": None,
        "threat": None,
        "identity_attack": None,
        "spam": None,
    }
    assert english["labels"] == labels  # other sources keep every label
    assert rows[0]["labels"]["profanity"] == 0  # the caller's rows are not changed
    y, _ = label_matrix(kept, ("toxic", "profanity"))
    assert y[0, 0] == 0 and np.isnan(y[0, 1])


def test_hash_columns_equal_sklearns_feature_hasher():
    """The shipped weights were indexed by FeatureHasher: the fast hashing must give the same columns."""
    from sklearn.feature_extraction import FeatureHasher

    from civility.moderation.features import hash_columns

    rng = random.Random(3)
    alphabet = "abcxyz '!*éüßиж漢😀"
    feats = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(5000)]
    for n in (1 << 19, 1 << 20, 1000):
        expected = FeatureHasher(n, input_type="string", alternate_sign=False).transform([[f] for f in feats]).indices
        assert hash_columns(feats, n).tolist() == expected.tolist()
