"""Issue 11 over HTTP: decisions revised (approve a rejected comment, withdraw a published one:
gone from the page, the feed and the API at once, each a new audit row with who/when/why), the
truth after posting (published / held / not published with the rule), replies in threads,
reports that send a comment back to the queue, the home page order and counts, closing comments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from civility.workflow.types import ArticleIn


def _form(client, util, article_id, path=None, **fields):
    page = client.get(path or f"/articles/{article_id}")
    data = {
        "csrf_token": util.form_token(page.text),
        "idempotency_key": util.hidden_value(page.text, "idempotency_key"),
        "name": "Ana",
        "email": "ana@example.org",
        "text": "Good reporting on the detours.",
        "website": "",
        **fields,
    }
    return client.post(f"/articles/{article_id}/comments", data=data, follow_redirects=False)


def _mod_post(client, util, url, **data):
    page = client.get("/moderate").text
    return client.post(url, data={"csrf_token": util.form_token(page), **data}, follow_redirects=False)


# -- 1. decisions are revisable, never erased -------------------------------------------------------
def test_a_rejected_comment_can_be_approved_after_all_with_a_reason(client, platform, article, make_comment, util):
    cid = make_comment(article.id, text="Wrongly rejected but fair.", state="reject")
    util.login(client)
    page = client.get("/moderate?status=rejected").text
    assert f"Approve #{cid} after all" in page
    version = platform.queue_item(cid).version
    url = f"/moderate/comments/{cid}/decision"
    refused = _mod_post(client, util, url, decision="approve", expected_version=str(version), reason="")
    assert refused.status_code == 422 and "needs a reason" in refused.text
    assert platform.queue_item(cid).comment.status.value == "rejected"
    done = _mod_post(client, util, url, decision="approve", expected_version=str(version), reason="not an insult")
    assert done.status_code == 303
    assert "Wrongly rejected but fair." in client.get(f"/articles/{article.id}").text
    history = platform.comment_history(cid)
    assert [(d.decision, d.actor) for d in history][-2:] == [
        ("reject", "moderator:setup"),
        ("approve", "moderator:mod"),
    ]
    assert history[-1].note == "not an insult" and history[-1].created_at is not None


def test_withdraw_takes_a_comment_off_page_feed_and_api_at_once(client, platform, article, make_comment, util):
    cid = make_comment(article.id, text="Published, then withdrawn.", state="approve")
    for path in (
        f"/articles/{article.id}",
        f"/articles/{article.id}/comments.atom",
        f"/api/articles/{article.id}/comments",
        f"/embed/comments?article={article.id}",
    ):
        assert "Published, then withdrawn." in client.get(path).text, path
    util.login(client)
    assert f"Withdraw #{cid}" in client.get("/moderate?status=approved").text
    answer = _mod_post(
        client,
        util,
        f"/moderate/comments/{cid}/decision",
        decision="withdraw",
        expected_version=str(platform.queue_item(cid).version),
        reason="libel risk",
    )
    assert answer.status_code == 303 and "done=withdraw" in answer.headers["location"]
    for path in (
        f"/articles/{article.id}",
        f"/articles/{article.id}/comments.atom",
        f"/api/articles/{article.id}/comments",
        f"/embed/comments?article={article.id}",
    ):
        assert "Published, then withdrawn." not in client.get(path).text, path
    last = platform.comment_history(cid)[-1]
    assert (last.decision, last.actor, last.note) == ("withdraw", "moderator:mod", "libel risk")
    assert platform.queue_item(cid).comment.text == "Published, then withdrawn."  # never edited


def test_api_revises_and_withdraws(client, platform, article, make_comment, bearer):
    cid = make_comment(article.id, state="reject")
    version = platform.queue_item(cid).version
    no_version = client.post(f"/api/moderation/comments/{cid}/approve", json={"reason": "fine"}, headers=bearer)
    assert no_version.status_code == 409
    no_reason = client.post(
        f"/api/moderation/comments/{cid}/approve", json={"expected_version": version}, headers=bearer
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["fields"]
    ok = client.post(
        f"/api/moderation/comments/{cid}/approve", json={"expected_version": version, "reason": "fine"}, headers=bearer
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert ok.json()["decision"]["note"] == "fine"
    pulled = client.post(f"/api/moderation/comments/{cid}/withdraw", json={"reason": "second look"}, headers=bearer)
    assert pulled.status_code == 200 and pulled.json()["status"] == "rejected"
    assert pulled.json()["decision"]["decision"] == "withdraw"
    again = client.post(f"/api/moderation/comments/{cid}/withdraw", json={"reason": "x"}, headers=bearer)
    assert again.status_code == 409
    assert client.get(f"/api/articles/{article.id}/comments").json()["items"] == []
    decisions = [d["decision"] for d in client.get(f"/api/moderation/comments/{cid}/history", headers=bearer).json()]
    assert decisions == ["reject", "approve", "withdraw"]


def test_withdraw_drops_the_shared_cache(make_app, redis_url):
    _settings, platform, client = make_app(redis_url=redis_url)
    article = platform.add_article(ArticleIn(title="Cached story", body="B"))
    cid = platform.submit_comment(article.id, "R", "r@example.org", "cached then withdrawn", ip=None).comment_id
    platform.decide(cid, "approve", actor="moderator:a")
    assert "cached then withdrawn" in client.get(f"/api/articles/{article.id}/comments").text
    assert "cached then withdrawn" in client.get(f"/api/articles/{article.id}/comments").text  # from the cache
    platform.decide(cid, "withdraw", actor="moderator:a", reason="gone")
    assert "cached then withdrawn" not in client.get(f"/api/articles/{article.id}/comments").text


# -- 2. the truth after posting ----------------------------------------------------------------------
def test_held_comment_says_held_and_the_receipt_status_endpoint_follows_it(client, platform, article, util):
    answer = _form(client, util, article.id)
    location = answer.headers["location"]
    receipt = re.search(r"submitted=([\w.-]+)", location).group(1)
    page = client.get(location).text
    assert "held for review" in page and "Check again</button>" in page
    status = client.get("/api/comments/status", params={"receipt": receipt})
    assert status.json()["status"] == "pending"
    cid = platform.review_queue().items[0].comment.id
    platform.decide(cid, "reject", actor="moderator:a", categories=["insult"], reason="rude")
    assert client.get("/api/comments/status", params={"receipt": receipt}).json() == {
        "status": "rejected",
        "message": "Your comment was not published. A moderator found that it breaks the community rules.",
    }
    assert "Your comment was not published." in client.get(location).text  # and after a reload, without JS
    assert client.get("/api/comments/status", params={"receipt": receipt + "x"}).status_code == 404


def test_machine_verdicts_are_told_at_once_with_the_rule(make_app, util):
    _settings, platform, client = make_app(moderation="auto", relevance="off")
    platform.scorer.moderator()  # this process has the engine loaded: a submission is scored inline
    article = platform.add_article(
        ArticleIn(title="Council passes the budget", body="The council voted 27 to 22 on the budget.")
    )
    rude = client.post(
        f"/api/articles/{article.id}/comments",
        json={"name": "X", "email": "x@example.org", "text": "You are a stupid idiot and a moron."},
    )
    assert rude.status_code == 200, rude.text
    body = rude.json()
    assert body["status"] == "rejected" and "personal attacks on a person" in body["rules"]
    assert body["message"].startswith("Your comment was not published. The community rule")
    fine = client.post(
        f"/api/articles/{article.id}/comments",
        json={
            "name": "Y",
            "email": "y@example.org",
            "text": "The budget vote was close; I hope the council explains the cuts to schools.",
        },
    )
    assert fine.status_code in (201, 202)
    answer = _form(client, util, article.id, text="What an idiot you are, stupid moron.")
    page = unescape(client.get(answer.headers["location"]).text)
    assert "Your comment was not published. The community rule it breaks: personal attacks on a person." in page


def test_the_publisher_can_say_only_not_published(make_app):
    _settings, platform, client = make_app(moderation="auto", relevance="off", rejection_detail="none")
    platform.scorer.moderator()
    article = platform.add_article(ArticleIn(title="Council passes the budget", body="The council voted."))
    rude = client.post(
        f"/api/articles/{article.id}/comments",
        json={"name": "X", "email": "x@example.org", "text": "You are a stupid idiot and a moron."},
    ).json()
    assert rude["status"] == "rejected" and rude["rules"] == [] and rude["message"] == "Your comment was not published."


# -- 3. replies and reports --------------------------------------------------------------------------
def test_replies_are_threaded_and_never_before_their_parent(client, platform, article, make_comment, util):
    root = make_comment(article.id, name="Root Rita", text="Top-level comment.", state="approve")
    page = client.get(f"/articles/{article.id}").text
    reply_link = unescape(re.search(r'class="reply-link" href="([^"]+)"', page).group(1))
    form_page = client.get(reply_link).text
    assert 'Reply to <bdi dir="auto">Root Rita</bdi>' in form_page
    assert util.hidden_value(form_page, "parent_id") == str(root)
    answer = client.post(
        f"/articles/{article.id}/comments",
        follow_redirects=False,
        data={
            "csrf_token": util.form_token(form_page),
            "idempotency_key": util.hidden_value(form_page, "idempotency_key"),
            "parent_id": str(root),
            "name": "Replying Ray",
            "email": "",
            "text": "A reply.",
        },
    )
    assert answer.status_code == 422 and util.hidden_value(answer.text, "parent_id") == str(root)  # email required
    answer = client.post(
        f"/articles/{article.id}/comments",
        follow_redirects=False,
        data={
            "csrf_token": util.form_token(form_page),
            "idempotency_key": util.hidden_value(form_page, "idempotency_key"),
            "parent_id": str(root),
            "name": "Replying Ray",
            "email": "ray@example.org",
            "text": "A reply.",
        },
    )
    assert answer.status_code == 303
    reply = platform.review_queue().items[-1].comment
    assert reply.parent_id == root and "A reply." not in client.get(f"/articles/{article.id}").text  # pre-moderated
    platform.decide(reply.id, "approve", actor="moderator:a")
    deeper = platform.submit_comment(
        article.id, "Deep Dee", "d@example.org", "Reply to the reply.", ip=None, parent_id=reply.id
    ).comment_id
    platform.decide(deeper, "approve", actor="moderator:a")
    deepest = platform.submit_comment(
        article.id, "Third Theo", "t@example.org", "Third level.", ip=None, parent_id=deeper
    ).comment_id
    platform.decide(deepest, "approve", actor="moderator:a")
    html = client.get(f"/articles/{article.id}").text
    assert (
        html.index("Top-level comment.")
        < html.index("A reply.")
        < html.index("Reply to the reply.")
        < html.index("Third level.")
    )
    assert html.count('class="replies"') == 2  # two levels of nesting, no more
    assert 'in reply to <bdi dir="auto">Deep Dee</bdi>' in html
    # Withdrawing the parent hides its replies too (a reply is never shown without its parent).
    platform.decide(root, "withdraw", actor="moderator:a", reason="gone")
    html = client.get(f"/articles/{article.id}").text
    assert "A reply." not in html and "Third level." not in html
    api = client.get(f"/api/articles/{article.id}/comments").json()["items"]
    assert reply.id not in [c["id"] for c in api]
    from civility.errors import ValidationError

    with pytest.raises(ValidationError):
        platform.submit_comment(article.id, "N", "n@example.org", "reply to withdrawn", ip=None, parent_id=root)


def _report(client, util, article_id, comment_id, ip_header=None, **fields):
    page = client.get(f"/articles/{article_id}/comments/{comment_id}/report").text
    data = {"csrf_token": util.form_token(page), "reason": "insult", "note": "", "website": "", **fields}
    return client.post(f"/articles/{article_id}/comments/{comment_id}/report", data=data)


def test_reports_send_a_comment_back_to_the_queue_with_the_reports_shown(make_app, util):
    settings, platform, client = make_app(reports_to_requeue=2)
    article = platform.add_article(ArticleIn(title="Reported story", body="B"))
    cid = platform.submit_comment(article.id, "R", "r@example.org", "A borderline remark.", ip=None).comment_id
    platform.decide(cid, "approve", actor="moderator:a")
    page = client.get(f"/articles/{article.id}").text
    assert f"/articles/{article.id}/comments/{cid}/report" in page
    assert _report(client, util, article.id, cid, reason="").status_code == 422
    assert "Thank you" in _report(client, util, article.id, cid, note="<b>rude</b>").text
    assert "Thank you" in _report(client, util, article.id, cid).text  # the same reader again: counted once
    assert platform.queue_item(cid).comment.status.value == "approved"
    platform.report_comment(cid, "spam", "looks like an ad", ip="203.0.113.50")  # another reader
    item = platform.queue_item(cid)
    assert item.comment.status.value == "pending" and item.open_reports == 2
    assert item.decisions[-1].actor == "readers"
    assert "A borderline remark." not in client.get(f"/articles/{article.id}").text
    util.login(client)
    queue = client.get("/moderate").text
    assert "Reported 2 times" in queue and "&lt;b&gt;rude&lt;/b&gt;" in queue and "It is advertising or spam" in queue
    platform.decide(cid, "approve", actor="moderator:a")
    assert platform.queue_item(cid).open_reports == 0  # a decision closes them


def test_report_refusals_honeypot_and_rate_limit(make_app, util):
    _settings, platform, client = make_app(rate_limit_reports_per_hour=2, reports_to_requeue=0)
    article = platform.add_article(ArticleIn(title="Story", body="B"))
    pending = platform.submit_comment(article.id, "P", "p@example.org", "pending one", ip=None).comment_id
    assert client.get(f"/articles/{article.id}/comments/{pending}/report").status_code == 404
    ids = []
    for i in range(3):
        cid = platform.submit_comment(article.id, "R", f"r{i}@example.org", f"published {i}", ip=None).comment_id
        platform.decide(cid, "approve", actor="moderator:a")
        ids.append(cid)
    bot = _report(client, util, article.id, ids[0], website="http://spam.example")
    assert bot.status_code == 200 and "Thank you" in bot.text and platform.queue_item(ids[0]).reports == []
    forged = client.post(
        f"/articles/{article.id}/comments/{ids[0]}/report", data={"reason": "insult", "csrf_token": "x"}
    )
    assert forged.status_code == 403 and platform.queue_item(ids[0]).reports == []
    assert _report(client, util, article.id, ids[0]).status_code == 200
    assert _report(client, util, article.id, ids[1]).status_code == 200
    limited = _report(client, util, article.id, ids[2])
    assert limited.status_code == 429 and limited.headers["retry-after"]


def test_report_from_the_embed_stays_in_the_frame(client, platform, article, make_comment, util):
    cid = make_comment(article.id, state="approve")
    frame = client.get(f"/embed/comments?article={article.id}").text
    link = unescape(re.search(r'class="report-link" href="([^"]+)"', frame).group(1))
    assert link == f"/embed/comments/{cid}/report?article={article.id}"
    page = client.get(link)
    assert "frame-ancestors http: https:" in page.headers["content-security-policy"]
    assert "site-header" not in page.text
    done = client.post(link, data={"csrf_token": util.form_token(page.text), "reason": "spam"})
    assert done.status_code == 200 and "Thank you" in done.text
    assert len(platform.queue_item(cid).reports) == 1


# -- 4. home page and closing ------------------------------------------------------------------------
def test_home_page_is_newest_first_with_comment_counts(client, platform, make_comment):
    now = datetime.now(timezone.utc)
    for title, age in (
        ("Five days old", timedelta(days=5)),
        ("Minutes old", timedelta(minutes=46)),
        ("One day old", timedelta(days=1)),
        ("Hours old", timedelta(hours=3)),
    ):
        platform.add_article(ArticleIn(title=title, body="B", published_at=now - age))
    hours = next(a for a in platform.list_articles(limit=10).items if a.title == "Hours old")
    make_comment(hours.id, state="approve")
    make_comment(hours.id, state="approve")
    make_comment(hours.id)  # pending: not counted
    html = client.get("/").text
    order = [html.index(t) for t in ("Minutes old", "Hours old", "One day old", "Five days old")]
    assert order == sorted(order)
    assert re.search(r"Hours old</a>.*?2 comments", html, re.S)


def test_comments_close_by_hand_and_after_n_days(make_app, util, moderator):
    _settings, platform, client = make_app(close_comments_after_days=3)
    old = platform.add_article(
        ArticleIn(title="Old story", body="B", published_at=datetime.now(timezone.utc) - timedelta(days=4))
    )
    assert "Comments are closed" in client.get(f"/articles/{old.id}").text
    with pytest.raises(Exception, match="closed"):
        platform.submit_comment(old.id, "N", "n@example.org", "late", ip=None)
    fresh = platform.add_article(ArticleIn(title="Fresh story", body="B"))
    assert "Post comment" in client.get(f"/articles/{fresh.id}").text
    util.login(client)
    page = client.get(f"/moderate?article={fresh.id}").text
    assert "Close comments on this article" in page
    closed = client.post(
        f"/moderate/articles/{fresh.id}/comments-closed",
        data={"csrf_token": util.form_token(page), "closed": "1"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert "Comments are closed" in client.get(f"/articles/{fresh.id}").text
    api = client.post(f"/api/articles/{fresh.id}/comments", json={"name": "N", "email": "n@example.org", "text": "t"})
    assert api.status_code == 409
    platform.close_comments(fresh.id, False)
    assert "Post comment" in client.get(f"/articles/{fresh.id}").text


# -- 5. the queue for volume -------------------------------------------------------------------------
def test_bulk_approve_previews_the_count_and_texts_then_decides(client, platform, article, make_comment, util):
    ids = [make_comment(article.id, text=f"bulk text {i} <i>") for i in range(3)]
    util.login(client)
    page = client.get("/moderate").text
    assert page.count('name="ids"') == 3 and 'form="bulk"' in page and 'id="keys-help"' in page
    token = util.form_token(page)
    preview = client.post(
        "/moderate/bulk",
        data={"csrf_token": token, "action": "approve", "ids": [str(i) for i in ids[:2]], "back": "/moderate"},
    )
    assert preview.status_code == 200 and "Approve 2 comments?" in preview.text
    assert "bulk text 0 &lt;i&gt;" in preview.text and "bulk text 2" not in preview.text
    assert platform.comment_counts(article.id)["pending"] == 3  # a preview decides nothing
    done = client.post(
        "/moderate/bulk",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "action": "approve",
            "confirm": "yes",
            "ids": [str(i) for i in ids[:2]],
            "back": "/moderate",
        },
    )
    assert done.status_code == 303
    assert "2 comments approved." in client.get(done.headers["location"]).text
    assert platform.comment_counts(article.id) == {"pending": 1, "approved": 2, "rejected": 0}
    refused = client.post("/moderate/bulk", data={"action": "reject", "confirm": "yes", "ids": [str(ids[2])]})
    assert refused.status_code == 403 and platform.comment_counts(article.id)["pending"] == 1


def test_dashboard_search_sort_and_email_filter(client, platform, article, make_comment, util):
    make_comment(article.id, text="Potholes on Elm street again.", email="elm@example.org")
    make_comment(article.id, text="The mayor should resign.")
    util.login(client)
    page = client.get("/moderate", params={"q": "pothole"}).text
    assert "Potholes on Elm street" in page and "mayor should resign" not in page
    page = client.get("/moderate", params={"email": "ELM@example.org", "sort": "risky_first"}).text
    assert "Potholes on Elm street" in page and "mayor should resign" not in page


def test_api_bulk_with_dry_run(client, platform, article, make_comment, bearer):
    ids = [make_comment(article.id) for _ in range(3)]
    platform.decide(ids[0], "approve", actor="moderator:x")
    dry = client.post("/api/moderation/bulk", json={"ids": ids, "decision": "reject", "dry_run": True}, headers=bearer)
    assert dry.json() == {"decision": "reject", "done": ids[1:], "skipped": ids[:1]}
    assert platform.comment_counts(article.id)["pending"] == 2
    real = client.post(
        "/api/moderation/bulk",
        json={"ids": ids, "decision": "reject", "reason": "spam wave", "categories": ["spam"]},
        headers=bearer,
    )
    assert real.json()["done"] == ids[1:] and platform.comment_counts(article.id)["rejected"] == 2
    queue = client.get("/api/moderation/queue", params={"status": "rejected", "q": "detours"}, headers=bearer).json()
    assert len(queue["items"]) == 2


# -- 6. commenters: history, bans, trust -------------------------------------------------------------
def test_commenter_history_and_bans(client, platform, article, make_comment, util, bearer):
    make_comment(article.id, email="Hist@example.org", state="approve")
    make_comment(article.id, email="hist@example.org", state="reject")
    make_comment(article.id, email="hist@example.org")
    assert client.get("/moderate/commenters?email=hist@example.org", follow_redirects=False).status_code == 303
    util.login(client)
    page = client.get("/moderate/commenters", params={"email": "hist@example.org"}).text
    assert "3 comments" in page and "1 approved, 1 rejected, 1 waiting" in page and "Rejection rate <strong>50%" in page
    ban = client.post(
        "/moderate/commenters/ban",
        follow_redirects=False,
        data={
            "csrf_token": util.form_token(page),
            "email": "hist@example.org",
            "reason": "repeated abuse",
            "days": "7",
        },
    )
    assert ban.status_code == 303
    page = client.get(ban.headers["location"]).text
    assert "Banned" in page and "repeated abuse" in page
    held = platform.submit_comment(article.id, "H", "HIST@example.org", "after the ban", ip=None)
    assert held.status.value == "pending"
    last = platform.comment_history(held.comment_id)[-1]
    assert (last.decision, last.policy_version) == ("review", "ban@1")
    platform.run_pending_jobs()  # no machine job: the ban holds it for a person
    assert platform.queue_item(held.comment_id).comment.status.value == "pending"
    api = client.get("/api/moderation/commenters", params={"email": "hist@example.org"}, headers=bearer).json()
    assert api["counts"] == {"pending": 2, "approved": 1, "rejected": 1} and api["ban"]["reason"] == "repeated abuse"
    assert client.delete("/api/moderation/bans", params={"email": "hist@example.org"}, headers=bearer).json() == {
        "lifted": 1
    }
    assert platform.active_ban("hist@example.org") is None


def test_banned_comments_can_be_rejected_and_the_reader_is_told_only_not_published(make_app):
    _settings, platform, client = make_app(banned_comments="reject")
    article = platform.add_article(ArticleIn(title="Ban story", body="B"))
    platform.ban("troll@example.org", "threats", actor="moderator:a")
    answer = client.post(
        f"/api/articles/{article.id}/comments", json={"name": "T", "email": "troll@example.org", "text": "hello again"}
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected" and answer.json()["message"] == "Your comment was not published."
    assert "threats" not in answer.text


def test_trusted_commenters_are_published_at_once_when_turned_on(make_app):
    _settings, platform, client = make_app(trusted_after_approved=2, trusted_clean_days=30)
    article = platform.add_article(ArticleIn(title="Trust story", body="B"))
    for i in range(2):
        cid = platform.submit_comment(article.id, "T", "regular@example.org", f"fine {i}", ip=None).comment_id
        assert platform.queue_item(cid).comment.status.value == "pending"
        platform.decide(cid, "approve", actor="moderator:a")
    answer = client.post(
        f"/api/articles/{article.id}/comments", json={"name": "T", "email": "Regular@example.org", "text": "third one"}
    )
    assert answer.status_code == 201 and answer.json()["status"] == "approved"
    assert "third one" in client.get(f"/articles/{article.id}").text
    assert platform.comment_history(answer.json()["id"])[-1].policy_version == "trusted@1"
    bad = platform.submit_comment(article.id, "T", "regular@example.org", "a bad one", ip=None).comment_id
    assert platform.queue_item(bad).comment.status.value == "approved"  # trusted: published at once
    platform.decide(bad, "withdraw", actor="moderator:a", reason="abuse")  # a rejection ends the trust
    later = platform.submit_comment(article.id, "T", "regular@example.org", "after the rejection", ip=None)
    assert later.status.value == "pending"


def test_trust_is_off_by_default(make_app):
    _settings, platform, _client = make_app()
    article = platform.add_article(ArticleIn(title="Default story", body="B"))
    for i in range(5):
        cid = platform.submit_comment(article.id, "T", "many@example.org", f"fine {i}", ip=None).comment_id
        platform.decide(cid, "approve", actor="moderator:a")
    assert platform.submit_comment(article.id, "T", "many@example.org", "sixth", ip=None).status.value == "pending"


def test_stats_page_draws_server_side_svg(client, platform, article, make_comment, util):
    from civility.storage.repos import decisions as decision_repo

    held = make_comment(article.id, text="held then approved")
    from civility.storage.repos import comments as comment_repo

    with platform.db.write() as conn:  # what the machine records when it holds for a category
        decision_repo.append(
            conn,
            comment_id=held,
            decision="review",
            actor="machine",
            reasons=[{"category": "insult", "score": 0.5, "threshold": 0.4, "evidence": []}],
        )
        comment_repo.set_machine_summary(conn, held, risk=0.5, flags=["insult"])
    platform.decide(held, "approve", actor="moderator:a")
    make_comment(article.id, state="reject")
    make_comment(article.id)
    assert client.get("/moderate/stats", follow_redirects=False).status_code == 303
    util.login(client)
    page = client.get("/moderate/stats").text
    assert "<svg" in page and 'class="chart-bar"' in page and "<script" not in page.split("</head>")[1]
    assert "1 comment waiting" in page and "95th percentile" in page
    assert re.search(r"<th scope=\"row\">insult</th><td>1</td><td>0</td>", page)
    stats = platform.stats(30)
    assert sum(n for _, n in stats["per_day"]) == 3
    assert stats["automation"][-1][1] == 0.0  # today: two decisions, both by people


def test_bulk_undo_puts_them_back_in_the_queue_within_the_window(client, platform, article, make_comment, util):
    ids = [make_comment(article.id, text=f"undo me {i}") for i in range(2)]
    util.login(client)
    token = util.form_token(client.get("/moderate").text)
    done = client.post(
        "/moderate/bulk",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "action": "approve",
            "confirm": "yes",
            "ids": [str(i) for i in ids],
            "back": "/moderate",
        },
    )
    page = client.get(done.headers["location"]).text
    assert "Undo: put these 2 back in the queue" in page
    undo_token = util.hidden_value(page, "token")
    assert "undo me 0" in client.get(f"/articles/{article.id}").text
    undone = client.post(
        "/moderate/bulk/undo",
        follow_redirects=False,
        data={"csrf_token": token, "token": undo_token, "back": "/moderate"},
    )
    assert undone.status_code == 303 and "2 comments back in the queue." in client.get(undone.headers["location"]).text
    assert platform.comment_counts(article.id)["pending"] == 2
    assert "undo me 0" not in client.get(f"/articles/{article.id}").text
    assert [d.decision for d in platform.comment_history(ids[0])][-2:] == ["approve", "undo"]
    again = client.post(
        "/moderate/bulk/undo",
        follow_redirects=False,
        data={"csrf_token": token, "token": undo_token, "back": "/moderate"},
    )
    assert "0 comments back in the queue; 2 skipped" in client.get(again.headers["location"]).text
    forged = client.post("/moderate/bulk/undo", data={"csrf_token": token, "token": undo_token + "x"})
    assert forged.status_code == 409


def test_undo_is_only_for_ones_own_recent_decision(platform, article, make_comment):
    from civility.errors import Conflict

    cid = make_comment(article.id, state="approve")  # decided by moderator:setup
    with pytest.raises(Conflict):
        platform.decider.undo(cid, actor="moderator:someone-else")
    platform.decider.undo(cid, actor="moderator:setup")
    assert platform.queue_item(cid).comment.status.value == "pending"


# -- publishers: the embed and unknown articles ------------------------------------------------------
def test_embed_for_an_unknown_article_explains_itself_in_the_frame(client):
    by_id = client.get("/embed/comments", params={"article": "not-added-yet"})
    assert by_id.status_code == 404 and "site-header" not in by_id.text and "Back to the articles" not in by_id.text
    assert "data-article-id" in by_id.text and "not-added-yet" in by_id.text
    by_url = client.get("/embed/comments", params={"url": "https://news.example/a/1"})
    assert by_url.status_code == 404 and "embed_allowed_origins" in by_url.text
    assert "frame-ancestors http: https:" in by_url.headers["content-security-policy"]


def test_embed_registers_pages_of_allowed_origins_by_itself(make_app):
    _settings, platform, client = make_app(embed_allowed_origins="https://news.example, https://other.example")
    url = "https://news.example/2026/12/bridge"
    frame = client.get(
        "/embed/comments",
        params={"url": url, "title": "Bridge <b>reopens</b>"},
        headers={"Referer": "https://news.example/"},
    )
    assert frame.status_code == 200 and "Join the discussion" in frame.text
    article = platform.find_by_url(url)
    assert article is not None and article.title == "Bridge <b>reopens</b>" and article.source == "https://news.example"
    again = client.get(
        "/embed/comments", params={"url": url, "title": "Changed"}, headers={"Referer": "https://news.example/"}
    )
    assert again.status_code == 200 and platform.find_by_url(url).title == "Bridge <b>reopens</b>"
    foreign = client.get("/embed/comments", params={"url": "https://evil.example/x", "title": "Spam"})
    assert foreign.status_code == 404 and platform.find_by_url("https://evil.example/x") is None
    spoofed = client.get(
        "/embed/comments",
        params={"url": "https://news.example/other", "title": "T"},
        headers={"Referer": "https://evil.example/"},
    )
    assert spoofed.status_code == 404 and platform.find_by_url("https://news.example/other") is None
