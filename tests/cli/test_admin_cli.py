"""`civility migrate | moderator add | article add | settings` against a real database
(SQLite always, PostgreSQL when up)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from civility.cli import cli
from civility.settings import SETTINGS, load_settings
from civility.storage.migrate import head_revision
from civility.workflow import Platform

PASSWORD = "a long enough password"


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(
            cli, list(args), input=input, env={"CIVILITY_DATABASE_URL": db_url, "CIVILITY_SECRET_KEY": "x" * 32}
        )

    return invoke


@pytest.fixture
def platform_of(db_url):
    made = []

    def open_():
        p = Platform.from_settings(load_settings({"database_url": db_url}, environ={}))
        made.append(p)
        return p

    yield open_
    for p in made:
        p.close()


def test_migrate_creates_and_is_repeatable(run, platform_of):
    first = run("migrate")
    assert first.exit_code == 0, first.output
    assert f"schema revision {head_revision()}" in first.output
    assert run("migrate").exit_code == 0
    assert platform_of().schema_is_current()


def test_commands_refuse_an_unmigrated_database(run):
    result = run("moderator", "list")
    assert result.exit_code != 0 and "civility migrate" in str(result.exception or result.output)


def test_moderator_add_prompts_twice(run, platform_of):
    run("migrate")
    result = run("moderator", "add", "ruth", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "moderator 'ruth' created (role admin)" in result.output
    assert platform_of().authenticate("ruth", PASSWORD, None).role == "admin"


def test_moderator_add_mismatched_prompt_is_asked_again(run, platform_of):
    run("migrate")
    result = run("moderator", "add", "ruth", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert platform_of().authenticate("ruth", PASSWORD, None) is not None


def test_moderator_add_password_stdin_and_errors(run, platform_of):
    run("migrate")
    assert run("moderator", "add", "sam", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    assert platform_of().authenticate("sam", PASSWORD, None).role == "moderator"
    short = run("moderator", "add", "tim", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    listing = run("moderator", "list")
    assert "sam\tmoderator" in listing.output and "tim" not in listing.output


def test_article_add_json_and_markdown(run, platform_of, tmp_path):
    run("migrate")
    j = tmp_path / "articles.json"
    j.write_text(
        json.dumps(
            [
                {
                    "id": "budget",
                    "title": "Council passes budget",
                    "body": "The vote was 27 to 22.",
                    "source": "desk",
                    "url": "https://example.org/budget",
                    "published_at": "2026-11-20T10:00:00Z",
                },
                {"title": "Heatwave warning", "body": "Hot nights."},
            ]
        ),
        encoding="utf-8",
    )
    md = tmp_path / "ceasefire.md"
    md.write_text(
        "---\ntitle: Ceasefire talks resume\nurl: https://example.org/ceasefire\nsource: wire\n"
        "published_at: 2026-11-24T08:00:00+00:00\n---\n\nNegotiators returned on Tuesday.\n\n"
        "Second paragraph.\n",
        encoding="utf-8",
    )
    assert run("article", "add", str(j)).exit_code == 0
    result = run("article", "add", str(md))
    assert result.exit_code == 0 and "ceasefire-talks-resume" in result.output
    p = platform_of()
    budget = p.get_article("budget")
    assert budget.published_at.isoformat() == "2026-11-20T10:00:00+00:00" and budget.source == "desk"
    ceasefire = p.find_by_url("https://example.org/ceasefire")
    assert ceasefire.title == "Ceasefire talks resume" and ceasefire.body.endswith("Second paragraph.")
    assert p.get_article("heatwave-warning").body == "Hot nights."


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bad.json", "{not json", "not valid JSON"),
        ("nofront.md", "Just a body", "front matter"),
        ("extra.json", '{"title": "T", "body": "B", "author": "x"}', "unknown field"),
        ("date.json", '{"title": "T", "body": "B", "published_at": "yesterday"}', "ISO 8601"),
        ("empty.json", '{"title": "", "body": ""}', "title"),
    ],
)
def test_article_add_reports_bad_files(run, tmp_path, name, content, message):
    run("migrate")
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    result = run("article", "add", str(f))
    assert result.exit_code != 0 and message in result.output


def test_settings_prints_every_setting(run):
    result = run("settings")
    assert result.exit_code == 0
    for s in SETTINGS:
        assert f"CIVILITY_{s.name.upper()}" in result.output
    toml = run("settings", "--toml")
    assert toml.exit_code == 0 and "[civility]" in toml.output
