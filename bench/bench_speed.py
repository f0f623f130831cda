"""Speed of the moderation engine on one core: batch throughput, one-comment latency (the web
path) and resident memory, all categories with reasons. Prints the figures; see BENCHMARKS.md.

    python bench/bench_speed.py [--data /work/shared/data/dev.jsonl.gz] [--n 5000] [--model DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from civility.domain import ModerationInput  # noqa: E402
from civility.moderation.pipeline import ModerationEngine  # noqa: E402


def _texts(path: str, n: int) -> list[str]:
    opener = gzip.open if path.endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line)["text"])
            if len(out) >= n:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/work/shared/data/dev.jsonl.gz")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--single", type=int, default=2000, help="comments scored one at a time")
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    t0 = time.perf_counter()
    moderator = ModerationEngine.load(args.model, relevance="off")
    load_s = time.perf_counter() - t0
    texts = _texts(args.data, args.n)
    items = [ModerationInput(text=t) for t in texts]
    moderator.verdicts(items[:64])  # warm-up

    def batch_pass() -> tuple[list, float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        out = []
        for i in range(0, len(items), 256):
            out.extend(moderator.verdicts(items[i : i + 256]))
        return out, time.perf_counter() - t0, time.process_time() - c0

    verdicts, batch_s, batch_cpu = batch_pass()  # cold: every word new to the per-word caches
    _, warm_s, warm_cpu = batch_pass()  # warm: a server that has seen this vocabulary
    with_reasons = sum(1 for v in verdicts if v.reasons)

    lat, cpu = [], []
    for item in items[: args.single]:
        t, c = time.perf_counter(), time.thread_time()
        moderator.verdict(item)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    lat.sort()
    cpu.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model            {moderator.model_version}  (load {load_s:.2f} s)")
    print(
        f"batch, cold      {len(items)} comments in {batch_s:.2f} s wall = {len(items) / batch_s:,.0f} comments/s on one core; "
        f"{len(items) / batch_cpu:,.0f} comments/s of CPU time ({with_reasons} with reasons; mean {statistics.mean(len(t) for t in texts):.0f} chars)"
    )
    print(
        f"batch, warm      {len(items) / warm_s:,.0f} comments/s wall; {len(items) / warm_cpu:,.0f} comments/s of CPU time"
    )
    print(
        f"single comment   wall p50 {lat[len(lat) // 2]:.2f} ms  p99 {lat[int(len(lat) * 0.99) - 1]:.2f} ms; "
        f"CPU p50 {cpu[len(cpu) // 2]:.2f} ms  p99 {cpu[int(len(cpu) * 0.99) - 1]:.2f} ms  (n={len(lat)})"
    )
    print(
        f"machine load     {os.getloadavg()[0]:.1f} (1-min load average; wall figures suffer when it exceeds the cores)"
    )
    print(f"peak RSS         {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
