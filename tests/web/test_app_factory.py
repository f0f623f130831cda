"""create_app without a platform builds its own (and refuses an unmigrated database with a
clear message); app_from_env reads the settings from the environment, refusing a placeholder
secret, as `serve --workers N` and `uvicorn --factory` use it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from civility.errors import ConfigError
from civility.web.app import app_from_env, create_app
from civility.workflow.platform import Platform


def test_refuses_an_unmigrated_database(make_settings):
    with pytest.raises(ConfigError, match="civility migrate"):
        create_app(make_settings())


def test_builds_and_closes_its_own_platform(make_settings):
    settings = make_settings()
    migrated = Platform.from_settings(settings)
    migrated.migrate()
    migrated.close()
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/api/articles").json()["items"] == []


def test_app_from_env(monkeypatch, make_settings, tmp_path):
    settings = make_settings()
    migrated = Platform.from_settings(settings)
    migrated.migrate()
    migrated.close()
    monkeypatch.setenv("CIVILITY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CIVILITY_EMBEDDED_WORKER", "false")
    monkeypatch.setenv("CIVILITY_MAIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("CIVILITY_SECRET_KEY", raising=False)
    monkeypatch.delenv("CIVILITY_DEMO", raising=False)
    monkeypatch.delenv("CIVILITY_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="placeholder"):
        app_from_env()
    monkeypatch.setenv("CIVILITY_SECRET_KEY", "a-real-secret-for-this-test-0123")
    with TestClient(app_from_env()) as client:
        assert client.get("/healthz").status_code == 200
