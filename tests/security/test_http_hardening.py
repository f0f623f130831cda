"""HTTP-level defences: security headers and a strict CSP on every page (error pages too), the
session cookie's flags, login throttling, 429 with Retry-After that keeps the reader's text,
and the request body limit (413), also for a streamed body without Content-Length."""

from __future__ import annotations

import re

import pytest

from civility.web.security import CSP_EMBED, CSP_PAGE


def _csp(value: str) -> dict[str, str]:
    out = {}
    for part in value.split(";"):
        name, _, rest = part.strip().partition(" ")
        if name:
            out[name] = rest.strip()
    return out


def _check_headers(resp, path: str) -> list[str]:
    problems = []
    h = resp.headers
    csp = h.get("content-security-policy")
    if not csp:
        return [f"{path}: no Content-Security-Policy"]
    policy = _csp(csp)
    script = policy.get("script-src", policy.get("default-src", ""))
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
        problems.append(f"{path}: weak script-src {script!r}")
    if policy.get("default-src") != "'none'" and "'none'" not in policy.get("object-src", ""):
        problems.append(f"{path}: plugins not refused (default-src/object-src)")
    if policy.get("base-uri") not in ("'none'", "'self'"):
        problems.append(f"{path}: base-uri missing")
    if "form-action" not in policy:
        problems.append(f"{path}: form-action missing")
    if "frame-ancestors" not in policy:
        problems.append(f"{path}: frame-ancestors missing")
    elif not path.startswith("/embed") and policy["frame-ancestors"] != "'none'":
        problems.append(f"{path}: may be framed ({policy['frame-ancestors']})")
    if h.get("x-content-type-options") != "nosniff":
        problems.append(f"{path}: no nosniff")
    if not h.get("referrer-policy"):
        problems.append(f"{path}: no Referrer-Policy")
    return problems


def test_every_get_route_sends_the_security_headers(site, routes):
    site.add_article()
    mod = site.moderator()
    result = site.platform.submit_comment("budget", "Ann", "ann@example.org", "A fine budget.", ip=None)
    paths = set()
    for method, path, _ in routes(site.app):
        if method == "GET":
            paths.add(path.replace("{article_id}", "budget").replace("{comment_id}", str(result.comment_id)))
    paths |= {
        "/no-such-page",
        "/articles/no-such-article",
        "/api/articles/no-such",
        "/static/civility.css",
        "/moderate/comments/999999",
        "/privacy/confirm?token=forged",
    }
    problems = []
    for path in sorted(paths):
        for auth in ({}, {"Authorization": f"Bearer {mod['token']}"}):
            resp = site.client.get(path, headers=auth)
            assert resp.status_code < 500, (path, resp.status_code)
            problems += _check_headers(resp, path)
            if path.startswith(("/moderate", "/api/moderation", "/privacy")) and resp.status_code == 200:
                if "no-store" not in resp.headers.get("cache-control", ""):
                    problems.append(f"{path}: private page cacheable")
    assert not problems, "\n".join(sorted(set(problems)))


def test_csp_constants_are_strict():
    for policy in (CSP_PAGE, CSP_EMBED):
        parsed = _csp(policy)
        assert parsed["default-src"] == "'none'"
        assert parsed["script-src"] == "'self'"
        assert "unsafe" not in policy
    assert _csp(CSP_PAGE)["frame-ancestors"] == "'none'"


def test_hsts_only_over_https(make_site):
    site = make_site(base_url="https://news.example")
    site.client.base_url = "https://news.example"
    resp = site.client.get("/healthz")
    assert "max-age=" in resp.headers.get("strict-transport-security", "")
    plain = make_site()
    assert "strict-transport-security" not in plain.client.get("/healthz").headers


