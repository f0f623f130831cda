"""The embed (script, frame by id and by URL, posting from inside the frame) and the Atom feed
(valid XML, approved comments only, names without emails, hostile text escaped)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def test_embed_script_is_plain_javascript_loadable_cross_origin(client):
    answer = client.get("/embed.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "/embed/comments?" in answer.text and "data-article-id" in answer.text


def test_embed_frame_by_id_and_by_url(client, make_article, make_comment):
    article = make_article(url="https://publisher.example/story-1")
    make_comment(article.id, text="Framed comment", state="approve")
    by_id = client.get("/embed/comments", params={"article": article.id})
    by_url = client.get("/embed/comments", params={"url": "https://publisher.example/story-1"})
    for answer in (by_id, by_url):
        assert answer.status_code == 200
        assert "Framed comment" in answer.text and 'name="csrf_token"' in answer.text
        assert "Community rules" in answer.text
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors http: https:" in csp and "script-src 'self'" in csp
        assert "x-frame-options" not in answer.headers
    assert client.get("/embed/comments", params={"url": "https://publisher.example/none"}).status_code == 404
    assert client.get("/embed/comments").status_code == 422


def test_posting_from_the_frame_stays_in_the_frame(client, platform, article, util):
    frame = client.get("/embed/comments", params={"article": article.id}).text
    action = re.search(r'<form class="comment-form" method="post" action="([^"]+)"', frame).group(1)
    assert action == f"/embed/comments?article={article.id}"
    answer = client.post(
        action,
        data={
            "csrf_token": util.form_token(frame),
            "idempotency_key": util.hidden_value(frame, "idempotency_key"),
            "name": "Framed",
            "email": "framed@example.org",
            "text": "Sent from the frame",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/embed/comments?article={article.id}&submitted=")
    assert "held for review" in client.get(answer.headers["location"]).text
    invalid = client.post(action, data={"csrf_token": util.form_token(frame), "name": "F", "email": "", "text": "kept"})
    assert invalid.status_code == 422 and "kept</textarea>" in invalid.text and 'class="embed"' in invalid.text


def test_embed_help_shows_the_snippet(client, article):
    html = client.get("/embed", params={"article": article.id}).text
    assert f"data-article-id=&#34;{article.id}&#34;" in html or f"data-article-id=&quot;{article.id}&quot;" in html


def test_other_pages_refuse_framing(client, article):
    answer = client.get(f"/articles/{article.id}")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_feed_has_approved_comments_only(client, article, make_comment):
    make_comment(
        article.id, name="Pub <Lisher>", email="feed-secret@example.org", text="In the feed & fine", state="approve"
    )
    make_comment(article.id, text="Still pending")
    make_comment(article.id, text="Was rejected", state="reject")
    answer = client.get(f"/articles/{article.id}/comments.atom")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}content").text == "In the feed & fine"
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "Pub <Lisher>"
    assert entries[0].find(f"{ATOM}author/{ATOM}email") is None
    assert "feed-secret" not in answer.text and "Still pending" not in answer.text
    assert client.get("/articles/none/comments.atom").status_code == 404


def test_feed_survives_control_characters(client, platform, article):
    result = platform.submit_comment(article.id, "Bell", "b@example.org", "text with \x0b tab and \x07 bell", ip=None)
    platform.decide(result.comment_id, "approve", actor="moderator:t")
    answer = client.get(f"/articles/{article.id}/comments.atom")
    assert answer.status_code == 200
    ET.fromstring(answer.content)  # still well-formed XML


def test_feed_carries_the_newest_comments_first(client, platform, article):
    ids = []
    for i in range(5):
        result = platform.submit_comment(article.id, "N", f"n{i}@example.org", f"feed item {i}", ip=None)
        platform.decide(result.comment_id, "approve", actor="moderator:t")
        ids.append(result.comment_id)
    feed = ET.fromstring(client.get(f"/articles/{article.id}/comments.atom", params={"limit": 3}).content)
    contents = [e.find(f"{ATOM}content").text for e in feed.findall(f"{ATOM}entry")]
    assert contents == ["feed item 4", "feed item 3", "feed item 2"]
