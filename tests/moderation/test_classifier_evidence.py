"""Evidence arithmetic: per-token contributions add up to the linear score they explain, so a
span shown to a moderator is exactly the part of the score its word produced."""

from __future__ import annotations

import numpy as np
import pytest

from civility.moderation.classifier import Classifier, normalize


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.mark.parametrize(
    "text", ["You are an idiot, an idiot!", "check out my channel www.example.com", "The vote is on Monday.", "x"]
)
def test_token_contributions_sum_to_the_hashed_part_of_the_score(classifier, text):
    scored = classifier.run([normalize(text), normalize("another comment to make a batch")])
    feat = classifier.artifact.featurizer
    coef = classifier.artifact.heads.coef.copy()
    coef[feat.n_word + feat.n_char :] = 0.0  # lexicon block: its length column has no token
    cols = list(range(len(classifier.categories)))
    contrib = feat.contributions(scored.analysis, scored.weighted, 0, coef, cols)
    expected = np.asarray(scored.weighted[0] @ coef).ravel()
    np.testing.assert_allclose(contrib.sum(axis=0), expected, rtol=1e-4, atol=1e-5)
    # and the scratch row is left clean for the next caller
    assert not feat._scratch().any()


def test_evidence_names_the_word_that_raises_the_score(classifier):
    text = "Thanks for the update. You moron."
    scored = classifier.run([normalize(text)])
    spans = scored.evidence(0, ["insult"])["insult"]
    assert "moron" in [e.text for e in spans]
    assert "Thanks" not in [e.text for e in spans]
    assert all(text[e.start : e.end] == e.text for e in spans)


@pytest.mark.parametrize(
    "text",
    [
        "My cat had kittens yesterday, anyone want one?",
        "Fair summary of the vote. It would help to see which libraries lose which hours; is there a table?",
    ],
)
def test_weak_scores_show_no_filler_words_as_evidence(text):
    """A civil comment held for a faint score must not be explained by 'my', 'had' or 'of':
    either a word that really pushes the score, or the note that none does."""
    from civility.domain import ModerationInput
    from civility.moderation.pipeline import ModerationEngine

    verdict = ModerationEngine.load(relevance=None).verdict(ModerationInput(text=text))
    filler = {"my", "had", "of", "is", "it", "a", "the", "to", "which", "would", "see", "yesterday", "anyone", "one"}
    for reason in verdict.reasons:
        assert not [e.text for e in reason.evidence if e.text.lower() in filler], reason
        if not reason.evidence:
            assert reason.note, reason


def test_a_real_insult_still_names_its_word(classifier):
    scored = classifier.run([normalize("You are a complete idiot and everyone knows it.")])
    assert [e.text for e in scored.evidence(0, ["insult"])["insult"]] == ["idiot"]
