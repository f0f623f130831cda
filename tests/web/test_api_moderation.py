"""Moderator JSON API: sign-in, every endpoint refuses anonymous callers, cookie sessions need
the CSRF header, queue/approve/reject/history, and a clear 409 when the state moved."""

from __future__ import annotations

import pytest

ENDPOINTS = [
    ("get", "/api/moderation/queue"),
    ("get", "/api/moderation/comments/{id}/history"),
    ("post", "/api/moderation/comments/{id}/approve"),
    ("post", "/api/moderation/comments/{id}/reject"),
    ("delete", "/api/moderator/session"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_every_moderator_endpoint_refuses_anonymous(client, article, make_comment, method, path):
    comment_id = make_comment(article.id)
    answer = client.request(method, path.format(id=comment_id))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    forged = client.request(method, path.format(id=comment_id), headers={"Authorization": "Bearer forged-token"})
    assert forged.status_code == 401


def test_sign_in_wrong_password_is_401(client, moderator):
    answer = client.post("/api/moderator/session", json={"name": "mod", "password": "nope"})
    assert answer.status_code == 401
    assert "token" not in answer.text


def test_sign_in_must_be_json(client, moderator, util):
    answer = client.post("/api/moderator/session", data={"name": "mod", "password": util.password})
    assert answer.status_code == 415


def test_queue_shows_email_scores_and_history(client, platform, article, make_comment, bearer):
    comment_id = make_comment(article.id, email="writer@example.org")
    platform.run_pending_jobs()  # the scoring job (hold-all policy here) records a machine decision
    items = client.get("/api/moderation/queue", headers=bearer).json()["items"]
    assert [i["comment"]["id"] for i in items] == [comment_id]
    item = items[0]
    assert item["comment"]["email"] == "writer@example.org"
    assert item["article_title"] == article.title
    assert item["decisions"] and item["decisions"][0]["actor"] == "machine"
    assert item["verdict"] is not None and set(item["verdict"]["scores"]) >= {"spam", "threat"}


def test_queue_filters_by_status_and_article(client, article, make_article, make_comment, bearer):
    other = make_article(title="Other story")
    pending = make_comment(article.id)
    approved = make_comment(article.id, state="approve")
    rejected = make_comment(other.id, state="reject")

    def ids(**params):
        page = client.get("/api/moderation/queue", params=params, headers=bearer).json()
        return [i["comment"]["id"] for i in page["items"]]

    assert ids() == [pending]
    assert ids(status="approved") == [approved]
    assert ids(status="rejected") == [rejected]
    assert ids(status="rejected", article_id=article.id) == []
    assert client.get("/api/moderation/queue", params={"status": "bogus"}, headers=bearer).status_code == 422


def test_approve_then_public(client, article, make_comment, bearer):
    comment_id = make_comment(article.id)
    answer = client.post(f"/api/moderation/comments/{comment_id}/approve", headers=bearer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    assert answer.json()["decision"]["actor"] == "moderator:mod"
    public = client.get(f"/api/articles/{article.id}/comments").json()["items"]
    assert [c["id"] for c in public] == [comment_id]


def test_reject_with_reason_is_in_history(client, article, make_comment, bearer):
    comment_id = make_comment(article.id)
    answer = client.post(
        f"/api/moderation/comments/{comment_id}/reject",
        json={"reason": "personal attack", "categories": ["insult"]},
        headers=bearer,
    )
    assert answer.status_code == 200
    history = client.get(f"/api/moderation/comments/{comment_id}/history", headers=bearer).json()
    assert history[-1]["decision"] == "reject" and history[-1]["note"] == "personal attack"
    assert history[-1]["actor"] == "moderator:mod"


def test_second_decision_is_a_clear_409(client, article, make_comment, bearer):
    comment_id = make_comment(article.id)
    assert client.post(f"/api/moderation/comments/{comment_id}/approve", headers=bearer).status_code == 200
    late = client.post(f"/api/moderation/comments/{comment_id}/reject", json={"categories": ["insult"]}, headers=bearer)
    assert late.status_code == 409
    assert late.json()["error"] == "conflict" and late.json()["message"]
    # The audit log keeps the first decision and nothing was overwritten.
    history = client.get(f"/api/moderation/comments/{comment_id}/history", headers=bearer).json()
    assert [d["decision"] for d in history if d["actor"].startswith("moderator:")] == ["approve"]


def test_expected_version_that_moved_is_409(client, platform, article, make_comment, bearer):
    comment_id = make_comment(article.id)
    version = platform.queue_item(comment_id).version
    answer = client.post(
        f"/api/moderation/comments/{comment_id}/approve", json={"expected_version": version + 5}, headers=bearer
    )
    assert answer.status_code == 409


def test_unknown_comment_is_404(client, bearer):
    assert client.post("/api/moderation/comments/999999/approve", headers=bearer).status_code == 404
    assert client.get("/api/moderation/comments/999999/history", headers=bearer).status_code == 404


def test_cookie_session_needs_csrf_header(client, article, make_comment, moderator, util):
    comment_id = make_comment(article.id)
    assert util.login(client).status_code == 303
    assert client.get("/api/moderation/queue").status_code == 200  # reading needs no token
    refused = client.post(f"/api/moderation/comments/{comment_id}/approve")
    assert refused.status_code == 403
    session = client.post("/api/moderator/session", json={"name": "mod", "password": util.password}).json()
    # A token from another session does not fit this cookie's session.
    assert (
        client.post(
            f"/api/moderation/comments/{comment_id}/approve", headers={"X-CSRF-Token": session["csrf_token"]}
        ).status_code
        == 403
    )
    page = client.get("/moderate").text
    token = util.form_token(page)
    ok = client.post(f"/api/moderation/comments/{comment_id}/approve", headers={"X-CSRF-Token": token})
    assert ok.status_code == 200


def test_sign_out_ends_the_token(client, bearer):
    assert client.delete("/api/moderator/session", headers=bearer).status_code == 204
    assert client.get("/api/moderation/queue", headers=bearer).status_code == 401


def test_sign_in_returns_a_working_token(client, moderator, util):
    answer = client.post("/api/moderator/session", json={"name": "mod", "password": util.password})
    assert answer.status_code == 201
    body = answer.json()
    assert body["moderator"] == "mod" and body["role"] == "moderator" and body["csrf_token"]
    queue = client.get("/api/moderation/queue", headers={"Authorization": f"Bearer {body['token']}"})
    assert queue.status_code == 200


def test_queue_filters_by_language(client, article, make_comment, bearer):
    arabic = make_comment(article.id, text="شكرا على هذا الخبر المهم")
    turkish = make_comment(article.id, text="Bu önemli haber için teşekkürler")

    def ids(**params):
        answer = client.get("/api/moderation/queue", params=params, headers=bearer)
        assert answer.status_code == 200, answer.text
        return [(i["comment"]["id"], i["comment"]["lang"]) for i in answer.json()["items"]]

    assert ids() == [(arabic, "ar"), (turkish, "tr")]
    assert ids(lang="tr") == [(turkish, "tr")]
    assert ids(lang="fa") == []
    assert client.get("/api/moderation/queue", params={"lang": "en-US"}, headers=bearer).status_code == 422
