"""Leave one source out: how the heads generalise to a source they never saw.

For each held-out source, the heads are trained on every other licensed source and scored on
the held-out source's dev rows (its news_dev rows for the news comments), per category (ROC-AUC
and average precision). Two recipes side by side, in the same run:

- ``1.1``: the recipe of model 1.1 (no news comments, YouTube spam rows teach the toxic umbrella
  too, no annotator fractions for toxic);
- ``1.2``: the current recipe (news comments, YouTube spam teaches spam only, fractions as soft
  targets where the source gives them, news comments weighted by TrainConfig's default).

The sentence-vector table is taken from the shipped artifact (it is distilled from MiniLM once,
never trained on labels), so the run needs no encoder.

    python bench/bench_loso.py [--holdout civil_comments --holdout davidson2017 ...] [--cats toxic,insult] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from civility.models.build import select_sources
from civility.models.data import read_labelled, training_text
from civility.models.metrics import auc_ap
from civility.models.train import TrainConfig, build_features, fit_heads, label_matrix
from civility.moderation.artifact import load as load_artifact
from civility.moderation.normalize import normalize

DATA = Path("/work/shared/data")
CATS = ("toxic", "profanity", "threat", "insult", "identity_attack")
HOLDOUTS = ("civil_comments", "davidson2017", "mlma")


def recipe_rows(rows: list[dict], recipe: str) -> tuple[list[dict], TrainConfig]:
    kept, _ = select_sources(rows, include_unlicensed=False)
    config = TrainConfig()
    if recipe == "1.1":
        kept = [r for r in kept if r.get("source") != "civil_comments"]
        for r in kept:  # 1.1 let the YouTube rows teach toxic and read no toxic fractions
            if r.get("source") == "youtube_spam":
                r["labels"] = {**r["labels"], "toxic": r.get("raw_labels", {}).get("toxic")}
            r["scores"] = {k: v for k, v in (r.get("scores") or {}).items() if k != "toxic"}
        config.source_weight = {}
    return kept, config


def run(holdout: str, recipe: str, rows: list[dict], dev: list[dict], vectors, cats: tuple[str, ...] = CATS) -> dict:
    train, config = recipe_rows([r for r in rows if r.get("source") != holdout], recipe)
    texts = [normalize(training_text(r)).text for r in train]
    featurizer, x = build_features(texts, config.min_df)
    dense = vectors.transform(texts)
    heads = fit_heads(x, train, config, cats, dense=dense)
    test = [r for r in dev if r.get("source") == holdout]
    tt = [normalize(r["text"]).text for r in test]
    probs = heads.predict_proba(featurizer.weight(featurizer.counts(tt)), vectors.transform(tt))
    y, _ = label_matrix(test, cats)
    out = {"rows": len(test)}
    for j, cat in enumerate(cats):
        auc, ap = auc_ap(probs[:, j], y[:, j])
        if auc is not None:
            out[cat] = {
                "roc_auc": round(auc, 4),
                "average_precision": round(ap, 4),
                "positives": int(np.nansum(y[:, j])),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--holdout", action="append", help="source to leave out (repeatable)")
    ap.add_argument("--recipe", action="append", choices=("1.1", "1.2"))
    ap.add_argument("--cats", default=",".join(CATS), help="heads to train and score (fewer is faster)")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    rows = read_labelled(DATA / "train.jsonl.gz") + read_labelled(DATA / "news_train.jsonl.gz")
    rows += [r for r in read_labelled(DATA / "multilingual_train.jsonl.gz") if r.get("source") == "offenseval2020_tr"]
    for r in rows:
        r["raw_labels"] = dict(r.get("labels") or {})
    dev = read_labelled(DATA / "dev.jsonl.gz") + read_labelled(DATA / "news_dev.jsonl.gz")
    vectors = load_artifact(None).vectors
    report = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "results": {}}
    for holdout in args.holdout or HOLDOUTS:
        for recipe in args.recipe or ("1.1", "1.2"):
            t0 = time.perf_counter()
            res = run(holdout, recipe, rows, dev, vectors, tuple(args.cats.split(",")))
            res["seconds"] = round(time.perf_counter() - t0)
            report["results"].setdefault(holdout, {})[recipe] = res
            print(holdout, recipe, json.dumps(res), flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
