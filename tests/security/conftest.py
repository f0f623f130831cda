"""Fixtures for the security tests: a real SQLite file, the real app (in-process client or a
real uvicorn server on a loopback port), moderators with sessions, a route table walked from
the app itself, and Debian's chromium through Playwright (skipped when absent)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

SECRET = "security-test-secret-0123456789abcdef"
PUBLISHER_TOKEN = "security-test-publisher-token-0123456789"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DATA = Path(__file__).parent / "data"


def security_settings(tmp: Path, **overrides: Any):
    from civility.settings import load_settings

    values = {
        "database_url": f"sqlite:///{tmp / 'civility.db'}",
        "secret_key": SECRET,
        "moderation": "hold",
        "relevance": "off",
        "embedded_worker": False,
        "mail_outbox_dir": str(tmp / "outbox"),
        "publisher_token": PUBLISHER_TOKEN,
    }
    values.update(overrides)
    return load_settings(values, environ={}, config_path=None)


@dataclass
class Site:
    """One app on one database: the platform, the app, an in-process client, and helpers."""

    settings: Any
    platform: Any
    app: Any
    client: Any

    def add_article(
        self,
        article_id: str = "budget",
        title: str = "Council passes the budget",
        body: str = "The council voted 27 to 22 on Tuesday.",
    ) -> Any:
        from civility.workflow.types import ArticleIn

        return self.platform.add_article(ArticleIn(id=article_id, title=title, body=body, source="desk"))

    def moderator(self, name: str = "mara", role: str = "moderator", password: str = "correct horse battery") -> dict:
        """A moderator with a bearer session: {'name', 'token', 'csrf', 'password'}."""
        mod = self.platform.add_moderator(name, password, role)
        token, csrf = self.platform.create_session(mod.id)
        return {"name": name, "token": token, "csrf": csrf, "password": password, "id": mod.id}

    def outbox(self) -> list[dict]:
        from civility.workflow.mail import OutboxSender

        return OutboxSender(self.settings.mail_outbox_dir).messages()


@pytest.fixture
def make_site(tmp_path) -> Iterator[Any]:
    """Factory: ``make_site(**setting_overrides)`` -> a Site on a fresh SQLite file."""
    from fastapi.testclient import TestClient

    from civility.web.app import create_app
    from civility.workflow.platform import Platform

    made: list[tuple[Any, Any]] = []

    def factory(**overrides: Any) -> Site:
        settings = security_settings(tmp_path, **overrides)
        platform = Platform.from_settings(settings)
        platform.migrate()
        app = create_app(settings, platform)
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        made.append((client, platform))
        return Site(settings, platform, app, client)

    yield factory
    for client, platform in made:
        client.__exit__(None, None, None)
        platform.close()


@pytest.fixture
def site(make_site) -> Site:
    return make_site()


# -- the route table, walked from the app (so a new endpoint cannot be forgotten) ------------------
def route_table(app: Any) -> list[tuple[str, str, Any]]:
    """(method, path, route) for every HTTP route, through included routers of any depth."""
    out: list[tuple[str, str, Any]] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI's included router
                walk(route.original_router.routes, prefix + (route.include_context.prefix or ""))
            elif getattr(route, "methods", None):
                for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                    out.append((method, prefix + route.path, route))

    walk(app.routes, "")
    return out


def fill_path(path: str, **values: Any) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(values.get(m.group(1), "1")), path)


@pytest.fixture
def routes():
    return route_table


# -- a real server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on a loopback port, in a thread."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def serve():
    """``with serve(app) as server:`` runs the app on a loopback port (server.base is its URL)."""
    return LiveServer


@pytest.fixture
def live(site) -> Iterator[LiveServer]:
    with LiveServer(site.app) as server:
        yield server


# -- chromium --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium_browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def xss_payloads() -> list[str]:
    text = (DATA / "xss_payloads.txt").read_text(encoding="utf-8")
    return [p for p in text.split("\n") if p]


@pytest.fixture(scope="session")
def payloads() -> list[str]:
    return xss_payloads()
