"""Who may do what: every route outside a short public list refuses anonymous requests, wrong
credentials and the wrong role; every state-changing route refuses a request that carries the
moderator's cookie but no (or a wrong) CSRF token. Routes are walked from the app's own table,
so a new endpoint is covered the day it is added."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

# Routes anyone may call. Everything else must refuse an anonymous request.
PUBLIC = {
    ("GET", "/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/api/articles"),
    ("GET", "/api/articles/lookup"),
    ("GET", "/api/articles/{article_id}"),
    ("GET", "/api/articles/{article_id}/comments"),
    ("POST", "/api/articles/{article_id}/comments"),
    ("POST", "/api/moderator/session"),
    ("GET", "/"),
    ("GET", "/rules"),
    ("GET", "/articles/{article_id}"),
    ("POST", "/articles/{article_id}/comments"),
    ("GET", "/moderate/login"),
    ("POST", "/moderate/login"),
    ("POST", "/moderate/logout"),
    ("GET", "/embed.js"),
    ("GET", "/embed"),
    ("GET", "/embed/comments"),
    ("POST", "/embed/comments"),
    ("GET", "/articles/{article_id}/comments.atom"),
    ("GET", "/privacy"),
    ("POST", "/privacy"),
    ("GET", "/privacy/confirm"),
    ("POST", "/privacy/confirm"),
    # Readers report a published comment (form token, honeypot, rate limit; no account), and the
    # posting page asks for the state its signed receipt names.
    ("GET", "/articles/{article_id}/comments/{comment_id}/report"),
    ("POST", "/articles/{article_id}/comments/{comment_id}/report"),
    ("GET", "/embed/comments/{comment_id}/report"),
    ("POST", "/embed/comments/{comment_id}/report"),
    ("GET", "/api/comments/status"),
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CANARY_EMAIL = "pending.canary.7f3a@example.org"
CANARY_TEXT = "Pending canary text 7f3a: the moderators have not read this yet."


@pytest.fixture
def world(site):
    """A site with one article and one pending comment, plus a moderator and an admin."""
    site.add_article()
    result = site.platform.submit_comment("budget", "Pat Pending", CANARY_EMAIL, CANARY_TEXT, ip="203.0.113.9")
    site.comment_id = result.comment_id
    site.mod = site.moderator("mara", "moderator")
    site.admin = site.moderator("ada", "admin")
    return site


def _snapshot(site) -> dict:
    with site.platform.db.read() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
            for t in ("articles", "comments", "decisions", "sessions", "moderators")
        }
        counts["statuses"] = sorted(conn.execute(text("SELECT id, status, version FROM comments")).all())
    return counts


def _call(site, method: str, path: str, **kw):
    return site.client.request(method, path, **kw)


def _protected(site, routes):
    table = routes(site.app)
    assert len(table) > 20, "the route table walk found too few routes"
    missing = PUBLIC - {(m, p) for m, p, _ in table}
    assert not missing, f"public allow-list names routes that no longer exist: {missing}"
    return [(m, p) for m, p, _ in table if (m, p) not in PUBLIC]


def _refused(resp) -> bool:
    if resp.status_code in (401, 403):
        return True
    return resp.status_code in (302, 303, 307) and resp.headers.get("location", "").startswith("/moderate/login")


def test_every_non_public_route_refuses_anonymous_and_bad_credentials(world, routes):
    protected = _protected(world, routes)
    assert ("GET", "/moderate") in protected and ("POST", "/api/moderation/comments/{comment_id}/approve") in protected
    before = _snapshot(world)
    credentials = {
        "anonymous": {},
        "garbage bearer": {"Authorization": "Bearer not-a-session-token"},
        "empty bearer": {"Authorization": "Bearer "},
        "basic auth": {"Authorization": "Basic bWFyYTpjb3JyZWN0IGhvcnNlIGJhdHRlcnk="},
    }
    failures = []
    for method, path in protected:
        url = _filled(path, world)
        for label, headers in credentials.items():
            world.client.cookies.clear()
            resp = _call(world, method, url, headers=headers, json={"decision": "approve", "reason": "x"})
            if not _refused(resp):
                failures.append(f"{label} {method} {path} -> {resp.status_code}")
            if CANARY_EMAIL in resp.text or CANARY_TEXT in resp.text:
                failures.append(f"{label} {method} {path} leaked the pending comment")
        world.client.cookies.set("civility_session", "forged-cookie-value")
        resp = _call(world, method, url, json={"decision": "approve"})
        world.client.cookies.clear()
        if not _refused(resp):
            failures.append(f"forged cookie {method} {path} -> {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert _snapshot(world) == before


def test_expired_and_deleted_sessions_are_refused(world):
    from civility.storage.schema import sessions

    auth = {"Authorization": f"Bearer {world.mod['token']}"}
    assert world.client.get("/api/moderation/queue", headers=auth).status_code == 200
    with world.platform.db.write() as conn:
        conn.execute(update(sessions).values(expires_at=text("'2000-01-01 00:00:00'")))
    assert world.client.get("/api/moderation/queue", headers=auth).status_code == 401
    fresh = world.moderator("mo", "moderator")
    auth = {"Authorization": f"Bearer {fresh['token']}"}
    assert world.client.delete("/api/moderator/session", headers=auth).status_code == 204
    assert world.client.get("/api/moderation/queue", headers=auth).status_code == 401


def test_sessions_store_only_a_hash_of_the_token(world):
    from civility.storage.schema import sessions

    with world.platform.db.read() as conn:
        stored = [r.id for r in conn.execute(select(sessions.c.id))]
    assert stored and world.mod["token"] not in stored and world.admin["token"] not in stored


def test_roles_are_separated(world, routes):
    """The publisher token is not a moderator; a moderator is not a publisher; admin-only routes
    (those depending on require_admin_api) refuse a plain moderator."""
    from civility.web import deps

    publisher = {"Authorization": "Bearer security-test-publisher-token-0123456789"}
    for method, path in _protected(world, routes):
        if path == "/api/articles" and method == "POST":
            continue
        resp = _call(world, method, _filled(path, world), headers=publisher, json={"decision": "approve"})
        assert _refused(resp), f"publisher token reached {method} {path}: {resp.status_code}"
    moderator = {"Authorization": f"Bearer {world.mod['token']}"}
    article = {"id": "planted", "title": "Planted by a moderator", "body": "Not a publisher."}
    assert world.client.post("/api/articles", json=article, headers=moderator).status_code in (401, 403)
    assert world.client.post("/api/articles", json=article, headers=publisher).status_code in (200, 201)

    admin_only = [(m, p) for m, p, r in routes(world.app) if _depends_on(r, deps.require_admin_api)]
    assert {p for _, p, _ in routes(world.app) if p.startswith("/api/admin")} <= {p for _, p in admin_only}
    admin = {"Authorization": f"Bearer {world.admin['token']}"}
    for method, path in admin_only:
        resp = _call(world, method, _filled(path, world), headers=moderator, json={})
        assert resp.status_code == 403, f"moderator reached admin-only {method} {path}"
        if method == "GET":  # the control: the admin does get in
            assert _call(world, method, _filled(path, world), headers=admin).status_code == 200, path


def test_every_state_changing_route_refuses_the_cookie_without_its_csrf_token(world, routes):
    """What a cross-site form can send: the moderator's cookie (ambient), a form body, no token
    or a wrong one. Every POST/PUT/PATCH/DELETE route must refuse it and change nothing."""
    changing = [(m, p) for m, p, _ in routes(world.app) if m in STATE_CHANGING]
    assert ("POST", "/moderate/comments/{comment_id}/decision") in changing
    assert {
        ("POST", "/api/moderation/comments/{comment_id}/withdraw"),
        ("POST", "/moderate/articles/{article_id}/comments-closed"),
        ("POST", "/articles/{article_id}/comments/{comment_id}/report"),
        ("POST", "/embed/comments/{comment_id}/report"),
    } <= set(changing)
    before = _snapshot(world)
    failures = []
    for method, path in changing:
        url = _filled(path, world)
        for token in (None, "wrong-token", world.admin["csrf"]):  # another session's token is wrong too
            world.client.cookies.set("civility_session", world.mod["token"])
            form = {
                "decision": "approve",
                "name": "Eve",
                "email": "eve@example.org",
                "text": "forged",
                "password": world.mod["password"],
                "action": "erase",
                "token": "x",
                "title": "t",
                "body": "b",
            }
            headers = {"Origin": "https://evil.example"} if token == "wrong-token" else {}
            if token is not None:
                form["csrf_token"] = token
                headers["X-CSRF-Token"] = token
            resp = _call(world, method, url, data=form, headers=headers)
            if resp.status_code not in (401, 403, 415):
                failures.append(f"{method} {path} token={token!r} -> {resp.status_code}")
    world.client.cookies.clear()
    assert not failures, "\n".join(failures)
    assert _snapshot(world) == before


def test_the_right_csrf_token_is_accepted(world):
    """The control for the test above: the same cookie with its own token does decide."""
    world.client.cookies.set("civility_session", world.mod["token"])
    url = f"/moderate/comments/{world.comment_id}/decision"
    resp = world.client.post(url, data={"decision": "approve", "csrf_token": world.mod["csrf"]})
    assert resp.status_code == 303
    world.client.cookies.clear()
    assert world.platform.queue_item(world.comment_id).comment.status.value == "approved"


def test_json_endpoints_refuse_form_encoded_bodies(world):
    """A cross-site HTML form can only send form encodings or text/plain; the JSON endpoints refuse them."""
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        for path in ("/api/articles/budget/comments", "/api/moderator/session"):
            body = '{"name":"Eve","email":"eve@example.org","text":"forged","password":"x"}'
            resp = world.client.post(path, content=body, headers={"Content-Type": content_type})
            assert resp.status_code == 415, (path, content_type, resp.status_code)


def _filled(path: str, site) -> str:
    """The route with real ids; ?article= for routes that take the article in the query (embed)."""
    filled = (
        path.replace("{article_id}", "budget")
        .replace("{comment_id}", str(site.comment_id))
        .replace("{comment_id:int}", str(site.comment_id))
    )
    return filled + "?article=budget"


def _depends_on(route, func) -> bool:
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        node = stack.pop()
        if getattr(node, "call", None) is func:
            return True
        stack.extend(getattr(node, "dependencies", []) or [])
    return False
