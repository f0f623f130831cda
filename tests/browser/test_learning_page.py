"""The learning page in headless chromium: an admin sees the charts (inline SVG, nothing fetched
from elsewhere, no CSP violation) and the moderators' decisions per rule and language."""

from __future__ import annotations

import re

import pytest

from civility.workflow.types import ArticleIn

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_admin_sees_the_learning_charts(live, new_page):
    base, platform = live
    platform.add_moderator("chief", PASSWORD, role="admin")
    article = platform.add_article(ArticleIn(title="Charts", body="Body.", source="desk"))
    cid = platform.submit_comment(article.id, "R", "r@example.org", "You fool", ip=None).comment_id
    platform.decide(cid, "reject", actor="moderator:chief", categories=["insult"])
    page = new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/moderate/learning")
    page.get_by_label("Name").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/moderate"))
    page.goto(f"{base}/moderate/learning")
    assert page.locator("svg.chart").count() == 3
    assert page.get_by_role("img", name=re.compile("Automation")).is_visible()
    assert "rejected: insult" in page.locator("main").inner_text()
    assert all(url.startswith(base) for url in requests)
