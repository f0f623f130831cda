"""The canary, as a reader's browser sees it (extends tests/web/test_canary.py, which crawls every
public URL in process): a publisher's page on ANOTHER origin embeds the comments with the one
<script> snippet; a reader posts through the embedded form with a unique email; the comment is
approved; then every response the browser received, the host page's DOM, the frame's DOM, every
postMessage the frame sent to the publisher, and both origins' cookies and storage are searched
for the email: plain, lowercased, URL-encoded, base64, md5 and sha256."""

from __future__ import annotations

import json
import uuid

import pytest

from ..canary import email_variants

pytestmark = pytest.mark.browser

HOST_HOOKS = r"""
window.__messages = [];
window.addEventListener('message', (e) => window.__messages.push(JSON.stringify(e.data)), true);
"""


FRAME_STORAGE = r"""
() => {
  const out = [];
  for (const get of [() => Object.entries(localStorage), () => Object.entries(sessionStorage), () => document.cookie]) {
    try { out.push(get()); } catch (e) { out.push('denied'); }  // third-party storage may be blocked
  }
  return JSON.stringify(out);
}
"""


def _host_app(snippet: str):
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>The Daily</title></head>
<body><article><h1>Council passes the budget</h1><p>The council voted 27 to 22.</p></article>
{snippet}</body></html>"""
    return Starlette(routes=[Route("/story", lambda request: HTMLResponse(page))])


def test_embedded_on_another_site_the_email_never_reaches_the_browser(site, serve, chromium_browser):
    canary = f"Canary.{uuid.uuid4().hex[:10]}@Example.ORG"
    variants = email_variants(canary)
    site.add_article("budget")
    # Also one approved, one pending and one rejected comment with the canary, through the API.
    p = site.platform
    approved = p.submit_comment("budget", "Canary A", canary, "approved canary", ip=None).comment_id
    rejected = p.submit_comment("budget", "Canary R", canary, "rejected canary", ip=None).comment_id
    p.submit_comment("budget", "Canary P", canary, "pending canary", ip=None)
    p.decide(approved, "approve", actor="moderator:t")
    p.decide(rejected, "reject", actor="moderator:t", categories=["insult"])
    p.run_pending_jobs()

    bodies: list[tuple[str, str]] = []
    with serve(site.app) as comments:
        snippet = f'<script src="{comments.base}/embed.js" data-article-id="budget" async></script>'
        with serve(_host_app(snippet)) as host:
            host_url = host.base.replace("127.0.0.1", "localhost") + "/story"  # another site, not just another port
            context = chromium_browser.new_context()
            context.add_init_script(HOST_HOOKS)
            page = context.new_page()

            def keep(response):
                if response.request.method != "GET":
                    return
                try:
                    bodies.append((response.url, response.text() + json.dumps(dict(response.headers))))
                except Exception:  # noqa: BLE001 - a body that cannot be read (redirect, aborted) has nothing to leak
                    pass

            page.on("response", keep)
            page.goto(host_url, wait_until="load")
            frame_el = page.wait_for_selector("iframe", timeout=15000)
            frame = frame_el.content_frame()
            frame.wait_for_selector("form", timeout=15000)
            frame.fill("input[name=name]", "Canary Reader")
            frame.fill("input[name=email]", canary)
            frame.fill("textarea[name=text]", "posted through the embed on the publisher's page")
            frame.click("form button[type=submit]")
            frame.wait_for_load_state("load")
            frame.wait_for_selector("text=held for review", timeout=15000)
            # A moderator approves it; the reader reloads the publisher's page.
            queue = p.review_queue(status="pending", article_id="budget").items
            embedded = [q.comment.id for q in queue if q.comment.text.startswith("posted through the embed")]
            assert len(embedded) == 1
            p.decide(embedded[0], "approve", actor="moderator:t")
            p.run_pending_jobs()
            page.reload(wait_until="load")
            frame = page.wait_for_selector("iframe", timeout=15000).content_frame()
            frame.wait_for_selector("text=posted through the embed", timeout=15000)
            page.wait_for_timeout(300)
            seen = {
                "host DOM": page.content(),
                "frame DOM": frame.content(),
                "messages to the publisher": json.dumps(page.evaluate("window.__messages")),
                "cookies": json.dumps(context.cookies()),
                "frame storage": frame.evaluate(FRAME_STORAGE),
            }
            context.close()

    assert "approved canary" in seen["frame DOM"], "the frame did not show the approved comments"
    assert any("/embed/comments" in url for url, _ in bodies)
    leaks = []
    for where, text in list(seen.items()) + bodies:
        lowered = text.lower()
        leaks += [f"{where}: {label}" for label, value in variants.items() if value.lower() in lowered]
    assert not leaks, leaks
