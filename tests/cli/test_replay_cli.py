"""`civility replay` and `civility learn` through the real entry point: the JSON shape the checks
read, one verdict line per replayed comment, line-numbered errors with the rest replayed, and
learning runs on a fresh temporary database (the shipped model)."""

from __future__ import annotations

import gzip
import json

from civility.cli import main

CIVIL = [
    "Thanks for the careful report on the council budget, the table helps.",
    "I disagree with the mayor's plan, the bus fares will hurt night workers.",
    "Could you link the primary sources next time? I would like to read them.",
    "The library hours matter more than the parking rules, in my view.",
]
RUDE = ["You are a complete idiot and a liar.", "Shut up, you stupid moron."]


def _stream(path, n=60):
    lines = []
    for i in range(n):
        rude = i % 10 == 3
        text = (RUDE[i % 2] if rude else CIVIL[i % 4]) + f" ({i})"
        labels = {"toxic": int(rude), "insult": int(rude), "threat": None}
        lines.append(json.dumps({"id": f"c{i}", "text": text, "lang": "en", "labels": labels}))
    lines.insert(5, '{"id": "broken", "text": ')  # line 6
    lines.insert(9, json.dumps({"id": "nolabel", "text": "no label known", "labels": {"toxic": None}}))
    lines.insert(12, json.dumps({"id": "notext", "labels": {"toxic": 0}}))  # line 13
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def test_replay_writes_the_figures_and_every_verdict(tmp_path, capsys):
    stream = _stream(tmp_path / "stream.jsonl.gz")
    out, decisions = tmp_path / "replay.json", tmp_path / "decisions.jsonl"
    code = main(["replay", str(stream), "--learn-every", "10", "--json", str(out), "--decisions", str(decisions)])
    captured = capsys.readouterr()
    assert code == 2  # malformed lines are errors, after the rest was replayed
    assert "line 6" in captured.err and "not valid JSON" in captured.err
    assert "line 13" in captured.err and "text" in captured.err
    data = json.loads(out.read_text())
    assert set(data) == {"windows", "last_half", "learn_runs", "model"}
    assert [(w["start"], w["end"]) for w in data["windows"]] == [(i, min(i + 10, 60)) for i in range(0, 60, 10)]
    assert set(data["windows"][0]) == {"start", "end", "automation", "approved_breaking", "reject_precision"}
    assert set(data["last_half"]) == {"automation", "approved_breaking", "reject_precision", "civil_rejected"}
    assert 0.0 <= data["last_half"]["automation"] <= 1.0
    assert data["learn_runs"] >= 1 and "@" in data["model"]
    lines = [json.loads(line) for line in decisions.read_text().splitlines()]
    assert [line["id"] for line in lines] == [f"c{i}" for i in range(60)]  # the unlabelled row is skipped
    assert {"id", "decision", "scores", "reasons", "model"} <= set(lines[0])
    assert "start" in captured.out and "last half" in captured.out


def test_learn_and_rollback_on_an_empty_site(tmp_path, capsys, monkeypatch):
    db = tmp_path / "site.db"
    monkeypatch.setenv("CIVILITY_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("CIVILITY_SECRET_KEY", "test-secret-key-0123456789abcdef")
    assert main(["migrate"]) == 0
    assert main(["learn"]) == 0
    assert "at least 100 are needed" in capsys.readouterr().out
    assert main(["learn", "--rollback"]) == 0
    assert "shipped bands are in use" in capsys.readouterr().out
