"""Decisions per minute in the moderation queue, in Debian's chromium: a moderator clears 100
queued comments (a) one by one with the Approve button (a page load each), (b) with the keyboard
(`a` on the current comment, sent in the background), (c) with bulk approve (select 50 per page
with `x`, preview, confirm). Same server, same 100 comments each time, hold mode (every comment
waits for a person). Run: PYTHONPATH=src python bench/bench_queue_keyboard.py [--shots docs/]"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from civility.settings import load_settings
from civility.web.app import create_app
from civility.workflow.platform import Platform
from civility.workflow.types import ArticleIn

N = 100
PASSWORD = "bench password 42 long"


def seed(platform, article_id):
    for i in range(N):
        platform.submit_comment(
            article_id,
            f"Reader {i}",
            f"r{i}@example.org",
            f"Comment {i}: the council should publish the full budget.",
            ip=None,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = load_settings(
        {
            "database_url": f"sqlite:///{folder / 'b.db'}",
            "secret_key": "bench-secret-0123456789abcdef",
            "base_url": base,
            "moderation": "hold",
            "embedded_worker": False,
            "mail_outbox_dir": str(folder / "outbox"),
            "sqlite_synchronous": "NORMAL",
            "rate_limit_ip_per_hour": 10**6,
            "rate_limit_email_per_hour": 10**6,
        },
        environ={},
    )
    platform = Platform.from_settings(settings)
    platform.migrate()
    platform.add_moderator("bench", PASSWORD)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, platform), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(
            viewport={"width": 1200, "height": 900}, bypass_csp=True
        ).new_page()  # for wait_for_function only
        page.goto(f"{base}/moderate")
        page.get_by_label("Name").fill("bench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/moderate")
        for mode in ("click", "keyboard", "bulk"):
            article = platform.add_article(ArticleIn(title=f"Bench {mode}", body="Budget story."))
            seed(platform, article.id)
            url = f"{base}/moderate?article={article.id}"
            page.goto(url)
            if mode == "click" and args.shots:
                page.screenshot(path=str(Path(args.shots) / "queue-desktop.png"))
            started = time.perf_counter()
            if mode == "click":
                for _ in range(N):
                    page.locator("article.qitem").first.get_by_role("button", name="Approve").first.click()
                    page.wait_for_load_state("load")
            elif mode == "keyboard":
                left = N
                while left:
                    page.goto(url)
                    shown = page.locator("article.qitem").count()
                    for _ in range(shown):
                        page.keyboard.press("a")
                    left -= shown
                    page.wait_for_function("document.querySelectorAll('article.qitem').length === 0")
            else:
                while platform.comment_counts(article.id)["pending"]:
                    page.goto(url)
                    for _ in range(page.locator("article.qitem").count()):
                        page.keyboard.press("x")
                        page.keyboard.press("j")
                    page.get_by_role("button", name="Approve selected").click()
                    page.get_by_role("button", name="Yes, approve").click()
                    page.wait_for_url("**done=bulk-approve**")
            elapsed = time.perf_counter() - started
            assert platform.comment_counts(article.id)["pending"] == 0, mode
            results[mode] = elapsed
            print(f"{mode:9s} {N} decisions in {elapsed:6.1f}s = {N / elapsed * 60:7.0f} decisions/minute")
        if args.shots:
            page.set_viewport_size({"width": 390, "height": 844})
            article = platform.add_article(ArticleIn(title="Phone queue", body="B"))
            for i in range(5):
                platform.submit_comment(article.id, f"R{i}", f"p{i}@example.org", f"Phone comment {i}", ip=None)
            page.goto(f"{base}/moderate?article={article.id}")
            page.screenshot(path=str(Path(args.shots) / "queue-phone.png"))
        browser.close()
    print(
        f"keyboard vs click: {results['click'] / results['keyboard']:.1f}x; bulk vs click: {results['click'] / results['bulk']:.1f}x"
    )
    server.should_exit = True


if __name__ == "__main__":
    main()
