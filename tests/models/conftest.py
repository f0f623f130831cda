"""A small generated labelled data set (train + dev files) and a model trained on it once per
session, so artifact and training tests run in seconds without the shared data."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

NEUTRAL = (
    "the",
    "council",
    "vote",
    "budget",
    "road",
    "school",
    "weather",
    "report",
    "minister",
    "article",
    "people",
    "city",
    "plan",
    "week",
    "news",
    "water",
    "price",
    "team",
    "game",
    "ceasefire",
)
TRIGGERS = {
    "insult": ("idiot", "moron"),
    "profanity": ("crap", "damn"),
    "threat": ("kill you",),
    "spam": ("subscribe channel", "visit www shop com"),
}
CATS = (
    "toxic",
    "profanity",
    "threat",
    "insult",
    "identity_attack",
    "sexism",
    "racism",
    "homophobia",
    "xenophobia",
    "religious_hate",
    "spam",
    "off_topic",
)


def make_rows(n: int, seed: int, source: str = "toxic_spans") -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(NEUTRAL) for _ in range(rng.randint(4, 12))]
        labels = {c: None for c in CATS}
        for c in ("toxic", "profanity", "threat", "insult", "spam"):
            labels[c] = 0
        kind = rng.choice(("clean", "clean", "insult", "profanity", "threat", "spam"))
        if kind != "clean":
            words.insert(rng.randint(0, len(words)), rng.choice(TRIGGERS[kind]))
            labels[kind] = 1
            labels["toxic"] = 1
        rows.append(
            {"id": f"{source}:{seed}-{i}", "text": " ".join(words), "source": source, "lang": "en", "labels": labels}
        )
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("data")
    train = make_rows(600, 1) + make_rows(60, 3, source="olid2019")
    return write_jsonl(d / "train.jsonl.gz", train), write_jsonl(d / "dev.jsonl.gz", make_rows(300, 2))


@pytest.fixture(scope="session")
def tiny_model(tiny_data, tmp_path_factory) -> Path:
    from civility.models.build import build
    from civility.models.train import TrainConfig

    out = tmp_path_factory.mktemp("model")
    build(*tiny_data, out, config=TrainConfig(seed=5, cv_folds=2, embedding_scale={}))
    return out
