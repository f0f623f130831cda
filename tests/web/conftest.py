"""Web fixtures: a real Platform on a fresh SQLite file, the app built by create_app around it,
and small factories (article, moderator, comment, signed-in clients). No part is faked."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from fastapi.testclient import TestClient

from civility.settings import Settings, load_settings
from civility.web.app import create_app
from civility.workflow.platform import Platform
from civility.workflow.types import ArticleIn

SECRET = "web-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values = {
            "database_url": f"sqlite:///{tmp_path / 'web.db'}",
            "secret_key": SECRET,
            "embedded_worker": False,
            "moderation": "hold",
            "base_url": "http://testserver",
            "mail_outbox_dir": str(tmp_path / "outbox"),
            "rate_limit_ip_per_hour": 1000,
            "rate_limit_email_per_hour": 1000,
            "sqlite_synchronous": "NORMAL",
            **overrides,
        }
        return load_settings(values, environ={})

    return make


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """Migrated once, with the moderator "mod" (argon2 hashing is slow on purpose, so it is
    done once): every test starts from a copy of this file."""
    folder = tmp_path_factory.mktemp("template")
    settings = load_settings(
        {
            "database_url": f"sqlite:///{folder / 'template.db'}",
            "secret_key": SECRET,
            "mail_outbox_dir": str(folder / "outbox"),
        },
        environ={},
    )
    platform = Platform.from_settings(settings)
    platform.migrate()
    platform.add_moderator("mod", PASSWORD, "moderator")
    platform.close()
    assert not (folder / "template.db-wal").exists() or (folder / "template.db-wal").stat().st_size == 0
    return folder / "template.db"


@pytest.fixture
def make_app(make_settings, template_db):
    """Build (settings, platform, TestClient) with setting overrides; everything is closed after."""
    opened: list[tuple[Platform, TestClient]] = []

    def make(**overrides: Any) -> tuple[Settings, Platform, TestClient]:
        settings = make_settings(**overrides)
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        if not database.exists():
            shutil.copyfile(template_db, database)
        platform = Platform.from_settings(settings)
        platform.migrate()  # a no-op on the copy: the template is at the newest revision
        client = TestClient(create_app(settings, platform), base_url=settings.base_url)
        client.__enter__()
        opened.append((platform, client))
        return settings, platform, client

    yield make
    for platform, client in opened:
        client.__exit__(None, None, None)
        platform.close()


@pytest.fixture
def web(make_app):
    return make_app()


@pytest.fixture
def platform(web) -> Platform:
    return web[1]


@pytest.fixture
def client(web) -> TestClient:
    return web[2]


@pytest.fixture
def make_article(platform: Platform) -> Callable[..., Any]:
    def make(**fields: Any):
        data = {
            "id": f"a-{uuid.uuid4().hex[:8]}",
            "title": "Bridge repairs close the river road for a month",
            "body": "Works start on Monday.\n\nDetours are signposted.",
            "source": "Test desk",
            **fields,
        }
        return platform.add_article(ArticleIn(**data))

    return make


@pytest.fixture
def article(make_article):
    return make_article()


@pytest.fixture
def moderator(platform: Platform):
    """The moderator "mod" (password PASSWORD), present in every test database."""
    return next(m for m in platform.list_moderators() if m.name == "mod")


@pytest.fixture
def make_comment(platform: Platform) -> Callable[..., int]:
    """Submit through the platform; ``state`` approve/reject decides it as a moderator."""

    def make(
        article_id: str,
        *,
        name: str = "Reader",
        email: str | None = None,
        text: str = "A fair point about the detours.",
        state: str = "pending",
    ) -> int:
        email = email or f"r-{uuid.uuid4().hex[:8]}@example.org"
        result = platform.submit_comment(article_id, name, email, text, ip="198.51.100.7")
        if state in ("approve", "reject"):
            platform.decide(
                result.comment_id, state, actor="moderator:setup", categories=["insult"] if state == "reject" else None
            )
        return result.comment_id

    return make


@pytest.fixture
def bearer(platform: Platform, moderator) -> dict[str, str]:
    """A bearer session for "mod" (signing in over HTTP is tested on its own)."""
    token, _csrf = platform.create_session(moderator.id)
    return {"Authorization": f"Bearer {token}"}


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token field"
    return found.group(1)


def hidden_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no {name} field"
    return found.group(1)


def login(client: TestClient, name: str = "mod", password: str = PASSWORD):
    page = client.get("/moderate/login")
    return client.post(
        "/moderate/login",
        data={"name": name, "password": password, "csrf_token": form_token(page.text), "next": "/moderate"},
        follow_redirects=False,
    )


@pytest.fixture
def util():
    """The page helpers above, for test modules (importlib mode cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(form_token=form_token, hidden_value=hidden_value, login=login, password=PASSWORD)
