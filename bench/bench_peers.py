"""civility against the packaged peers a developer would pip-install instead, on the same dev rows
in the same run: ROC-AUC per labelled category side by side and throughput, with civility's
speed as a ratio to alt-profanity-check's.

The peers (alt-profanity-check, hatesonar, better-profanity; pinned in requirements-peers.txt)
live in their own virtual environment, bench/.venv-peers, created when absent: they pin an older
scikit-learn than civility's. Each peer gives one score per comment, compared with every category.

    python bench/bench_peers.py [--model DIR] [--data dev.jsonl.gz] [--sample N] [--json OUT]

better-profanity checks every word against its list one by one (a few comments per second
here), so a full dev run takes about 20 minutes; --sample 10 gives a quick look.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-peers"
REQUIREMENTS = HERE / "requirements-peers.txt"
DEV = Path("/work/shared/data/dev.jsonl.gz")
PEERS = ("alt-profanity-check", "hatesonar", "hatesonar (hate)", "better-profanity")


# ----------------------------------------------------------------------------- the peers' side
# Runs inside bench/.venv-peers: imports only the peers, never civility.


def _sonar_session():
    """hatesonar's ONNX model with its StringNormalizer locale set to C.UTF-8: as shipped it asks
    for en_US.UTF-8 and fails to load on machines without that locale."""
    import hatesonar.api
    import onnx
    import onnxruntime as ort
    from onnx import helper

    model = onnx.load(str(hatesonar.api.DEFAULT_MODEL_FILE))
    for node in model.graph.node:
        if node.op_type == "StringNormalizer":
            kept = [a for a in node.attribute if a.name != "locale"]
            del node.attribute[:]
            node.attribute.extend(kept + [helper.make_attribute("locale", "C.UTF-8")])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def peer_worker(src: Path, out: Path) -> None:
    import numpy as np

    texts = [json.loads(line)["text"] for line in src.open(encoding="utf-8")]
    result: dict[str, dict] = {}

    from profanity_check import predict_prob

    t0 = time.perf_counter()
    scores = predict_prob(texts)
    result["alt-profanity-check"] = {"scores": [float(s) for s in scores], "seconds": time.perf_counter() - t0}

    sess = _sonar_session()
    t0 = time.perf_counter()
    offensive, hate = [], []
    for i in range(0, len(texts), 512):
        _, probs = sess.run(None, {"text": np.array(texts[i : i + 512], dtype=object)})
        offensive.extend(1.0 - float(p[2]) for p in probs)  # classes: 0 hate, 1 offensive, 2 neither
        hate.extend(float(p[0]) for p in probs)
    seconds = time.perf_counter() - t0
    result["hatesonar"] = {"scores": offensive, "seconds": seconds}
    result["hatesonar (hate)"] = {"scores": hate, "seconds": seconds}

    from better_profanity import profanity

    profanity.load_censor_words()
    t0 = time.perf_counter()
    flags = [1.0 if profanity.contains_profanity(t) else 0.0 for t in texts]
    result["better-profanity"] = {"scores": flags, "seconds": time.perf_counter() - t0}
    out.write_text(json.dumps(result))


# ----------------------------------------------------------------------------- civility's side


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} (peers pinned in {REQUIREMENTS.name}) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    return python


def load_rows(path: Path, lang: str | None, sample: int) -> list[dict]:
    """The rows of ``path`` (one of every ``sample`` rows: better-profanity is slow)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows = [r for r in rows if lang is None or r.get("lang") == lang]
    return rows[::sample]


def civility_scores(model: str | None, texts: Sequence[str]) -> tuple[str, dict[str, list[float]], float]:
    """Every category's score from the full pipeline (verdicts with reasons), and the seconds."""
    from civility.domain import ModerationInput
    from civility.moderation.pipeline import ModerationEngine

    moderator = ModerationEngine.load(model, relevance="off")
    moderator.verdicts([ModerationInput(text=t) for t in texts[:50]])  # warm-up
    t0 = time.perf_counter()
    verdicts = []
    for i in range(0, len(texts), 1000):
        verdicts.extend(moderator.verdicts([ModerationInput(text=t) for t in texts[i : i + 1000]]))
    seconds = time.perf_counter() - t0
    cats = [c for c in verdicts[0].scores if verdicts[0].scores[c] is not None]
    return moderator.model_version, {c: [float(v.scores[c]) for v in verdicts] for c in cats}, seconds


def auc_table(rows: list[dict], systems: dict[str, dict[str, list[float]] | list[float]]) -> list[dict]:
    """ROC-AUC of each system per category, over the rows where that category is labelled."""
    from sklearn.metrics import roc_auc_score

    cats = [c for c in rows[0]["labels"] if any(r["labels"].get(c) is not None for r in rows)]
    table = []
    for cat in cats:
        idx = [i for i, r in enumerate(rows) if r["labels"].get(cat) is not None]
        y = [int(rows[i]["labels"][cat]) for i in idx]
        line: dict = {"category": cat, "n": len(idx), "positives": sum(y)}
        for name, scores in systems.items():
            s = scores.get(cat) if isinstance(scores, dict) else scores
            line[name] = (
                None if s is None or 0 in (sum(y), len(y) - sum(y)) else float(roc_auc_score(y, [s[i] for i in idx]))
            )
        table.append(line)
    return table


def run(model: str | None, data: Path, lang: str | None, sample: int) -> dict:
    rows = load_rows(data, lang, sample)
    texts = [r["text"] for r in rows]
    python = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "texts.jsonl", Path(tmp) / "peers.json"
        src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        subprocess.run([str(python), str(Path(__file__).resolve()), "--worker", str(src), str(out)], check=True)
        peers = json.loads(out.read_text())
    version, civ, civ_seconds = civility_scores(model, texts)
    systems: dict = {"civility": civ, **{p: peers[p]["scores"] for p in PEERS}}
    speed = {"civility": len(texts) / civ_seconds, **{p: len(texts) / peers[p]["seconds"] for p in PEERS}}
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "model": version,
        "rows": len(rows),
        "auc": auc_table(rows, systems),
        "comments_per_second": speed,
        "civility_vs_alt_profanity_check": speed["civility"] / speed["alt-profanity-check"],
    }


def print_table(res: dict) -> None:
    names = ["civility", *PEERS]
    print(f"dev rows {res['rows']}, civility model {res['model']}, {res['date']}; ROC-AUC per category")
    print(f"{'category':<16} {'n':>5} {'pos':>5} " + " ".join(f"{n:>19}" for n in names))
    for line in res["auc"]:
        cells = " ".join(f"{'-' if line[n] is None else format(line[n], '.3f'):>19}" for n in names)
        print(f"{line['category']:<16} {line['n']:>5} {line['positives']:>5} {cells}")
    speed = res["comments_per_second"]
    print(
        "throughput (comments/s, one process): "
        + ", ".join(f"{n} {speed[n]:,.0f}" for n in names if n in speed and n != "hatesonar (hate)")
    )
    print(
        f"civility / alt-profanity-check speed: {res['civility_vs_alt_profanity_check']:.2f}x "
        "(civility: full verdicts, every category with reasons; peers: one score)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        peer_worker(Path(argv[1]), Path(argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--data", type=Path, default=DEV)
    ap.add_argument("--lang", default="", help="only rows of this language (default: all)")
    ap.add_argument("--sample", type=int, default=1, help="use one of every N rows (default: all)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    res = run(args.model, args.data, args.lang or None, args.sample)
    print_table(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
