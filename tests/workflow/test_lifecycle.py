"""Platform lifecycle: building one never touches the schema; `migrate()` (what `civility migrate`
and `serve` call) does; a plain postgresql:// URL is accepted."""

from __future__ import annotations

from sqlalchemy import inspect

from civility.settings import load_settings
from civility.storage.migrate import head_revision
from civility.workflow import Platform


def test_from_settings_does_not_migrate(db_url):
    url = db_url.replace("postgresql+psycopg://", "postgresql://", 1)  # the form users write
    platform = Platform.from_settings(load_settings({"database_url": url, "moderation": "hold"}, environ={}))
    try:
        assert not platform.schema_is_current()
        assert "comments" not in inspect(platform.db.engine).get_table_names()
        assert platform.migrate() == head_revision()
        assert platform.schema_is_current()
    finally:
        platform.close()
