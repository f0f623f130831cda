"""Pure rendering helpers: relative times, paragraphs, and the moderators' evidence
highlighter (spans marked, every piece escaped, bad spans ignored)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from civility.domain import Decision, Evidence, Reason, Verdict
from civility.web.templating import highlight, paragraphs
from civility.web.timefmt import exact, iso, relative

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=timezone.utc)


def test_relative_times():
    assert relative(NOW - timedelta(seconds=10), NOW) == "just now"
    assert relative(NOW - timedelta(seconds=50), NOW) == "1 minute ago"
    assert relative(NOW - timedelta(minutes=59), NOW) == "59 minutes ago"
    assert relative(NOW - timedelta(hours=1, minutes=5), NOW) == "1 hour ago"
    assert relative(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert relative(NOW - timedelta(days=400), NOW) == "1 year ago"
    assert relative(NOW + timedelta(hours=2), NOW) == "in 2 hours"
    assert relative(None) == ""


def test_exact_and_iso_treat_naive_times_as_utc():
    naive = datetime(2026, 1, 5, 9, 7)
    assert iso(naive) == "2026-01-05T09:07:00Z"
    assert exact(naive) == "5 Jan 2026, 09:07 UTC"


def test_paragraphs_split_on_blank_lines():
    assert paragraphs("One.\r\n\r\nTwo\nstill two.\n\n\n") == ["One.", "Two\nstill two."]
    assert paragraphs("") == []


def _verdict(*spans):
    evidence = tuple(Evidence(s, e, "") for s, e in spans)
    return Verdict(Decision.REVIEW, {"insult": 0.8}, (Reason("insult", 0.8, 0.5, evidence),))


def test_highlight_marks_evidence_and_escapes_everything():
    text = "you <b>idiot</b> & fool"
    out = str(highlight(text, _verdict((7, 12), (19, 23))))
    assert out == "you &lt;b&gt;<mark>idiot</mark>&lt;/b&gt; &amp; <mark>fool</mark>"


def test_highlight_merges_overlaps_and_ignores_bad_spans():
    text = "abcdefgh"
    assert str(highlight(text, _verdict((1, 4), (3, 6), (7, 99), (5, 2)))) == "a<mark>bcdef</mark>gh"
    assert str(highlight("<x>", None)) == "&lt;x&gt;"


def test_queue_item_shows_reasons_rules_scores_evidence_and_history():
    from civility.domain import Comment, CommentStatus, DecisionRecord
    from civility.web.api_moderation import queue_item_out
    from civility.web.templating import make_templates
    from civility.workflow.types import QueueItem

    text = "Call 555-0100 now, you <idiot>"
    verdict = Verdict(
        Decision.REJECT,
        {"insult": 0.91, "spam": 0.62, "off_topic": None},
        (
            Reason("insult", 0.91, 0.8, (Evidence(23, 30, "<idiot>"),)),
            Reason("spam", 0.62, 0.5, (Evidence(5, 13, "555-0100"),), note="a phone number"),
        ),
        model="civility-linear@3",
        policy="policy-abc",
    )
    comment = Comment(7, "a1", "Sam <b>", "sam@example.org", text, CommentStatus.PENDING, NOW)
    history = [DecisionRecord(1, 7, "review", "machine", NOW, [], {}, "civility-linear@3", "policy-abc", None)]
    item = queue_item_out(QueueItem(comment, "Title & more", 2, verdict, history))
    html = (
        make_templates()
        .get_template("_queue_item.html")
        .render(item=item, moderator={"csrf_token": "tok"}, back_url="/moderate")
    )
    assert 'Machine verdict: <strong class="decision decision-reject">reject</strong>' in html
    assert "<strong>insult</strong> 0.91 (threshold 0.80): personal attacks on a person" in html
    assert "a phone number" in html and "model civility-linear@3" in html
    assert "Call <mark>555-0100</mark> now, you <mark>&lt;idiot&gt;</mark>" in html
    assert "Sam &lt;b&gt;" in html and "Title &amp; more" in html
    assert "not available" in html  # off_topic None is said, never shown as 0
    assert 'name="expected_version" value="2"' in html
    assert "Decision history (1)" in html
