"""The comments JSON API on a real SQLite file: submit (202/422/404/415/413/429, Idempotency-Key),
and the public list (approved only, public fields only, keyset pages)."""

from __future__ import annotations

from civility.workflow.types import ArticleIn


def _post(client, article_id, body, **headers):
    return client.post(f"/api/articles/{article_id}/comments", json=body, headers=headers)


GOOD = {"name": "Ana", "email": "ana@example.org", "text": "The detour signs on Elm Street point the wrong way."}


def test_submit_answers_202_pending_after_storing(client, platform, article):
    answer = _post(client, article.id, GOOD)
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "pending" and isinstance(body["id"], int)
    stored = platform.queue_item(body["id"])
    assert stored.comment.text == GOOD["text"] and stored.comment.email == GOOD["email"]


def test_pending_comment_is_not_listed_until_approved(client, platform, article):
    comment_id = _post(client, article.id, GOOD).json()["id"]
    assert client.get(f"/api/articles/{article.id}/comments").json()["items"] == []
    platform.decide(comment_id, "approve", actor="moderator:t")
    items = client.get(f"/api/articles/{article.id}/comments").json()["items"]
    assert [c["id"] for c in items] == [comment_id]
    assert set(items[0]) == {"id", "article_id", "parent_id", "name", "text", "created_at", "lang"}
    assert "ana@example.org" not in client.get(f"/api/articles/{article.id}/comments").text


def test_rejected_comment_never_listed(client, platform, article):
    comment_id = _post(client, article.id, GOOD).json()["id"]
    platform.decide(comment_id, "reject", actor="moderator:t", categories=["insult"])
    assert client.get(f"/api/articles/{article.id}/comments").json()["items"] == []


def test_missing_fields_give_per_field_422(client, article):
    answer = _post(client, article.id, {"text": "only text"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "validation"
    assert set(body["fields"]) == {"name", "email"}


def test_blank_and_bad_values_give_per_field_422(client, article):
    answer = _post(client, article.id, {"name": "  ", "email": "not-an-email", "text": ""})
    assert answer.status_code == 422
    fields = answer.json()["fields"]
    assert set(fields) == {"name", "email", "text"}
    assert "valid email" in fields["email"]


def test_too_long_comment_names_the_limit(make_app):
    _, platform, client = make_app(comment_max_length=50)
    article = platform.add_article(ArticleIn(title="t", body="b", id="limits"))
    answer = _post(client, article.id, {**GOOD, "text": "x" * 51})
    assert answer.status_code == 422
    assert "50" in answer.json()["fields"]["text"]


def test_wrong_types_and_extra_fields_are_422_not_500(client, article):
    assert _post(client, article.id, {**GOOD, "name": 12}).status_code == 422
    assert _post(client, article.id, {**GOOD, "email_hash": "x"}).status_code == 422
    assert _post(client, article.id, ["not", "an", "object"]).status_code == 422
    bad_json = client.post(
        f"/api/articles/{article.id}/comments", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 422


def test_unknown_article_is_404(client):
    answer = _post(client, "no-such-article", GOOD)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert client.get("/api/articles/no-such-article/comments").status_code == 404


def test_form_encoded_body_is_refused_415(client, article):
    # What a cross-site HTML form could send: refused before anything is stored.
    answer = client.post(f"/api/articles/{article.id}/comments", data=GOOD)
    assert answer.status_code == 415
    assert client.get(f"/api/articles/{article.id}/comments").json()["items"] == []


def test_idempotency_key_returns_the_same_comment(client, platform, article):
    first = _post(client, article.id, GOOD, **{"Idempotency-Key": "k-123"})
    again = _post(client, article.id, GOOD, **{"Idempotency-Key": "k-123"})
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert platform.comment_counts(article.id).get("pending") == 1


def test_idempotency_key_reused_for_other_text_is_409(client, article):
    _post(client, article.id, GOOD, **{"Idempotency-Key": "k-9"})
    answer = _post(client, article.id, {**GOOD, "text": "something else"}, **{"Idempotency-Key": "k-9"})
    assert answer.status_code == 409
    assert answer.json()["error"] == "conflict"


def test_rate_limit_is_429_with_retry_after(make_app):
    _, platform, client = make_app(rate_limit_ip_per_hour=2)
    article = platform.add_article(ArticleIn(title="t", body="b", id="rl"))
    for i in range(2):
        assert _post(client, article.id, {**GOOD, "text": f"comment {i}"}).status_code == 202
    answer = _post(client, article.id, {**GOOD, "text": "one too many"})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["retry_after"] == int(answer.headers["Retry-After"])


def test_body_over_the_limit_is_413(make_app):
    _, platform, client = make_app(max_body_bytes=2000)
    article = platform.add_article(ArticleIn(title="t", body="b", id="big"))
    answer = _post(client, article.id, {**GOOD, "text": "y" * 5000})
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"


def test_public_list_pages_with_keyset_cursor(client, article, make_comment):
    ids = [make_comment(article.id, text=f"comment number {i}", state="approve") for i in range(5)]
    first = client.get(f"/api/articles/{article.id}/comments", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [c["id"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/articles/{article.id}/comments", params={"limit": 2, "after": cursor}).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_bad_cursor_and_limit_are_422(client, article):
    assert client.get(f"/api/articles/{article.id}/comments", params={"after": "%%%garbage"}).status_code == 422
    assert client.get(f"/api/articles/{article.id}/comments", params={"limit": 0}).status_code == 422
