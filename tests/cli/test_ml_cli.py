"""`civility score`, `evaluate` and `train` end to end through the real command line entry point
(the shipped model; a tiny generated data set for train)."""

from __future__ import annotations

import gzip
import json
import random

from civility.cli import main

ROWS = [
    {"id": "c1", "text": "Thank you for this careful report on the floods."},
    {"id": "c2", "text": "You are a complete idiot."},
    {"id": 3, "text": "Subscribe to my channel!!! www.example.shop free gift cards", "lang": "en"},
    {"id": "c4", "text": "Bu haber çok güzel, teşekkürler", "lang": "tr"},
    {"id": "c5", "text": "هذا خبر جيد", "lang": "ar"},
]


def _write(path, lines):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n")
    return path


def test_score_streams_verdicts_and_reports_a_malformed_line(tmp_path, capsys):
    lines = [json.dumps(r, ensure_ascii=False) for r in ROWS]
    lines.insert(2, '{"id": "broken", "text": "unterminated')
    lines.append('{"id": "no-text"}')
    src = _write(tmp_path / "in.jsonl.gz", lines)
    out = tmp_path / "out.jsonl"
    code = main(["score", str(src), "--output", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert "line 3" in err and "not valid JSON" in err
    assert "line 7" in err and "text" in err
    verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [v["id"] for v in verdicts] == ["c1", "c2", 3, "c4", "c5"]
    for v in verdicts:
        assert v["decision"] in {"approve", "reject", "review"}
        assert set(v["scores"]) >= {"toxic", "insult", "spam", "off_topic"}
        assert "@" in v["model"]
    by_id = {v["id"]: v for v in verdicts}
    assert by_id["c1"]["decision"] == "approve"
    assert by_id["c2"]["decision"] != "approve"
    insult = next(r for r in by_id["c2"]["reasons"] if r["category"] == "insult")
    assert {"category", "score", "threshold", "evidence"} <= set(insult)
    assert any(e["text"] == "idiot" and ROWS[1]["text"][e["start"] : e["end"]] == "idiot" for e in insult["evidence"])


def test_score_clean_file_to_stdout_exits_zero(tmp_path, capsys):
    src = _write(tmp_path / "in.jsonl", ROWS[:2])
    assert main(["score", str(src)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and json.loads(out[0])["id"] == "c1"


def _labelled(rng, n):
    rows = []
    for i in range(n):
        bad = rng.random() < 0.4
        text = (
            rng.choice(["you idiot", "what a moron you are", "stupid clown"])
            if bad
            else rng.choice(["the vote is on monday", "good article thanks", "rain expected tomorrow"])
        )
        lang = "en" if i % 5 else "tr"
        rows.append(
            {
                "id": str(i),
                "text": text,
                "lang": lang,
                "source": "toxic_spans",
                "labels": {"toxic": int(bad), "insult": int(bad), "threat": 0 if i % 2 else None},
            }
        )
    return rows


def test_evaluate_prints_the_figures_and_writes_json(tmp_path, capsys):
    data = _write(tmp_path / "dev.jsonl", _labelled(random.Random(0), 120))
    report = tmp_path / "report.json"
    assert main(["evaluate", "--data", str(data), "--json", str(report)]) == 0
    out = capsys.readouterr().out
    for needle in ("ROC-AUC", "insult", "calibration", "automation rate", "auto-reject error", "throughput", "lang tr"):
        assert needle in out, needle
    rep = json.loads(report.read_text())
    assert rep["categories"]["insult"]["positives"] > 0
    assert rep["categories"]["insult"]["roc_auc"] > 0.9
    assert rep["categories"]["threat"]["n"] == 60  # null labels are not counted
    assert 0 <= rep["automation"]["automation_rate"] <= 1
    assert set(rep["languages"]) == {"en", "tr"}


def test_train_builds_a_loadable_artifact(tmp_path, capsys):
    rng = random.Random(1)
    train = _write(tmp_path / "train.jsonl.gz", _labelled(rng, 300))
    dev = _write(tmp_path / "dev.jsonl.gz", _labelled(rng, 100))
    out_dir = tmp_path / "model"
    assert main(["train", "--data", str(train), "--dev", str(dev), "--out", str(out_dir)]) == 0
    assert "insult" in capsys.readouterr().out
    src = _write(tmp_path / "in.jsonl", ROWS[:2])
    assert main(["score", str(src), "--model", str(out_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[1])["scores"]["insult"] > json.loads(lines[0])["scores"]["insult"]


def test_score_with_articles_fills_off_topic_when_relevance_is_installed(tmp_path, capsys):
    import pytest

    try:
        from civility.moderation.relevance import RelevanceModel
    except ImportError as exc:
        pytest.skip(f"relevance module absent: {exc}")
    if RelevanceModel.load() is None:
        pytest.skip("the relevance extra is not installed")
    articles = _write(
        tmp_path / "articles.jsonl",
        [
            {
                "article_id": "a1",
                "title": "Ceasefire talks resume in Geneva",
                "body": "Negotiators for both sides met on Monday to discuss a ceasefire.",
            },
        ],
    )
    src = _write(
        tmp_path / "in.jsonl",
        [
            {"id": "on", "article_id": "a1", "text": "I hope the ceasefire talks in Geneva succeed this time."},
            {"id": "none", "text": "No article for this one."},
        ],
    )
    assert main(["score", str(src), "--articles", str(articles)]) == 0
    out = {json.loads(line)["id"]: json.loads(line) for line in capsys.readouterr().out.splitlines()}
    assert isinstance(out["on"]["scores"]["off_topic"], float)
    assert out["none"]["scores"]["off_topic"] is None and out["none"]["notes"]


def test_language_bands_writes_the_layer_into_the_manifest_only(tmp_path, capsys):
    import shutil

    from civility.moderation.artifact import default_model_dir

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    weights = (model / "weights.npz").read_bytes()
    rng = random.Random(5)
    good = ["Bu haber çok güzel, teşekkürler", "Emeğinize sağlık", "Harika bir yazı olmuş"]
    bad = ["Sen tam bir aptalsın", "Defol git salak", "Geri zekalı herif"]
    rows = [
        {
            "id": f"tr{i}",
            "lang": "tr",
            "text": f"{rng.choice(bad if i % 4 == 0 else good)} {i}",
            "labels": {"toxic": int(i % 4 == 0)},
        }
        for i in range(240)
    ]
    rows += [{"id": f"fa{i}", "lang": "fa", "text": f"ممنون {i}", "labels": {"toxic": 0}} for i in range(20)]
    data = _write(tmp_path / "multi.jsonl", rows)
    assert main(["language-bands", "--model", str(model), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "fa   review: too few labelled comments" in out
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["language_thresholds"]["*"]["hold_all"] and manifest["language_dev"]["rows"] == 260
    assert (model / "weights.npz").read_bytes() == weights


def test_evaluate_at_a_base_rate_reweights_before_reporting_automation(tmp_path, capsys):
    data = _write(tmp_path / "dev.jsonl", _labelled(random.Random(2), 200))
    report = tmp_path / "report.json"
    assert main(["evaluate", "--data", str(data), "--base-rate", "0.05", "--json", str(report)]) == 0
    assert "at base rate 0.05" in capsys.readouterr().out
    rep = json.loads(report.read_text())
    at = rep["at_base_rate"]
    assert at["base_rate"] == 0.05
    # the file is 40% abusive: at 5%, an approval is far less likely to let a rule-breaker through
    raw = rep["automation"]
    if raw["approve_error"] and at["approve_error"] is not None:
        assert at["approve_error"] < raw["approve_error"]
    assert 0 <= at["automation_rate"] <= 1 and 0 <= at["civil_rejected"] <= 1
    assert main(["evaluate", "--data", str(data), "--base-rate", "1.5"]) != 0


def test_train_takes_several_dev_files_and_a_base_rate(tmp_path, capsys):
    rng = random.Random(3)
    train = _write(tmp_path / "train.jsonl.gz", _labelled(rng, 300))
    dev_a = _write(tmp_path / "dev_a.jsonl.gz", _labelled(rng, 100))
    dev_b = _write(tmp_path / "dev_b.jsonl.gz", _labelled(rng, 100))
    out_dir = tmp_path / "model"
    assert (
        main(
            [
                "train",
                "--data",
                str(train),
                "--dev",
                str(dev_a),
                "--dev",
                str(dev_b),
                "--base-rate",
                "0.03",
                "--out",
                str(out_dir),
            ]
        )
        == 0
    )
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["policy_choice"]["base_rate"] == 0.03
    assert manifest["policy_choice"]["tuning_files"] == ["dev_a.jsonl.gz", "dev_b.jsonl.gz"]
    assert set(manifest["tuning_metrics"]) == {"dev_a.jsonl.gz", "dev_b.jsonl.gz"}
    assert manifest["thresholds"]["toxic"]["reject_above"] > 1.0  # the umbrella never rejects
