"""What one learning run costs at N human decisions: time and peak memory of `Learner.run` on a
fresh SQLite file filled with N synthetic decided comments (texts of 8-40 words from a small
vocabulary, shipped-model-like scores stored with the machine verdict, ~8% rejected, three
languages). Usage: python bench/learn_cost.py 1000 10000 100000 (one subprocess per size)."""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [f"w{i}" for i in range(5000)]


def fill(platform, n: int, seed: int = 14) -> None:
    from sqlalchemy import insert

    from civility.domain import CATEGORIES
    from civility.storage.clock import utcnow
    from civility.storage.schema import comments, decisions

    rng = random.Random(seed)
    now = utcnow()
    batch_c, batch_d = [], []
    for i in range(1, n + 1):
        rejected = rng.random() < 0.08
        s = min(0.999, max(0.001, rng.betavariate(5, 2) if rejected else rng.betavariate(1, 12)))
        scores = {c: round(rng.random() * 0.05, 4) for c in CATEGORIES}
        scores.update(toxic=round(s, 4), insult=round(s * rng.uniform(0.5, 1.0), 4), off_topic=None)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        batch_c.append(
            dict(
                id=i,
                article_id="a1",
                name="R",
                email="r@example.org",
                text=text,
                status="approved",
                version=2,
                created_at=now,
                lang=rng.choice(["en", "en", "en", "tr", "ckb"]),
            )
        )
        batch_d.append(
            dict(
                comment_id=i,
                decision="review",
                actor="machine",
                created_at=now,
                reasons=[],
                scores=scores,
                base_scores=scores,
                model_version="bench@1",
                policy_version="p",
                categories=None,
            )
        )
        batch_d.append(
            dict(
                comment_id=i,
                decision="reject" if rejected else "approve",
                actor="moderator:m",
                created_at=now,
                reasons=[],
                scores={},
                base_scores=None,
                model_version=None,
                policy_version=None,
                categories=["insult"] if rejected else None,
            )
        )
        if len(batch_c) >= 5000 or i == n:
            with platform.db.write() as conn:
                conn.execute(insert(comments), batch_c)
                conn.execute(insert(decisions), batch_d)
            batch_c, batch_d = [], []


def one(n: int) -> dict:
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    from civility.domain import Decision, Verdict
    from civility.moderation.policy import Policy
    from civility.settings import load_settings
    from civility.workflow import ArticleIn, Platform

    class Engine:
        model_version = "bench@1"
        default_policy = Policy.from_thresholds({})

        def verdicts(self, items, policy=None):
            return [Verdict(Decision.REVIEW, {}, (), self.model_version, "p") for _ in items]

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "database_url": f"sqlite:///{tmp}/bench.db",
                "secret_key": "x" * 32,
                "moderation": "auto",
                "learn_max_decisions": 0,
                "sqlite_synchronous": "NORMAL",
            },
            environ={},
            config_path=None,
        )
        platform = Platform.from_settings(settings)
        platform.migrate()
        platform.scorer.use_engine(Engine())
        platform.add_article(ArticleIn(id="a1", title="Bench", body="Bench.", source="bench"))
        fill(platform, n)
        import sklearn.linear_model  # noqa: F401  (a one-off import per process, ~3 s here, not counted)

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        report = platform.learn()
        seconds = time.perf_counter() - t0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        platform.close()
    return {
        "decisions": n,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(rss_after / 1024, 1),
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "promoted": report["promoted"],
        "heads": report.get("heads"),
        "languages": sorted(report.get("bands", {})),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(int(sys.argv[2]))))
    else:
        for size in sys.argv[1:] or ["1000", "10000", "100000"]:
            out = subprocess.run([sys.executable, __file__, "--one", size], capture_output=True, text=True, check=True)
            print(out.stdout.strip())
