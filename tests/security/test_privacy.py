"""Privacy: export and erasure through a link mailed to the commenter (same answer whether or not
the address is known; only its owner gets the link), erasure that keeps only the fact in the
audit log, network addresses forgotten after the retention period, and mail only after approval."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text, update

from civility.storage.clock import utcnow

ANN = "Ann.Privacy@Example.org"


def _form_token(client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no form token on {path}"
    return match.group(1)


def _ask(site, email: str, action: str, **headers):
    return site.client.post(
        "/privacy",
        headers=headers,
        data={"email": email, "action": action, "csrf_token": _form_token(site.client, "/privacy")},
    )


def _link(mail: dict) -> str:
    url = re.search(r"https?://\S+/privacy/confirm\?token=\S+", mail["body"]).group(0)
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def _token(mail: dict) -> str:
    return parse_qs(urlsplit(_link(mail)).query)["token"][0]


@pytest.fixture
def people(site):
    site.add_article()
    p = site.platform
    site.ann = [
        p.submit_comment("budget", "Ann", ANN, f"Ann's comment {i}", ip="198.51.100.7").comment_id for i in range(2)
    ]
    site.bob = p.submit_comment("budget", "Bob", "bob@example.org", "Bob's comment", ip="198.51.100.8").comment_id
    for cid in (site.ann[0], site.bob):
        p.decide(cid, "approve", actor="moderator:t")
    p.run_pending_jobs()
    site.baseline_mail = len(site.outbox())  # the "published" notices sent so far
    return site


def _strip_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(people):
    known = _ask(people, ANN.lower(), "export")
    unknown = _ask(people, "nobody.here@example.org", "export")
    assert known.status_code == unknown.status_code == 202
    assert _strip_tokens(known.text) == _strip_tokens(unknown.text)
    assert ANN.lower() not in known.text.lower()
    people.platform.run_pending_jobs()
    mails = people.outbox()[people.baseline_mail :]
    assert [m["to"].lower() for m in mails] == [ANN.lower()], "exactly one link, to the known address only"
    assert mails[0]["kind"] == "privacy-export"


def test_export_link_downloads_only_that_commenters_data(people):
    _ask(people, ANN, "export")
    people.platform.run_pending_jobs()
    mail = people.outbox()[-1]
    confirm = people.client.get(_link(mail))
    assert confirm.status_code == 200 and "no-store" in confirm.headers["cache-control"]
    resp = people.client.post(
        "/privacy/confirm", data={"token": _token(mail), "csrf_token": _form_token(people.client, "/privacy")}
    )
    assert resp.status_code == 200
    assert "attachment" in resp.headers["content-disposition"]
    data = json.loads(resp.content)
    assert sorted(c["id"] for c in data["comments"]) == sorted(people.ann)
    assert {c["text"] for c in data["comments"]} == {"Ann's comment 0", "Ann's comment 1"}
    assert "Bob" not in resp.text and "bob@example.org" not in resp.text
    assert all(c["decisions"] is not None for c in data["comments"])
    actors = {d["actor"] for c in data["comments"] for d in c["decisions"]}
    assert "moderator" in actors and not any(":" in a for a in actors), "moderator account names leak"


def test_erasure_blanks_the_comments_and_the_audit_log_keeps_the_fact(people):
    from civility.storage.schema import comments, decisions, jobs

    _ask(people, ANN, "erase")
    people.platform.run_pending_jobs()
    mail = people.outbox()[-1]
    assert mail["kind"] == "privacy-erase"
    page = people.client.get(_link(mail))
    assert page.status_code == 200 and "Erase" in page.text
    assert people.platform.queue_item(people.ann[0]).comment.text == "Ann's comment 0", "GET must not erase"
    resp = people.client.post(
        "/privacy/confirm", data={"token": _token(mail), "csrf_token": _form_token(people.client, "/privacy")}
    )
    assert resp.status_code == 200 and "2 comments erased" in resp.text
    with people.platform.db.read() as conn:
        rows = {r.id: r for r in conn.execute(select(comments))}
        log = conn.execute(select(decisions).where(decisions.c.decision == "erase")).all()
        job_payloads = [r.payload for r in conn.execute(select(jobs.c.payload))]
    for cid in people.ann:
        row = rows[cid]
        assert (row.name, row.email, row.text, row.ip) == ("", "", "", None)
        assert row.erased_at is not None
    assert rows[people.bob].email == "bob@example.org" and rows[people.bob].text == "Bob's comment"
    assert sorted(d.comment_id for d in log) == sorted(people.ann)
    assert all(d.actor == "commenter" for d in log)
    assert ANN.lower() not in json.dumps(job_payloads).lower(), "the address lingers in the jobs table"
    public = people.client.get("/api/articles/budget/comments").json()
    assert [c["id"] for c in public["items"]] == [people.bob]
    again = people.client.post(
        "/privacy/confirm", data={"token": _token(mail), "csrf_token": _form_token(people.client, "/privacy")}
    )
    assert again.status_code == 403, "a link works once"


def test_links_cannot_be_forged_swapped_or_reused_after_expiry(make_site):
    site = make_site(privacy_link_max_age=1)
    site.add_article()
    site.platform.submit_comment("budget", "Ann", ANN, "Ann's comment", ip=None)
    privacy = site.platform.privacy
    privacy.request_link(ANN, "export", ip=None)
    site.platform.run_pending_jobs()
    export = _token(site.outbox()[-1])
    token = _form_token(site.client, "/privacy")
    for bad in ("", "garbage", export[:-2] + "xx", export.upper(), "x" * 5000):
        resp = site.client.post("/privacy/confirm", data={"token": bad, "csrf_token": token})
        assert resp.status_code == 403, bad
    from civility.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        privacy.erase(export)  # an export link never erases
    time.sleep(2.1)
    assert site.client.get("/privacy/confirm", params={"token": export}).status_code == 403


def test_privacy_requests_need_the_form_token_and_are_rate_limited(people):
    assert people.client.post("/privacy", data={"email": ANN, "action": "erase"}).status_code == 403
    codes = [_ask(people, f"someone{i % 1}@example.org", "export").status_code for i in range(4)]
    assert codes == [202, 202, 202, 429]
    limited = _ask(people, "someone0@example.org", "export")
    assert int(limited.headers["retry-after"]) > 0
    assert 'value="someone0@example.org"' in limited.text, "the typed address is kept"
    bad = _ask(people, "not an address", "export")
    assert bad.status_code == 422 and 'value="not an address"' in bad.text


def test_repeated_requests_send_one_mail(people):
    for _ in range(3):
        _ask(people, ANN, "export")
    people.platform.run_pending_jobs()
    assert len(people.outbox()) - people.baseline_mail == 1


def test_addresses_are_forgotten_after_the_retention_period(make_site):
    from civility.storage.schema import comments

    site = make_site(ip_retention_days=30)
    site.add_article()
    old = site.platform.submit_comment("budget", "Old", "old@example.org", "old comment", ip="192.0.2.1").comment_id
    new = site.platform.submit_comment("budget", "New", "new@example.org", "new comment", ip="192.0.2.2").comment_id
    with site.platform.db.write() as conn:
        conn.execute(update(comments).where(comments.c.id == old).values(created_at=utcnow() - timedelta(days=31)))
    worker = site.platform.start_worker(poll_interval=0.05)  # runs this hour's retention job at start
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with site.platform.db.read() as conn:
            ips = dict(conn.execute(select(comments.c.id, comments.c.ip)).all())
        if ips[old] is None:
            break
        time.sleep(0.1)
    site.platform.stop_worker()
    assert worker is not None
    assert ips[old] is None, "the old address was not purged by the scheduled job"
    assert ips[new] == "192.0.2.2"
    with site.platform.db.read() as conn:
        kinds = [r[0] for r in conn.execute(text("SELECT kind FROM jobs WHERE status = 'done'"))]
    assert "retention" in kinds


def test_notifications_only_after_approval(site):
    site.add_article()
    p = site.platform
    pending = p.submit_comment("budget", "P", "pending@example.org", "pending one", ip=None).comment_id
    rejected = p.submit_comment("budget", "R", "rejected@example.org", "rejected one", ip=None).comment_id
    approved = p.submit_comment("budget", "A", "approved@example.org", "approved one", ip=None).comment_id
    p.run_pending_jobs()
    assert site.outbox() == [], "mail before any approval"
    p.decide(rejected, "reject", actor="moderator:t", categories=["insult"])
    p.run_pending_jobs()
    assert site.outbox() == [], "mail for a rejected comment"
    p.decide(approved, "approve", actor="moderator:t")
    p.run_pending_jobs()
    p.run_pending_jobs()
    mails = site.outbox()
    assert [m["to"] for m in mails] == ["approved@example.org"]
    assert "approved one" not in mails[0]["body"], "a notice must not relay the comment's text"
    assert str(approved) in mails[0]["body"]
    assert pending and all(m["to"] != "pending@example.org" for m in mails)


def test_a_notice_is_not_sent_if_the_comment_was_erased_before_the_job_ran(site):
    site.add_article()
    p = site.platform
    cid = p.submit_comment("budget", "A", "late@example.org", "approved then erased", ip=None).comment_id
    p.decide(cid, "approve", actor="moderator:t")
    p.erase_comment(cid, actor="commenter")
    p.run_pending_jobs()
    assert site.outbox() == []


@pytest.mark.postgres
def test_erasure_through_the_link_on_postgresql(make_site, pg_url):
    from civility.storage.schema import comments

    site = make_site(database_url=pg_url)
    site.add_article()
    p = site.platform
    cid = p.submit_comment("budget", "Ann", ANN, "Ann on PostgreSQL", ip="198.51.100.7").comment_id
    p.privacy.request_link(ANN.upper(), "erase", ip="198.51.100.7")
    p.run_pending_jobs()
    [mail] = [m for m in site.outbox() if m["kind"] == "privacy-erase"]
    assert p.privacy.erase(_token(mail)) == 1
    with p.db.read() as conn:
        row = conn.execute(select(comments).where(comments.c.id == cid)).one()
    assert (row.name, row.email, row.text, row.ip) == ("", "", "", None) and row.erased_at is not None
    assert [d.decision for d in p.comment_history(cid)][-1] == "erase"


def test_erasure_leaves_no_words_of_the_comment_in_the_audit_log(make_site):
    """The machine's evidence is kept as offsets (and notes quoting it keep markers), so the
    append-only log holds no copy of the text; moderators still see the words while it exists."""
    from civility.storage.schema import decisions

    site = make_site(moderation="auto", relevance="off")
    site.add_article()
    p = site.platform
    texts = [
        "You are a stupid idiot and a moron",
        "Great deals!!! visit cheap-pills.shop and call +1 555 123 4567, follow @pillguy",
    ]
    ids = [p.submit_comment("budget", "Zed", "zed@example.org", t, ip=None).comment_id for t in texts]
    p.run_pending_jobs()
    verdicts = [p.queue_item(cid).verdict for cid in ids]
    shown = [e.text for v in verdicts for r in v.reasons for e in r.evidence]
    assert shown and all(t and any(t in x for x in texts) for t in shown), "moderators must see the evidence"
    notes = " ".join(r.note or "" for v in verdicts for r in v.reasons)
    assert "cheap-pills.shop" in notes and "\u27e6" not in notes, "moderators must still read the reasons"
    for cid in ids:
        p.erase_comment(cid, actor="commenter")
    with p.db.read() as conn:
        log = json.dumps(
            [list(r) for r in conn.execute(select(decisions.c.reasons, decisions.c.scores, decisions.c.note)).all()],
            default=str,
        ).lower()
    for word in ("stupid", "idiot", "moron", "cheap-pills", "555 123", "pillguy"):
        assert word not in log, f"{word!r} outlived the erasure in the audit log"
    after = [r.note or "" for cid in ids for r in p.queue_item(cid).verdict.reasons]
    assert "cheap-pills" not in " ".join(after)
