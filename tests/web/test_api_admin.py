"""Admin-only endpoints: anonymous callers get 401, moderators 403, admins can list accounts
and set the site and article policy overrides (validated per field)."""

from __future__ import annotations

import pytest

ADMIN_ENDPOINTS = [
    ("get", "/api/admin/moderators", None),
    ("get", "/api/admin/policy", None),
    ("put", "/api/admin/policy", {"hold_all": True}),
    ("put", "/api/admin/articles/{article}/policy", {"hold_all": True}),
]


@pytest.fixture
def admin_bearer(client, platform, util):
    platform.add_moderator("boss", util.password, "admin")
    token = client.post("/api/moderator/session", json={"name": "boss", "password": util.password}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method,path,body", ADMIN_ENDPOINTS)
def test_admin_endpoints_refuse_anonymous_and_moderators(client, article, bearer, method, path, body):
    url = path.format(article=article.id)
    assert client.request(method, url, json=body).status_code == 401
    wrong_role = client.request(method, url, json=body, headers=bearer)
    assert wrong_role.status_code == 403
    assert "admin" in wrong_role.json()["message"]


def test_admin_lists_moderators(client, admin_bearer, moderator):
    names = {m["name"]: m["role"] for m in client.get("/api/admin/moderators", headers=admin_bearer).json()}
    assert names == {"mod": "moderator", "boss": "admin"}


def test_admin_sets_and_clears_site_policy(client, admin_bearer):
    body = {"hold_all": False, "thresholds": {"spam": {"approve_below": 0.2, "reject_above": 0.9}}}
    answer = client.put("/api/admin/policy", json=body, headers=admin_bearer)
    assert answer.status_code == 200, answer.text
    assert client.get("/api/admin/policy", headers=admin_bearer).json()["overrides"] == body
    cleared = client.put(
        "/api/admin/policy", content=b"null", headers={**admin_bearer, "content-type": "application/json"}
    )
    assert cleared.status_code == 200
    assert client.get("/api/admin/policy", headers=admin_bearer).json()["overrides"] is None


def test_policy_is_validated_per_field(client, admin_bearer, article):
    unknown = client.put(
        "/api/admin/policy", json={"thresholds": {"rudeness": {"reject_above": 0.5}}}, headers=admin_bearer
    )
    assert unknown.status_code == 422 and "thresholds.rudeness" in unknown.json()["fields"]
    reversed_band = client.put(
        "/api/admin/policy",
        json={"thresholds": {"spam": {"approve_below": 0.9, "reject_above": 0.1}}},
        headers=admin_bearer,
    )
    assert reversed_band.status_code == 422
    out_of_range = client.put(
        "/api/admin/policy", json={"thresholds": {"spam": {"reject_above": 7}}}, headers=admin_bearer
    )
    assert out_of_range.status_code == 422
    assert client.put("/api/admin/policy", json={"mode": "lax"}, headers=admin_bearer).status_code == 422


def test_admin_sets_article_policy(client, admin_bearer, article):
    answer = client.put(f"/api/admin/articles/{article.id}/policy", json={"hold_all": True}, headers=admin_bearer)
    assert answer.status_code == 200 and answer.json()["overrides"] == {"hold_all": True}
    missing = client.put("/api/admin/articles/nope/policy", json={"hold_all": True}, headers=admin_bearer)
    assert missing.status_code == 404
