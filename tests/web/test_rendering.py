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
