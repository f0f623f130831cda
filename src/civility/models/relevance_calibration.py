"""Fits the relevance calibration (a logistic regression over the relevance features) on
relevance_train + articles, reports it on relevance_dev, and writes relevance_calibration.json.

    python -m civility.models.relevance_calibration --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from civility.domain import Article
from civility.moderation import relevance
from civility.moderation.encoder import load_encoder
from civility.moderation.relevance import FEATURES, RelevanceModel


def read_jsonl(path: str | Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read_articles(path: str | Path) -> dict[str, Article]:
    return {
        r["article_id"]: Article(
            id=r["article_id"], title=r["title"], body=r["body"], source=r.get("source", ""), lang=r.get("lang") or "en"
        )
        for r in read_jsonl(path)
    }


def feature_rows(
    model: RelevanceModel, rows: list[dict], articles: dict[str, Article], vectors: dict[str, np.ndarray]
) -> np.ndarray:
    """Features of every (comment, article) row; comment texts are embedded in batches."""
    texts = [r["text"] for r in rows]
    unique = sorted(set(texts))
    index = {t: i for i, t in enumerate(unique)}
    # One at a time, as `score` does: int8 activations are quantised per batch, so a padded batch
    # gives slightly different vectors than the single comment scored in production.
    vecs = model.encoder.encode(unique, batch_size=1)
    out = np.zeros((len(rows), len(FEATURES)))
    for i, r in enumerate(rows):
        art = articles[r["article_id"]]
        if art.id not in vectors:
            vectors[art.id] = model.article_vector(art)
        out[i] = model.features(r["text"], vecs[index[r["text"]]], vectors[art.id], art.title, art.body)
    return out


def final_scores(model: RelevanceModel, rows: list[dict], X: np.ndarray) -> np.ndarray:
    """Calibrated probabilities with the publisher's rules applied, as ``score`` would return."""
    return np.array([model._rules(r["text"], model.probability(x))[0] for r, x in zip(rows, X)])


def metrics(y: np.ndarray, p: np.ndarray, thresholds=(0.5, 0.7, 0.8, 0.9, 0.95)) -> dict:
    out = {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "average_precision": round(float(average_precision_score(y, p)), 4),
        "at": {},
    }
    for t in thresholds:
        flagged = p >= t
        tp = int((flagged & (y == 1)).sum())
        out["at"][str(t)] = {
            "flagged": int(flagged.sum()),
            "precision": round(tp / flagged.sum(), 4) if flagged.any() else None,
            "recall": round(tp / max(1, int(y.sum())), 4),
        }
    return out


def evaluate(model: RelevanceModel, rows_path: str | Path, articles_path: str | Path) -> dict:
    """off_topic metrics of ``model`` on a relevance file (for `civility evaluate` and the benchmark):
    n, positives, ROC-AUC, average precision, and flagged/precision/recall at several thresholds."""
    articles = read_articles(articles_path)
    rows = [r for r in read_jsonl(rows_path) if r.get("labels", {}).get("off_topic") is not None]
    X = feature_rows(model, rows, articles, {})
    y = np.array([r["labels"]["off_topic"] for r in rows])
    return metrics(y, final_scores(model, rows, X))


def fit(data_dir: Path, cache_dir: str | None = None) -> tuple[dict, dict]:
    encoder = load_encoder(cache_dir)
    if encoder is None:
        raise SystemExit("the relevance extra is not installed: pip install -e '.[relevance]'")
    unfitted = {"features": list(FEATURES), "coef": [0.0] * len(FEATURES), "bias": 0.0}
    model = RelevanceModel(encoder, unfitted)  # features only; the calibration is what we fit here
    articles = read_articles(data_dir / "articles.jsonl.gz")
    train, dev = read_jsonl(data_dir / "relevance_train.jsonl.gz"), read_jsonl(data_dir / "relevance_dev.jsonl.gz")
    vectors: dict[str, np.ndarray] = {}
    X_train, X_dev = (feature_rows(model, rows, articles, vectors) for rows in (train, dev))
    y_train = np.array([r["labels"]["off_topic"] for r in train])
    y_dev = np.array([r["labels"]["off_topic"] for r in dev])
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(X_train, y_train)
    calibration = {
        "version": 1,
        "features": list(FEATURES),
        "coef": [round(float(c), 5) for c in lr.coef_[0]],
        "bias": round(float(lr.intercept_[0]), 5),
        "encoder": model.encoder.path.name,
        "fitted_on": "relevance_train.jsonl.gz + articles.jsonl.gz",
    }
    fitted = RelevanceModel(model.encoder, calibration)
    report = {
        "train": metrics(y_train, final_scores(fitted, train, X_train)),
        "dev": metrics(y_dev, final_scores(fitted, dev, X_dev)),
        "dev_model_only": metrics(y_dev, np.array([fitted.probability(x) for x in X_dev])),
        "dev_cos_best_only": round(float(roc_auc_score(y_dev, -X_dev[:, FEATURES.index("cos_best")])), 4),
    }
    calibration["dev_metrics"] = {
        "roc_auc": report["dev"]["roc_auc"],
        "average_precision": report["dev"]["average_precision"],
    }
    return calibration, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data", type=Path)
    parser.add_argument("--out", default=str(relevance.CALIBRATION_FILE))
    parser.add_argument("--cache-dir", default=None)
    args = parser.parse_args(argv)
    calibration, report = fit(args.data_dir, args.cache_dir)
    Path(args.out).write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
