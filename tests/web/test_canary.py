"""A unique canary email is posted through the form and the API, some of its comments approved;
then every public page, the embed, the API, the feeds, the OpenAPI document and every
same-site link reachable from them are searched for it: plain, lowercased, URL-encoded,
base64, and as md5/sha256 hex (what a Gravatar URL would carry)."""

from __future__ import annotations

import re
import uuid
from collections import deque
from html import unescape
from urllib.parse import quote, urljoin, urlsplit

from ..canary import email_variants


def _leaks(text: str, variants: dict[str, str]) -> list[str]:
    haystack = text.lower()
    return [label for label, value in variants.items() if value.lower() in haystack]


def _links(base: str, html: str) -> list[str]:
    found = []
    for raw in re.findall(r'(?:href|src|action)="([^"]+)"', html):
        url = urljoin(base, unescape(raw))
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/moderate") or path.startswith("/api/moderat"):
            continue  # moderators see emails by design; these need a session
        found.append(path)
    return found


def test_no_public_output_carries_the_commenters_email(client, platform, make_article, util):
    canary = f"Canary.{uuid.uuid4().hex[:12]}@Example.ORG"
    variants = email_variants(canary)
    article = make_article(url="https://publisher.example/canary-story")
    responses: list[tuple[str, str]] = []

    # Post through the API and through the form; approve two, leave one pending, reject one.
    ids = []
    for i in range(3):
        answer = client.post(
            f"/api/articles/{article.id}/comments",
            json={"name": f"Canary {i}", "email": canary, "text": f"canary comment {i}"},
            headers={"Idempotency-Key": f"canary-{i}"},
        )
        responses.append((f"POST api {i}", answer.text + str(dict(answer.headers))))
        ids.append(answer.json()["id"])
    page = client.get(f"/articles/{article.id}").text
    posted = client.post(
        f"/articles/{article.id}/comments",
        follow_redirects=False,
        data={
            "csrf_token": util.form_token(page),
            "idempotency_key": util.hidden_value(page, "idempotency_key"),
            "name": "Form canary",
            "email": canary,
            "text": "canary via the form",
        },
    )
    assert posted.status_code == 303
    responses.append(("POST form", posted.text + str(dict(posted.headers))))
    platform.decide(ids[0], "approve", actor="moderator:t")
    platform.decide(ids[1], "approve", actor="moderator:t")
    platform.decide(ids[2], "reject", actor="moderator:t", categories=["insult"])
    # A threaded reply by the canary (published) and one held; a reader's report of a canary comment.
    reply = platform.submit_comment(article.id, "Canary reply", canary, "canary reply text", ip=None, parent_id=ids[0])
    platform.decide(reply.comment_id, "approve", actor="moderator:t")
    platform.submit_comment(article.id, "Canary held reply", canary, "held canary reply", ip=None, parent_id=ids[0])
    platform.report_comment(ids[1], "insult", f"reported by {canary}", ip="203.0.113.77")
    platform.run_pending_jobs()
    receipt = re.search(r"submitted=([\w.-]+)", posted.headers["location"]).group(1)

    seeds = [
        "/",
        "/rules",
        "/embed",
        f"/embed?article={article.id}",
        "/embed.js",
        "/privacy",
        f"/articles/{article.id}",
        f"/articles/{article.id}?submitted=pending",
        f"/articles/{article.id}/comments.atom",
        f"/embed/comments?article={article.id}",
        f"/embed/comments?url={quote(article.url, safe='')}",
        "/api/articles",
        f"/api/articles/{article.id}",
        f"/api/articles/lookup?url={quote(article.url, safe='')}",
        f"/api/articles/{article.id}/comments",
        f"/api/articles/{article.id}/comments?limit=1",
        "/openapi.json",
        "/healthz",
        f"/articles/{article.id}?reply_to={ids[0]}",
        f"/embed/comments?article={article.id}&reply_to={ids[0]}",
        f"/articles/{article.id}/comments/{ids[1]}/report",
        f"/embed/comments/{ids[1]}/report?article={article.id}",
        f"/api/comments/status?receipt={receipt}",
        f"/articles/{article.id}?submitted={receipt}",
    ]
    queue, seen = deque(seeds), set()
    while queue and len(seen) < 300:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code < 500, path
        body = answer.text
        responses.append((path, body + str(dict(answer.headers))))
        if "html" in answer.headers.get("content-type", ""):
            queue.extend(p for p in _links("http://testserver" + path, body) if p not in seen)
        cursor = re.search(r'"next_cursor":"([^"]+)"', body)
        if cursor and path.startswith("/api/articles/") and "after=" not in path:
            queue.append(f"{path.split('?')[0]}?after={quote(cursor.group(1))}")

    # The crawl really reached the approved canary comments (so the search means something).
    assert any("canary comment 0" in body for _, body in responses)
    assert any("canary reply text" in body for _, body in responses)
    assert any("/report" in path for path in seen) and any("reply_to=" in path for path in seen)
    assert any(p.startswith("/static/") for p in seen) and len(seen) >= 20
    leaks = {where: found for where, body in responses if (found := _leaks(body, variants))}
    assert leaks == {}
