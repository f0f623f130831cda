"""The moderator dashboard over HTTP: sign-in (cookie flags, throttling, no open redirect),
the queue with email, verdict and history, approve/reject forms with CSRF, filters, the
clear conflict page, and sign-out."""

from __future__ import annotations

import re


def _decide(client, util, comment_id, decision, *, token=None, reason="", version="", categories=None):
    page = client.get("/moderate").text
    if categories is None:
        categories = ["threat"] if decision == "reject" else []
    return client.post(
        f"/moderate/comments/{comment_id}/decision",
        data={
            "decision": decision,
            "reason": reason,
            "expected_version": version,
            "categories": categories,
            "csrf_token": token if token is not None else util.form_token(page),
            "back": "/moderate?status=pending",
        },
        follow_redirects=False,
    )


def test_dashboard_needs_sign_in(client):
    answer = client.get("/moderate?status=approved", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/moderate/login?next=%2Fmoderate")
    assert client.get("/moderate/comments/1", follow_redirects=False).status_code == 303


def test_sign_in_sets_a_safe_cookie(client, moderator, util):
    answer = util.login(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/moderate"
    cookie = answer.headers["set-cookie"]
    assert "civility_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in this test; see the https test below


def test_cookie_is_secure_when_served_over_https(make_app, util):
    _, _, client = make_app(base_url="https://comments.example")
    cookie = util.login(client).headers["set-cookie"]
    assert "Secure" in cookie


def test_wrong_password_and_unknown_name_read_the_same(client, moderator, util):
    wrong = util.login(client, password="nope")
    unknown = util.login(client, name="nobody", password="nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.text and "do not match" in unknown.text
    assert "set-cookie" not in wrong.headers


def test_login_is_throttled_with_retry_after(make_app, util):
    _, _, client = make_app(login_attempts_per_15min=2)
    statuses = [util.login(client, password=f"guess-{i}").status_code for i in range(4)]
    assert statuses[:2] == [401, 401] and statuses[-1] == 429
    last = util.login(client, password="guess-again")
    assert int(last.headers["Retry-After"]) >= 1


def test_login_never_redirects_off_site(client, moderator, util):
    page = client.get("/moderate/login").text
    answer = client.post(
        "/moderate/login",
        data={
            "name": "mod",
            "password": util.password,
            "csrf_token": util.form_token(page),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/moderate"


def test_login_form_needs_its_token(client, moderator, util):
    answer = client.post(
        "/moderate/login", data={"name": "mod", "password": util.password, "csrf_token": "x"}, follow_redirects=False
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_queue_shows_comment_email_verdict_and_history(client, platform, article, make_comment, moderator, util):
    comment_id = make_comment(article.id, name="Writer", email="writer@example.org", text="Queue me")
    platform.run_pending_jobs()
    util.login(client)
    html = client.get("/moderate").text
    assert f"Comment #{comment_id}" in html and article.title in html
    assert "writer@example.org" in html and "Queue me" in html
    assert 'Machine verdict: <strong class="decision decision-review">review</strong>' in html
    assert "Decision history (1)" in html and "by machine" in html
    assert f"Approve #{comment_id}" in html and f"Reject #{comment_id}" in html
    assert f'<label for="reason-{comment_id}">Reason (optional)</label>' in html


def test_approve_by_form_then_public(client, article, make_comment, moderator, util):
    comment_id = make_comment(article.id, text="Approve me by form")
    util.login(client)
    answer = _decide(client, util, comment_id, "approve")
    assert answer.status_code == 303
    assert "done=approve" in answer.headers["location"]
    notice = client.get(answer.headers["location"]).text
    assert f"Comment #{comment_id} approved" in notice
    assert "Approve me by form" in client.get(f"/articles/{article.id}").text


def test_reject_with_reason_shows_in_rejected_list(client, article, make_comment, moderator, util):
    comment_id = make_comment(article.id, text="Reject me by form")
    util.login(client)
    assert _decide(client, util, comment_id, "reject", reason="threat").status_code == 303
    rejected = client.get("/moderate?status=rejected").text
    assert "Reject me by form" in rejected and "by moderator:mod" in rejected and "threat" in rejected
    assert "Reject me by form" not in client.get(f"/articles/{article.id}").text


def test_decision_without_csrf_token_is_refused(client, platform, article, make_comment, moderator, util):
    comment_id = make_comment(article.id)
    util.login(client)
    answer = _decide(client, util, comment_id, "approve", token="")
    assert answer.status_code == 403
    assert platform.queue_item(comment_id).comment.status.value == "pending"


def test_anonymous_decision_is_refused(client, platform, article, make_comment):
    comment_id = make_comment(article.id)
    answer = client.post(
        f"/moderate/comments/{comment_id}/decision", data={"decision": "approve"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert platform.queue_item(comment_id).comment.status.value == "pending"


def test_conflict_is_shown_clearly(client, platform, article, make_comment, moderator, util):
    comment_id = make_comment(article.id)
    util.login(client)
    page = client.get("/moderate").text
    token = util.form_token(page)
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    platform.decide(comment_id, "reject", actor="moderator:other", categories=["insult"])  # someone else was faster
    answer = _decide(client, util, comment_id, "approve", token=token, version=version)
    assert answer.status_code == 409
    assert "Your decision was not recorded." in answer.text
    assert "rejected" in answer.text and "moderator:other" in answer.text
    assert platform.queue_item(comment_id).comment.status.value == "rejected"


def test_filters_by_article(client, article, make_article, make_comment, moderator, util):
    other = make_article(title="Second story")
    make_comment(article.id, text="On the first")
    make_comment(other.id, text="On the second")
    util.login(client)
    html = client.get(f"/moderate?status=pending&article={other.id}").text
    assert "On the second" in html and "On the first" not in html
    assert f'<option value="{other.id}" selected>' in html


def test_comment_detail_page(client, article, make_comment, moderator, util):
    comment_id = make_comment(article.id, text="Detail text")
    util.login(client)
    html = client.get(f"/moderate/comments/{comment_id}").text
    assert "Detail text" in html and "Decision history" in html
    assert client.get("/moderate/comments/987654").status_code == 404


def test_sign_out(client, moderator, util):
    util.login(client)
    token = util.form_token(client.get("/moderate").text)
    answer = client.post("/moderate/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/moderate", follow_redirects=False).status_code == 303


def test_queue_shows_and_filters_by_language(client, article, make_comment, moderator, util):
    sorani = make_comment(article.id, text="سوپاس بۆ ئەم هەواڵە گرنگە")
    make_comment(article.id, text="Thanks for this important news about the detours.")
    util.login(client)
    html = client.get("/moderate").text
    assert "Sorani (ckb)" in html and "English (en)" in html
    assert '<option value="kmr">Kurmanji (kmr)</option>' in html
    only = client.get("/moderate?lang=ckb").text
    assert f"Comment #{sorani}" in only and "important news" not in only
    assert '<option value="ckb" selected>' in only
    assert "lang=ckb" in only  # the status tabs keep the filter
    # a malformed code is ignored, never echoed
    assert "important news" in client.get("/moderate?lang=%3Cb%3E").text
