"""Administration commands: `civility migrate`, `moderator add|list`, `article add FILE`,
`settings` (the settings table, or a commented TOML file with every default)."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from civility.errors import ConfigError, ValidationError
from civility.settings import Settings, describe, load_settings

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: $CIVILITY_CONFIG, then built-in defaults).",
)


def _settings(config_path: str | None) -> Settings:
    return load_settings(config_path=config_path)


def _redacted(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)


def _platform(config_path: str | None, *, require_schema: bool = True):
    from civility.workflow import Platform

    platform = Platform.from_settings(_settings(config_path))
    if require_schema and not platform.schema_is_current():
        platform.close()
        raise ConfigError("the database schema is missing or old: run `civility migrate` first")
    return platform


@click.command()
@config_option
def migrate(config_path: str | None) -> None:
    """Create or update the database schema (SQLite or PostgreSQL)."""
    platform = _platform(config_path, require_schema=False)
    try:
        revision = platform.migrate()
    finally:
        platform.close()
    click.echo(f"database {_redacted(platform.settings.database_url)} is at schema revision {revision}")


@click.group()
def moderator() -> None:
    """Moderator accounts."""


@moderator.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["moderator", "admin"]), default="moderator", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@config_option
def moderator_add(name: str, role: str, password_stdin: bool, config_path: str | None) -> None:
    """Create a moderator NAME; the password is asked twice (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    platform = _platform(config_path)
    try:
        created = platform.add_moderator(name, password, role)
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None
    finally:
        platform.close()
    click.echo(f"moderator {created.name!r} created (role {created.role})")


@moderator.command("list")
@config_option
def moderator_list(config_path: str | None) -> None:
    """List moderators and their roles."""
    platform = _platform(config_path)
    try:
        for m in platform.list_moderators():
            click.echo(f"{m.name}\t{m.role}\t{m.created_at:%Y-%m-%d}")
    finally:
        platform.close()


@click.group()
def article() -> None:
    """Articles."""


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.S)
_ARTICLE_FIELDS = {"id", "title", "body", "source", "url", "lang", "published_at", "policy_overrides"}


def parse_article_file(path: Path) -> list[dict[str, Any]]:
    """JSON (one object or a list) or Markdown with a front matter of ``key: value`` lines."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError({"file": f"not valid JSON: {exc}"}) from None
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(i, dict) for i in items):
            raise ValidationError({"file": "expected an object or a list of objects"})
    else:
        match = _FRONT_MATTER.match(text)
        if not match:
            raise ValidationError({"file": "Markdown needs a front matter: ---, title: ..., ---, then the body"})
        meta: dict[str, Any] = {}
        for line in match.group(1).splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, sep, value = line.partition(":")
                if not sep:
                    raise ValidationError({"file": f"front matter line without 'key: value': {line!r}"})
                meta[key.strip()] = value.strip().strip('"').strip("'")
        meta["body"] = match.group(2).strip()
        items = [meta]
    for item in items:
        unknown = sorted(set(item) - _ARTICLE_FIELDS)
        if unknown:
            raise ValidationError({"file": f"unknown field(s) {', '.join(unknown)}"})
        if item.get("published_at"):
            try:
                item["published_at"] = datetime.fromisoformat(str(item["published_at"]).replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError({"published_at": "an ISO 8601 date-time, e.g. 2026-11-24T09:30:00Z"}) from None
    return items


@article.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
def article_add(file: Path, config_path: str | None) -> None:
    """Add the article(s) in FILE (JSON, or Markdown with a title/url/source/published_at front matter)."""
    from civility.workflow import ArticleIn

    try:
        items = parse_article_file(file)
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None
    platform = _platform(config_path)
    try:
        for item in items:
            try:
                created = platform.add_article(ArticleIn(**item))
            except ValidationError as exc:
                raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None
            click.echo(f"article {created.id}: {created.title}")
    finally:
        platform.close()


@click.command("settings")
@click.option("--toml", "as_toml", is_flag=True, help="Print a commented TOML file with every default instead.")
def settings_cmd(as_toml: bool) -> None:
    """Print the settings table: name, environment variable, default, meaning."""
    if as_toml:
        from civility import settings as settings_module

        click.echo(settings_module.example_toml(), nl=False)
    else:
        click.echo(describe())