def _form_token(client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no form token on {path}"
    return match.group(1)


@pytest.mark.parametrize("https", [False, True])
def test_session_cookie_flags(make_site, https):
    site = make_site(base_url="https://news.example" if https else "http://testserver")
    if https:
        site.client.base_url = "https://news.example"
    site.moderator("mara", password="correct horse battery")
    token = _form_token(site.client, "/moderate/login")
    resp = site.client.post(
        "/moderate/login",
        data={"name": "mara", "password": "correct horse battery", "csrf_token": token, "next": "/moderate"},
    )
    assert resp.status_code == 303
    cookie = resp.headers["set-cookie"]
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")}
    assert cookie.startswith("civility_session=")
    assert "httponly" in attrs
    assert attrs.get("samesite", "").lower() in ("samesite=lax", "samesite=strict")
    assert ("secure" in attrs) is https
    assert attrs.get("path", "").lower() == "path=/"


def test_login_is_throttled_per_account_and_the_right_password_waits_too(make_site):
    site = make_site(login_attempts_per_15min=3)
    site.moderator("mara", password="correct horse battery")
    statuses = []
    for i in range(5):
        resp = site.client.post("/api/moderator/session", json={"name": "mara", "password": f"guess-{i}"})
        statuses.append(resp.status_code)
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    blocked = site.client.post("/api/moderator/session", json={"name": "mara", "password": "correct horse battery"})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "token" not in blocked.json()


def test_login_form_throttled_with_retry_after(make_site):
    site = make_site(login_attempts_per_15min=2)
    site.moderator("mara", password="correct horse battery")
    last = None
    for i in range(4):
        token = _form_token(site.client, "/moderate/login")
        last = site.client.post("/moderate/login", data={"name": "mara", "password": f"nope-{i}", "csrf_token": token})
    assert last.status_code == 429 and int(last.headers["retry-after"]) > 0
    assert "set-cookie" not in last.headers


def test_429_keeps_the_readers_text_and_says_when(make_site):
    site = make_site(rate_limit_ip_per_hour=2)
    site.add_article()
    kept = "My third comment, which I spent a long time writing <b>carefully</b> & well."
    resp = None
    for i in range(3):
        page = site.client.get("/articles/budget")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        data = {
            "name": "Reader",
            "email": f"reader{i}@example.org",
            "text": kept if i == 2 else f"Comment {i}",
            "csrf_token": token,
        }
        if key:
            data["idempotency_key"] = key.group(1)
        resp = site.client.post("/articles/budget/comments", data=data)
    assert resp.status_code == 429
    assert int(resp.headers["retry-after"]) > 0
    assert "My third comment, which I spent a long time writing &lt;b&gt;carefully&lt;/b&gt; &amp; well." in resp.text
    api = site.client.post(
        "/api/articles/budget/comments", json={"name": "R", "email": "r9@example.org", "text": "over the limit"}
    )
    assert api.status_code == 429 and int(api.headers["retry-after"]) > 0
    assert api.json()["retry_after"] > 0


def test_per_email_limit(make_site):
    site = make_site(rate_limit_email_per_hour=2, rate_limit_ip_per_hour=1000)
    site.add_article()
    codes = [
        site.client.post(
            "/api/articles/budget/comments",
            json={
                "name": "R",
                "email": "Same@Example.org" if i % 2 else "same@example.org",
                "text": f"comment number {i}",
            },
        ).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


def test_body_limit_413(make_site):
    site = make_site(max_body_bytes=4096)
    site.add_article()
    big = "x" * 5000
    resp = site.client.post("/api/articles/budget/comments", json={"name": "A", "email": "a@example.org", "text": big})
    assert resp.status_code == 413
    resp = site.client.post("/articles/budget/comments", data={"name": "A", "email": "a@example.org", "text": big})
    assert resp.status_code == 413

    def chunks():
        for _ in range(10):
            yield b"y" * 1000

    streamed = site.client.post(
        "/api/articles/budget/comments", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert site.platform.comment_counts("budget").get("pending", 0) == 0


def test_comment_length_limit_is_enforced(make_site):
    site = make_site(comment_max_length=100)
    site.add_article()
    resp = site.client.post(
        "/api/articles/budget/comments", json={"name": "A", "email": "a@example.org", "text": "z" * 101}
    )
    assert resp.status_code == 422 and "text" in resp.json()["fields"]


def test_honeypot_stores_nothing(site):
    site.add_article()
    page = site.client.get("/articles/budget")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    honeypot = re.search(r'name="(website|url|homepage)"', page.text)
    assert honeypot, "the form has no honeypot field"
    resp = site.client.post(
        "/articles/budget/comments",
        data={
            "name": "Bot",
            "email": "bot@example.org",
            "text": "Buy now",
            "csrf_token": token,
            honeypot.group(1): "http://spam",
        },
    )
    assert resp.status_code == 303
    assert site.platform.comment_counts("budget").get("pending", 0) == 0


def test_parallel_guesses_cannot_outrun_the_login_throttle(make_site, serve):
    """Twenty wrong passwords sent at the same instant: only the allowed number may be checked
    (401); the rest must be refused (429) even though none had failed yet when they arrived."""
    import threading

    import httpx

    site = make_site(login_attempts_per_15min=3)
    site.moderator("mara", password="correct horse battery")
    barrier = threading.Barrier(20)
    codes: list[int] = []
    with serve(site.app) as server:

        def guess(i):
            barrier.wait()
            codes.append(
                httpx.post(
                    f"{server.base}/api/moderator/session",
                    timeout=60,
                    json={"name": "mara", "password": f"parallel-{i}"},
                ).status_code
            )

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    assert len(codes) == 20
    assert codes.count(401) <= 3, f"{codes.count(401)} guesses were checked with a limit of 3"
    assert codes.count(429) >= 17


def test_ipv6_addresses_of_one_network_share_the_limit(make_site):
    """An IPv6 subscriber holds a whole /64: counting single addresses would be no limit at all."""
    from civility.errors import RateLimited

    site = make_site(rate_limit_ip_per_hour=2, rate_limit_email_per_hour=100)
    site.add_article()
    submit = site.platform.submit_comment
    submit("budget", "A", "a1@example.org", "first", ip="2001:db8:1:2::1")
    submit("budget", "A", "a2@example.org", "second", ip="2001:db8:1:2:ffff::9")
    with pytest.raises(RateLimited):
        submit("budget", "A", "a3@example.org", "third", ip="2001:db8:1:2:abcd::7")
    submit("budget", "B", "b1@example.org", "another network", ip="2001:db8:1:3::1")
    submit("budget", "C", "c1@example.org", "v4 one", ip="::ffff:192.0.2.10")
    submit("budget", "C", "c2@example.org", "v4 two", ip="192.0.2.10")
    with pytest.raises(RateLimited):  # the IPv4-mapped form is the same address
        submit("budget", "C", "c3@example.org", "v4 three", ip="192.0.2.10")
