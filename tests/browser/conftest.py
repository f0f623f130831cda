"""Browser fixtures: the real app served by uvicorn on a free loopback port (in a thread, with
the embedded job worker running), and Debian's chromium driven by Playwright. Every test here
is skipped, with the reason, when chromium or Playwright is missing."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "browser test password 42"

pytestmark = pytest.mark.browser


def _skip_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is absent: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(base_url, platform): one server per test module, on a fresh SQLite file."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    import uvicorn

    from civility.settings import load_settings
    from civility.web.app import create_app
    from civility.workflow.platform import Platform

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("browser")
    settings = load_settings(
        {
            "database_url": f"sqlite:///{folder / 'browser.db'}",
            "secret_key": "browser-test-secret-0123456789abcdef",
            "base_url": base_url,
            "moderation": "hold",  # every comment waits for a person: the flow under test
            "embedded_worker": True,
            "mail_outbox_dir": str(folder / "outbox"),
            "sqlite_synchronous": "NORMAL",
        },
        environ={},
    )
    platform = Platform.from_settings(settings)
    platform.migrate()
    platform.add_moderator("editor", PASSWORD)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, platform), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield base_url, platform
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()
    platform.close()


@pytest.fixture(scope="module")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh contexts (a reader and a moderator never share cookies)."""
    contexts, violations = [], []

    def watch(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            violations.append(message.text)

    def make(**options):
        context = browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        return page

    yield make
    for context in contexts:
        context.close()
    assert violations == [], "the pages broke their own Content-Security-Policy"
