"""Fits the promotion-signal weights and the text+signals combination on the labelled spam rows
of train (out-of-fold TF-IDF text scores stand in for the text classifier) and writes spam_weights.json."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline, make_union

from civility.moderation import spam

# Contact details, codes and wallets are near-certain promotion in a news comment, but too rare in the
# YouTube rows (email: 0 positives) to learn a weight: a moderator's prior sets the least weight they get.
FLOORS = {"email": 2.5, "messenger": 2.5, "phone": 2.0, "code": 2.0, "crypto": 3.0, "link_shortener": 2.0}
FEATURES = ("link_unlisted", "link_shortener", "phone", "email", "messenger", "channel", "money", "code", "crypto")


def read_spam_rows(path: str | Path) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            label = row["labels"].get("spam")
            if label is not None:
                texts.append(row["text"])
                labels.append(int(label))
    return texts, np.array(labels)


def text_model():
    """The quick text baseline (word + char n-gram TF-IDF logistic regression)."""
    vec = make_union(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
    )
    return make_pipeline(vec, LogisticRegression(C=10.0, max_iter=2000))


def feature_matrix(texts: list[str], allowlist=()) -> np.ndarray:
    rows = []
    for text in texts:
        feats, _, _ = spam.text_features(text, allowlist)
        rows.append([feats.get(name, 0.0) for name in FEATURES])
    return np.array(rows, dtype=float)


def out_of_fold_logits(texts: list[str], y: np.ndarray, seed: int = 0) -> np.ndarray:
    out = np.zeros(len(texts))
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y):
        model = text_model().fit([texts[i] for i in train_idx], y[train_idx])
        out[test_idx] = model.decision_function([texts[i] for i in test_idx])
    return out


def fit(train_path: str | Path) -> dict:
    texts, y = read_spam_rows(train_path)
    X = feature_matrix(texts)
    signals = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    coef = {name: round(float(w), 4) for name, w in zip(FEATURES, signals.coef_[0])}
    # A signal that turns out to speak *against* spam on YouTube data is not trusted in the other direction.
    coef = {name: max(w, FLOORS.get(name, 0.0)) for name, w in coef.items()}
    bias = float(signals.intercept_[0])
    sig_logit = bias + X @ np.array([coef[n] for n in FEATURES])
    text_logit = out_of_fold_logits(texts, y)
    combo = LogisticRegression(C=1.0, max_iter=1000).fit(np.c_[text_logit, sig_logit], y)
    return {
        "version": 1,
        "fitted_on": str(Path(train_path).name) + " (rows with a spam label)",
        "signals": {"bias": round(bias, 4), "coef": coef, "floors": FLOORS},
        "combine": {
            "text": round(float(combo.coef_[0][0]), 4),
            "signals": round(max(float(combo.coef_[0][1]), 0.05), 4),
            "bias": round(float(combo.intercept_[0]), 4),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="/work/shared/data/train.jsonl.gz")
    parser.add_argument("--out", default=str(spam.WEIGHTS_FILE))
    args = parser.parse_args(argv)
    weights = fit(args.data)
    Path(args.out).write_text(json.dumps(weights, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(weights, indent=2))


if __name__ == "__main__":
    main()
