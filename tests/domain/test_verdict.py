"""Verdicts round-trip through their JSON form and report unavailable scores as null."""

from civility.domain import CATEGORIES, Decision, Evidence, Reason, Verdict


def test_round_trip_keeps_everything():
    verdict = Verdict(
        decision=Decision.REJECT,
        scores={c: 0.1 for c in CATEGORIES} | {"insult": 0.97, "off_topic": None},
        reasons=(Reason("insult", 0.97, 0.9, (Evidence(10, 16, "idiot!"),), note="personal attack"),),
        model="civility-linear@1",
        policy="default@1",
    )
    data = verdict.to_dict()
    assert data["scores"]["off_topic"] is None
    assert data["reasons"][0]["evidence"] == [{"start": 10, "end": 16, "text": "idiot!"}]
    assert Verdict.from_dict(data) == Verdict.from_dict(Verdict.from_dict(data).to_dict())
    assert Verdict.from_dict(data).reasons[0].evidence[0].text == "idiot!"


def test_category_ids_are_the_designs():
    assert CATEGORIES == (
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
