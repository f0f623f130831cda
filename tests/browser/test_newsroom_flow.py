"""Issue 11 in headless chromium: a reader replies through the reply link and sees the reply
threaded once approved; a reader reports a comment from the embed-less page and from the frame;
a moderator approves a rejected comment after all and withdraws a published one (it disappears
for the reader on reload); the posting notice follows the comment's state without a reload (JS)
and after a reload (no JS). Screenshots of a threaded discussion at desktop and phone width."""

from __future__ import annotations

import re
import uuid

import pytest

from civility.workflow.types import ArticleIn

pytestmark = pytest.mark.browser

PASSWORD = "browser test password 42"
PHONE = {"width": 390, "height": 844}


def _article(platform):
    return platform.add_article(
        ArticleIn(
            id=f"thread-{uuid.uuid4().hex[:6]}",
            title="The harbour bridge reopens",
            body="After two years of works the bridge reopens on Friday.",
            source="Desk",
        )
    )


def _box(page, label):
    return page.get_by_role("textbox", name=re.compile(rf"^{label}\b"))


def _sign_in(page, base):
    page.goto(f"{base}/moderate")
    page.get_by_label("Name").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/moderate(\?.*)?$"))


def _published(platform, article_id, name, text, parent_id=None):
    cid = platform.submit_comment(
        article_id, name, f"{uuid.uuid4().hex[:6]}@example.org", text, ip=None, parent_id=parent_id
    ).comment_id
    platform.decide(cid, "approve", actor="moderator:setup")
    return cid


def test_reply_is_held_then_threaded(live, new_page, screenshots):
    base, platform = live
    article = _article(platform)
    root = _published(platform, article.id, "Mara", "Will cyclists get their own lane?")
    _published(platform, article.id, "Jonas", "Yes, on the north side.", parent_id=root)
    reader = new_page()
    reader.goto(f"{base}/articles/{article.id}")
    reader.locator(f"#comment-{root}").get_by_role("link", name=re.compile("^Reply")).first.click()
    reader.get_by_role("heading", name="Reply to Mara").wait_for()
    _box(reader, "Name").fill("Ines")
    _box(reader, "Email").fill("ines@example.org")
    text = f"And pedestrians? ({uuid.uuid4().hex[:5]})"
    _box(reader, "Comment").fill(text)
    reader.get_by_role("button", name="Post reply").click()
    reader.get_by_role("status").filter(has_text="held for review").wait_for()
    assert text not in reader.locator("#comments").inner_text()
    reply = next(i.comment for i in platform.review_queue(article_id=article.id).items if i.comment.text == text)
    assert reply.parent_id == root
    platform.decide(reply.id, "approve", actor="moderator:setup")
    reader.reload()
    nested = reader.locator(f"#comment-{root} .replies #comment-{reply.id}")
    nested.wait_for()
    reader.screenshot(path=str(screenshots / "thread-desktop.png"), full_page=True)
    phone = new_page(viewport=PHONE)
    phone.goto(f"{base}/articles/{article.id}#comments")
    phone.locator(f"#comment-{reply.id}").wait_for()
    phone.screenshot(path=str(screenshots / "thread-phone.png"), full_page=True)


def test_report_without_javascript(live, new_page):
    base, platform = live
    article = _article(platform)
    cid = _published(platform, article.id, "Rude Rob", "A remark that readers dislike.")
    page = new_page(java_script_enabled=False)
    page.goto(f"{base}/articles/{article.id}")
    page.locator(f"#comment-{cid}").get_by_role("link", name=re.compile("^Report")).click()
    page.get_by_role("heading", name="Report a comment").wait_for()
    page.get_by_label("It attacks a person").check()
    page.get_by_label(re.compile("^Anything the moderators")).fill("calls another reader names")
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("status").filter(has_text="Thank you").wait_for()
    reports = platform.queue_item(cid).reports
    assert [r["reason"] for r in reports] == ["insult"] and reports[0]["note"] == "calls another reader names"


def test_moderator_revises_decisions_and_the_reader_sees_it(live, new_page):
    base, platform = live
    article = _article(platform)
    wrongly = platform.submit_comment(
        article.id, "Wrongly", "w@example.org", "Rejected by mistake.", ip=None
    ).comment_id
    platform.decide(wrongly, "reject", actor="machine-like:setup", categories=["insult"])
    shown = _published(platform, article.id, "Shown", "Published by mistake.")
    moderator = new_page()
    _sign_in(moderator, base)
    moderator.goto(f"{base}/moderate?status=rejected&article={article.id}")
    item = moderator.locator(f"#q-{wrongly}")
    item.get_by_label(re.compile("^Why approve it after all")).fill("no rule broken")
    item.get_by_role("button", name=re.compile("after all$")).click()
    moderator.get_by_role("status").filter(has_text="approved").wait_for()
    moderator.goto(f"{base}/moderate?status=approved&article={article.id}")
    item = moderator.locator(f"#q-{shown}")
    item.get_by_label(re.compile("^Why take it down")).fill("legal asked")
    item.get_by_role("button", name=re.compile("^Withdraw")).click()
    moderator.get_by_role("status").filter(has_text="withdrawn").wait_for()
    reader = new_page()
    reader.goto(f"{base}/articles/{article.id}")
    body = reader.locator("#comments").inner_text()
    assert "Rejected by mistake." in body and "Published by mistake." not in body
    assert [d.note for d in platform.comment_history(shown)][-1] == "legal asked"


def test_the_notice_follows_the_verdict_with_and_without_javascript(live, new_page):
    base, platform = live
    article = _article(platform)
    for js in (True, False):
        page = new_page(java_script_enabled=js)
        page.goto(f"{base}/articles/{article.id}")
        text = f"Notice check js={js} {uuid.uuid4().hex[:5]}"
        _box(page, "Name").fill("Nora")
        _box(page, "Email").fill("nora@example.org")
        _box(page, "Comment").fill(text)
        page.get_by_role("button", name="Post comment").click()
        page.get_by_role("status").filter(has_text="held for review").wait_for()
        cid = next(i.comment.id for i in platform.review_queue(article_id=article.id).items if i.comment.text == text)
        platform.decide(cid, "reject", actor="moderator:setup", categories=["insult"], reason="rude")
        if not js:
            page.get_by_role("button", name="Check again").click()
        try:
            page.get_by_role("status").filter(has_text="Your comment was not published").wait_for(timeout=15_000)
        except Exception as exc:
            raise AssertionError(f"js={js}: " + page.locator("#submitted-notice").inner_html()) from exc
