"""End to end in headless chromium against the real server: a reader's comment is held, a
moderator approves it and the reader then sees it; a missing email keeps what was typed; a
rejected comment never appears; the page works with JavaScript off; text size persists.
Screenshots of the article page and the queue (desktop and phone width) go to artifacts/."""

from __future__ import annotations

import re
import uuid

import pytest

from civility.workflow.types import ArticleIn

pytestmark = pytest.mark.browser

PASSWORD = "browser test password 42"
PHONE = {"width": 390, "height": 844}


def _article(platform, **fields):
    from datetime import datetime, timedelta, timezone

    return platform.add_article(
        ArticleIn(
            id=f"story-{uuid.uuid4().hex[:6]}",
            title="Night buses return to the harbour line from Monday",
            body="The city restores night buses on the harbour line after a two-year gap.\n\n"
            "Services will run every 30 minutes between midnight and 5 a.m.",
            source="Browser desk",
            published_at=datetime.now(timezone.utc) - timedelta(hours=1, minutes=5),
            **fields,
        )
    )


def _box(page, label):
    """A form field found by its accessible name, as a screen reader would announce it."""
    return page.get_by_role("textbox", name=re.compile(rf"^{label}\b"))


def _post_comment(page, base, article_id, *, name="Leyla", email="leyla@example.org", text):
    page.goto(f"{base}/articles/{article_id}")
    _box(page, "Name").fill(name)
    if email is not None:
        _box(page, "Email").fill(email)
    _box(page, "Comment").fill(text)
    page.get_by_role("button", name="Post comment").click()


def _sign_in(page, base):
    page.goto(f"{base}/moderate")
    assert "/moderate/login" in page.url
    page.get_by_label("Name").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/moderate(\?.*)?$"))


def _comment_id(platform, article_id, text):
    items = platform.review_queue(status="pending", article_id=article_id).items
    return next(i.comment.id for i in items if i.comment.text == text)


def test_held_then_approved_then_visible(live, new_page, screenshots):
    base, platform = live
    article = _article(platform)
    text = f"Finally! I work nights at the port. ({uuid.uuid4().hex[:6]})"
    reader = new_page()
    _post_comment(reader, base, article.id, text=text)
    reader.get_by_role("status").filter(has_text="held for review").wait_for()
    assert text not in reader.locator("#comments").inner_text()
    assert reader.locator("time[datetime]").first.inner_text() == "1 hour ago"
    reader.screenshot(path=str(screenshots / "article-held.png"), full_page=True)

    moderator = new_page()
    _sign_in(moderator, base)
    item = moderator.locator(f"#q-{_comment_id(platform, article.id, text)}")
    item.wait_for()
    assert "leyla@example.org" in item.inner_text()
    moderator.screenshot(path=str(screenshots / "queue.png"), full_page=True)
    item.get_by_role("button", name=re.compile(r"^Approve")).click()
    moderator.get_by_role("status").filter(has_text="approved").wait_for()

    reader.reload()
    reader.locator("#comments").get_by_text(text).wait_for()
    assert reader.locator("#comments .comment-name").first.inner_text() == "Leyla"
    reader.screenshot(path=str(screenshots / "article-approved.png"), full_page=True)


def test_missing_email_keeps_what_was_typed(live, new_page):
    base, platform = live
    article = _article(platform)
    page = new_page()
    typed = "Line one of my comment.\nLine two, with “quotes” & <angle brackets>."
    _post_comment(page, base, article.id, name="Omar", email=None, text=typed)
    error = page.locator("#f-email-error")
    error.wait_for()
    assert "email" in error.inner_text().lower()
    assert _box(page, "Comment").input_value() == typed
    assert _box(page, "Name").input_value() == "Omar"
    assert _box(page, "Email").get_attribute("aria-invalid") == "true"
    assert platform.comment_counts(article.id).get("pending", 0) == 0


def test_rejected_comment_never_appears(live, new_page):
    base, platform = live
    article = _article(platform)
    text = f"Buy cheap watches at my shop!!! ({uuid.uuid4().hex[:6]})"
    reader = new_page()
    _post_comment(reader, base, article.id, name="Seller", email="seller@example.com", text=text)
    reader.get_by_role("status").filter(has_text="held for review").wait_for()

    moderator = new_page()
    _sign_in(moderator, base)
    item = moderator.locator(f"#q-{_comment_id(platform, article.id, text)}")
    item.get_by_label("Rule(s) broken").select_option(["spam"])
    item.get_by_label("Reason (optional)").fill("commercial promotion")
    item.get_by_role("button", name=re.compile(r"^Reject")).click()
    moderator.get_by_role("status").filter(has_text="rejected").wait_for()
    moderator.goto(f"{base}/moderate?status=rejected")
    assert "commercial promotion" in moderator.locator("main").inner_text()

    reader.reload()
    assert text not in reader.content()
    reader.goto(f"{base}/articles/{article.id}/comments.atom")
    assert text not in reader.content()


