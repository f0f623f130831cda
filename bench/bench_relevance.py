"""Relevance and promotion benchmark: off_topic ROC-AUC and precision on relevance_dev, spam ROC-AUC
on dev (signals alone, text model alone, combined), near-duplicate speed, and latency of one
relevance score and of one whole verdict (all categories, relevance included).

    python bench/bench_relevance.py --data-dir ../shared/data [--compare-torch] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from civility.domain import Article, ModerationInput
from civility.models import relevance_calibration, spam_weights
from civility.moderation import neardup, spam
from civility.moderation.relevance import RelevanceModel

NEWS = Path(__file__).parents[1] / "tests/moderation/data/news_relevance.jsonl"
NEWS_ARTICLES = Path(__file__).parents[1] / "tests/moderation/data/news_articles.jsonl"


def pct(times: list[float], cpu: list[float] | None = None) -> dict:
    """Wall-clock percentiles, and CPU-time ones of the scoring thread: on a shared box the wall
    clock also counts the time spent waiting for a core, the thread's CPU time does not."""
    ms = np.array(times) * 1000
    out = {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }
    if cpu:
        cms = np.array(cpu) * 1000
        out.update(
            cpu_p50_ms=round(float(np.percentile(cms, 50)), 2), cpu_p99_ms=round(float(np.percentile(cms, 99)), 2)
        )
    return out


def timed(fn, items) -> dict:
    wall, cpu = [], []
    for item in items:
        w, c = time.perf_counter(), time.thread_time()
        fn(item)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return pct(wall, cpu)


def bench_spam(data_dir: Path, moderator) -> dict:
    train, y_train = spam_weights.read_spam_rows(data_dir / "train.jsonl.gz")
    dev, y_dev = spam_weights.read_spam_rows(data_dir / "dev.jsonl.gz")
    signals = [spam.promotion_signals(t) for t in dev]
    out = {
        "n": len(dev),
        "positives": int(y_dev.sum()),
        "signals_alone_auc": round(float(roc_auc_score(y_dev, [s.score for s in signals])), 4),
    }
    tfidf = spam_weights.text_model().fit(train, y_train).predict_proba(dev)[:, 1]
    out["tfidf_text_auc"] = round(float(roc_auc_score(y_dev, tfidf)), 4)
    out["tfidf_combined_auc"] = round(
        float(roc_auc_score(y_dev, [spam.combine_spam(p, s) for p, s in zip(tfidf, signals)])), 4
    )
    if moderator is not None:
        scored = moderator.classifier.run([moderator.classifier.normalize(t) for t in dev])
        idx = list(moderator.classifier.categories).index("spam")
        text_p = scored.probabilities[:, idx]
        out["model_text_auc"] = round(float(roc_auc_score(y_dev, text_p)), 4)
        out["model_combined_auc"] = round(
            float(roc_auc_score(y_dev, [spam.combine_spam(p, s) for p, s in zip(text_p, signals)])), 4
        )
        verdicts = moderator.verdicts([ModerationInput(text=t) for t in dev])
        out["verdict_spam_auc"] = round(float(roc_auc_score(y_dev, [v.scores["spam"] for v in verdicts])), 4)
    start = time.perf_counter()
    for t in dev:
        spam.promotion_signals(t)
    out["signals_ms_per_comment"] = round((time.perf_counter() - start) / len(dev) * 1000, 3)
    return out


def bench_relevance(data_dir: Path, model: RelevanceModel) -> tuple[dict, list[dict], dict[str, Article]]:
    articles = relevance_calibration.read_articles(data_dir / "articles.jsonl.gz")
    dev = relevance_calibration.read_jsonl(data_dir / "relevance_dev.jsonl.gz")
    vectors: dict[str, np.ndarray] = {}
    start = time.perf_counter()
    X = relevance_calibration.feature_rows(model, dev, articles, vectors)
    build_s = time.perf_counter() - start
    y = np.array([r["labels"]["off_topic"] for r in dev])
    p = relevance_calibration.final_scores(model, dev, X)
    out = relevance_calibration.metrics(y, p)
    out["embed_dev_seconds"] = round(build_s, 1)
    return out, dev, articles


