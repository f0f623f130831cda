"""Webhooks: published / withdrawn / reported events reach a real HTTP receiver on a loopback
port as JSON signed with the shared secret, through the job queue (a failing receiver is retried),
and never carry the commenter's email."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import update

from civility.storage.schema import jobs

SECRET = "webhook-shared-secret"


@pytest.fixture
def receiver():
    got: list[dict] = []
    state = {"fail": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state["fail"]:
                state["fail"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            got.append({"body": body, "headers": dict(self.headers)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got, state
    server.shutdown()


def _run_due(platform):
    """Run queued jobs now, backoff included (the test does not wait for the retry delay)."""
    with platform.db.write() as conn:
        conn.execute(update(jobs).where(jobs.c.status == "queued").values(run_after=jobs.c.created_at))
    return platform.run_pending_jobs()


def test_events_are_delivered_signed_retried_and_without_email(make_platform, article, receiver):
    url, got, state = receiver
    platform = make_platform(webhook_url=url, webhook_secret=SECRET)
    cid = platform.submit_comment(article.id, "Wendy", "wendy.secret@example.org", "hooked text", ip=None).comment_id
    state["fail"] = 1  # the first delivery fails: the job queue tries again
    platform.decide(cid, "approve", actor="moderator:a")
    _run_due(platform)
    _run_due(platform)
    platform.report_comment(cid, "spam", None, ip="198.51.100.3")
    platform.decide(cid, "withdraw", actor="moderator:a", reason="second look")
    for _ in range(3):
        _run_due(platform)
    events = [json.loads(g["body"])["event"] for g in got]
    assert events[0] == "comment.published" and set(events) == {
        "comment.published",
        "comment.reported",
        "comment.withdrawn",
    }
    for g in got:
        expected = "sha256=" + hmac.new(SECRET.encode(), g["body"], hashlib.sha256).hexdigest()
        assert g["headers"]["X-Civility-Signature"] == expected
        assert b"wendy.secret" not in g["body"].lower() and b"198.51.100" not in g["body"]
    published = json.loads(got[0]["body"])
    assert published["comment"]["text"] == "hooked text" and published["comment"]["name"] == "Wendy"


def test_no_webhook_jobs_when_off(platform, article):
    cid = platform.submit_comment(article.id, "N", "n@example.org", "t", ip=None).comment_id
    platform.decide(cid, "approve", actor="moderator:a")
    with platform.db.read() as conn:
        kinds = [r.kind for r in conn.execute(jobs.select())]
    assert "webhook" not in kinds