def test_works_without_javascript_at_phone_width(live, new_page, screenshots):
    base, platform = live
    article = _article(platform)
    page = new_page(java_script_enabled=False, viewport=PHONE)
    text = "Posted with scripts off."
    _post_comment(page, base, article.id, name="کوردی", text=text)
    page.get_by_role("status").filter(has_text="held for review").wait_for()
    assert not page.locator("[data-text-size]").is_visible()  # the A+/A- buttons need JS, so they stay hidden
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "no sideways scrolling at phone width"
    page.screenshot(path=str(screenshots / "article-phone-nojs.png"), full_page=True)


def test_text_size_persists_and_phone_layout(live, new_page, screenshots):
    base, platform = live
    article = _article(platform)
    platform.decide(
        platform.submit_comment(
            article.id, "مریم", "m@example.org", "این خبر خوبی است برای کارگران شب.", ip=None
        ).comment_id,
        "approve",
        actor="moderator:t",
    )
    page = new_page(viewport=PHONE)
    page.goto(f"{base}/articles/{article.id}")
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="Larger text").click()
    page.get_by_role("button", name="Larger text").click()
    page.reload()
    after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after > before
    rtl = page.locator(".comment-text", has_text="این خبر")
    assert rtl.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "article-phone-large-text.png"), full_page=True)
    page.get_by_role("button", name="Smaller text").click()
    page.get_by_role("button", name="Smaller text").click()
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == before


def test_queue_at_phone_width(live, new_page, screenshots):
    base, platform = live
    article = _article(platform)
    platform.submit_comment(
        article.id, "Phone check", "p@example.org", "A comment to see the queue on a phone.", ip=None
    )
    page = new_page(viewport=PHONE)
    _sign_in(page, base)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "queue-phone.png"), full_page=True)


@pytest.fixture
def publisher_site():
    """A second web server on loopback: the publisher's own site, another origin than ours."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            body = pages.get(self.path, "not found").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" vs "127.0.0.1": a different origin from the comment server, both on loopback.
    yield f"http://localhost:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_embed_on_a_publisher_page_of_another_origin(live, new_page, screenshots, publisher_site):
    base, platform = live
    site, pages = publisher_site
    story_url = f"{site}/night-buses"
    article = _article(platform, url=story_url)
    platform.decide(
        platform.submit_comment(article.id, "Ines", "i@example.org", "Shown inside the frame.", ip=None).comment_id,
        "approve",
        actor="moderator:t",
    )
    pages["/night-buses"] = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Publisher</title></head><body>"
        "<h1>The Harbour Gazette</h1><p>The publisher's own article page.</p>"
        f"<script src='{base}/embed.js' async></script>"
        "<p id='after'>Publisher footer.</p></body></html>"
    )
    page = new_page()
    page.goto(story_url)
    frame_element = page.locator("iframe[title='Comments']")
    frame_element.wait_for()
    frame = page.frame_locator("iframe[title='Comments']")
    frame.get_by_text("Shown inside the frame.").wait_for()
    # The frame reports its height and embed.js fits the iframe to it (no inner scroll bar).
    page.wait_for_function("document.querySelector('iframe').style.height.endsWith('px')")
    assert frame_element.bounding_box()["height"] > 700
    frame.get_by_role("textbox", name=re.compile(r"^Name\b")).fill("From the frame")
    frame.get_by_role("textbox", name=re.compile(r"^Email\b")).fill("frame@example.org")
    frame.get_by_role("textbox", name=re.compile(r"^Comment\b")).fill("Posted inside the publisher's page.")
    frame.get_by_role("button", name="Post comment").click()
    frame.get_by_role("status").filter(has_text="held for review").wait_for()
    assert page.url == story_url  # the reader never left the publisher's page
    page.screenshot(path=str(screenshots / "embed-on-publisher-page.png"), full_page=True)


def test_keyboard_only_reader_can_post(live, new_page):
    base, platform = live
    article = _article(platform)
    page = new_page()
    page.goto(f"{base}/articles/{article.id}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("#f-name").focus()
    page.keyboard.type("Keyboard user")
    page.keyboard.press("Tab")
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")  # the honeypot is out of the tab order: next stop is the button
    assert page.evaluate("document.activeElement.textContent.trim()") == "Post comment"
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="held for review").wait_for()
    assert platform.comment_counts(article.id).get("pending") == 1