def bench_latency(model: RelevanceModel, moderator, rows: list[dict], articles: dict[str, Article], n: int) -> dict:
    rows = rows[:n]
    vectors = {r["article_id"]: model.article_vector(articles[r["article_id"]]) for r in rows}
    for r in rows[:10]:  # warm-up
        model.score(r["text"], articles[r["article_id"]], article_vector=vectors[r["article_id"]])
    out = {
        "relevance_score_cached_article": timed(
            lambda r: model.score(r["text"], articles[r["article_id"]], article_vector=vectors[r["article_id"]]), rows
        )
    }
    news = [json.loads(line) for line in open(NEWS, encoding="utf-8")]
    news_articles = {
        json.loads(line)["id"]: Article(**json.loads(line)) for line in open(NEWS_ARTICLES, encoding="utf-8")
    }
    news_vectors = {aid: model.article_vector(a) for aid, a in news_articles.items()}
    out["relevance_score_news_cases"] = timed(
        lambda c: model.score(c["text"], news_articles[c["article_id"]], article_vector=news_vectors[c["article_id"]]),
        news * 5,
    )
    news_lengths = [len(model.encoder.token_ids(r["text"])) for r in rows]
    out["comment_tokens_median"] = statistics.median(news_lengths)
    start = time.perf_counter()
    first = next(iter(articles.values()))
    for _ in range(5):
        model.article_vector(first)
    out["article_vector_ms"] = round((time.perf_counter() - start) / 5 * 1000, 1)
    if moderator is not None and moderator.relevance is not None:
        # Articles are embedded once when published (the product keeps the vector); embed every
        # article first so the timed loop measures what a comment costs, not an article.
        for r in rows:
            moderator.article_vector(articles[r["article_id"]])
        for r in rows[:10]:
            moderator.verdict(ModerationInput(text=r["text"], article=articles[r["article_id"]]))
        out["whole_verdict_with_relevance"] = timed(
            moderator.verdict, [ModerationInput(text=r["text"], article=articles[r["article_id"]]) for r in rows]
        )
        for article in news_articles.values():
            moderator.article_vector(article)
        out["whole_verdict_news_cases"] = timed(
            moderator.verdict,
            [ModerationInput(text=c["text"], article=news_articles[c["article_id"]]) for c in news * 5],
        )
        out["whole_verdict_without_article"] = timed(moderator.verdict, [ModerationInput(text=r["text"]) for r in rows])
    return out


def bench_encoders(model: RelevanceModel, texts: list[str]) -> dict:
    """One comment at a time: the shipped int8 ONNX encoder, float ONNX, and plain torch."""
    import tempfile

    import torch
    from transformers import AutoModel

    from civility.moderation.encoder import Encoder, export_onnx, model_dir

    src = model_dir()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Encoder(export_onnx(tmp, quantize=False), src / "tokenizer.json")
        encoders = {"onnx_int8": model.encoder, "onnx_fp32": fp32}
        torch.set_num_threads(1)
        bert = AutoModel.from_pretrained(str(src)).eval()

        def torch_encode(text: str) -> np.ndarray:
            ids = torch.tensor([model.encoder.token_ids(text)])
            with torch.inference_mode():
                hidden = bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            v = hidden.mean(1)[0].numpy()
            return v / np.linalg.norm(v)

        ref = np.stack([torch_encode(t) for t in texts])
        for name, enc in encoders.items():
            vecs = enc.encode(texts, batch_size=1)
            out[name] = {
                **timed(lambda t, enc=enc: enc.encode([t]), texts),
                "cosine_to_torch_mean": round(float(np.mean(np.sum(vecs * ref, 1))), 4),
            }
        out["torch"] = timed(torch_encode, texts)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data", type=Path)
    parser.add_argument("--latency-n", default=300, type=int)
    parser.add_argument("--compare-torch", action="store_true")
    parser.add_argument("--skip-spam", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    report: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "command": "python " + " ".join(sys.argv),
    }
    model = RelevanceModel.load()
    try:
        from civility.moderation.pipeline import ModerationEngine

        moderator = ModerationEngine.load(relevance=model)
    except Exception as exc:  # the text model may be absent on a bare checkout: measure the rest
        print(f"(no ModerationEngine: {exc})", file=sys.stderr)
        moderator = None
    if not args.skip_spam:
        report["spam"] = bench_spam(args.data_dir, moderator)
        print(json.dumps({"spam": report["spam"]}, indent=2), flush=True)
    report["load_average"] = [round(x, 1) for x in __import__("os").getloadavg()]
    texts = [json.loads(line)["text"] for line in open(NEWS, encoding="utf-8")]
    start = time.perf_counter()
    sigs = [neardup.signature(t) for t in texts * 20]
    report["neardup_signature_ms"] = round((time.perf_counter() - start) / len(sigs) * 1000, 3)
    if model is None:
        report["relevance"] = "not available (relevance extra not installed)"
    else:
        report["relevance"], dev, articles = bench_relevance(args.data_dir, model)
        print(json.dumps({"relevance": report["relevance"]}, indent=2), flush=True)
        report["latency"] = bench_latency(model, moderator, dev, articles, args.latency_n)
        print(json.dumps({"latency": report["latency"]}, indent=2), flush=True)
        if args.compare_torch:
            report["encoders"] = bench_encoders(model, [r["text"] for r in dev[:150]])
            print(json.dumps({"encoders": report["encoders"]}, indent=2), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
