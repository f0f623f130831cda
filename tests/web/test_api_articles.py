"""The articles JSON API: list with cursor, get, look up by URL, add with the publisher token
(and every way adding can be refused), plus /healthz and the OpenAPI document."""

from __future__ import annotations

TOKEN = "publisher-token-for-tests-0123456789"
NEW = {
    "id": "new-one",
    "title": "Flood barrier test passes",
    "body": "The barrier held.",
    "source": "Desk",
    "url": "https://news.example/flood-barrier",
    "published_at": "2026-11-20T10:00:00Z",
}


def test_list_and_get(client, make_article):
    made = [make_article(title=f"Story {i}") for i in range(3)]
    listing = client.get("/api/articles", params={"limit": 2}).json()
    assert len(listing["items"]) == 2 and listing["next_cursor"]
    rest = client.get("/api/articles", params={"limit": 2, "cursor": listing["next_cursor"]}).json()
    ids = {a["id"] for a in listing["items"] + rest["items"]}
    assert ids == {a.id for a in made}
    one = client.get(f"/api/articles/{made[0].id}").json()
    assert one["title"] == "Story 0" and one["body"].startswith("Works start")


def test_get_unknown_is_404(client):
    answer = client.get("/api/articles/missing")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_lookup_by_url(client, make_article):
    made = make_article(url="https://news.example/a/1")
    assert client.get("/api/articles/lookup", params={"url": "https://news.example/a/1"}).json()["id"] == made.id
    assert client.get("/api/articles/lookup", params={"url": "https://news.example/none"}).status_code == 404
    assert client.get("/api/articles/lookup").status_code == 422


def test_add_with_publisher_token(make_app):
    _, _, client = make_app(publisher_token=TOKEN)
    answer = client.post("/api/articles", json=NEW, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == "new-one"
    assert client.get("/api/articles/new-one").json()["url"] == NEW["url"]
    again = client.post("/api/articles", json=NEW, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 409


def test_add_refusals(make_app):
    _, _, client = make_app(publisher_token=TOKEN)
    assert client.post("/api/articles", json=NEW).status_code == 401
    assert client.post("/api/articles", json=NEW, headers={"Authorization": "Bearer wrong"}).status_code == 403
    # Authentication is checked before the body: an anonymous caller learns nothing about validation.
    assert client.post("/api/articles", json={"nonsense": 1}).status_code == 401
    bad = client.post("/api/articles", json={**NEW, "title": ""}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 422 and "title" in bad.json()["fields"]
    bad_url = client.post(
        "/api/articles",
        json={**NEW, "id": "x2", "url": "javascript:alert(1)"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert bad_url.status_code == 422 and "url" in bad_url.json()["fields"]


def test_add_is_off_without_a_configured_token(client):
    answer = client.post("/api/articles", json=NEW, headers={"Authorization": "Bearer anything"})
    assert answer.status_code == 403
    assert "publisher_token" in answer.json()["message"]


def test_healthz(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_openapi_documents_every_endpoint_with_models(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        ("/api/articles", "get"),
        ("/api/articles", "post"),
        ("/api/articles/{article_id}", "get"),
        ("/api/articles/lookup", "get"),
        ("/api/articles/{article_id}/comments", "get"),
        ("/api/articles/{article_id}/comments", "post"),
        ("/api/moderator/session", "post"),
        ("/api/moderator/session", "delete"),
        ("/api/moderation/queue", "get"),
        ("/api/moderation/comments/{comment_id}/approve", "post"),
        ("/api/moderation/comments/{comment_id}/reject", "post"),
        ("/api/moderation/comments/{comment_id}/history", "get"),
        ("/healthz", "get"),
    }
    assert expected <= {(p, m) for p, ops in paths.items() for m in ops}
    schemas = spec["components"]["schemas"]
    # Separate input and public output: the public comment has no email field at all.
    assert "email" in schemas["CommentIn"]["properties"]
    assert "email" not in schemas["PublicCommentOut"]["properties"]
    post = paths["/api/articles/{article_id}/comments"]["post"]
    assert {"202", "201", "422", "429"} <= set(post["responses"])
    assert post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    # Pages are not API: they stay out of the document.
    assert "/articles/{article_id}" not in paths and "/moderate" not in paths
