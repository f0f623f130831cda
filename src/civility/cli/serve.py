"""`civility serve`: migrate, optionally load the demo site, then run the web app under
uvicorn with the embedded job worker. (`civility worker` lives in cli/worker_cmd.py and is
re-exported at the bottom of this module, where the command group looks for it.)"""

from __future__ import annotations

import logging
import os
import secrets

import click

from civility.settings import PLACEHOLDER_SECRET, SETTINGS, load_settings

_DEFAULT_BASE_URL = next(s.default for s in SETTINGS if s.name == "base_url")


@click.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: $CIVILITY_CONFIG, then built-in defaults).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--demo",
    is_flag=True,
    help="Load sample articles, comments and a demo moderator into an EMPTY database; "
    "a placeholder secret is allowed (a random one is used for this run).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web processes (each runs its own embedded job worker when that is on).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(config_path: str | None, host: str, port: int, demo: bool, workers: int, log_level: str) -> None:
    """Run the web app: reader pages, embed, moderator dashboard and JSON API."""
    import uvicorn

    from civility.web.app import create_app
    from civility.workflow.platform import Platform

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides: dict[str, object] = {"demo": True} if demo else {}
    settings = load_settings(overrides, config_path=config_path, check_secret=True)
    if settings.demo and settings.secret_key in (PLACEHOLDER_SECRET, ""):
        # Never sign sessions with a published placeholder, not even in a demo.
        overrides["secret_key"] = secrets.token_urlsafe(32)
    if settings.base_url == _DEFAULT_BASE_URL and (host, port) != ("127.0.0.1", 8000):
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # nosec B104 - compares --host, binds nothing
        overrides["base_url"] = f"http://{shown_host}:{port}"
    if overrides:
        settings = load_settings(overrides, config_path=config_path, check_secret=True)

    platform = Platform.from_settings(settings)
    try:
        revision = platform.migrate()
        click.echo(f"database schema at revision {revision}")
        if settings.demo:
            _load_demo(platform, settings.base_url)
    except BaseException:
        platform.close()
        raise

    if workers == 1:
        app = create_app(settings, platform)
        try:
            uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=True)
        finally:
            platform.close()
        return

    platform.close()
    # Each worker process builds its own app from the environment: hand the settings over there.
    for name, value in overrides.items():
        os.environ[f"CIVILITY_{name.upper()}"] = str(value)
    if config_path:
        os.environ["CIVILITY_CONFIG"] = config_path
    uvicorn.run(
        "civility.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
    )


def _load_demo(platform, base_url: str) -> None:
    from civility.demo import load_demo

    info = load_demo(platform)
    base = base_url.rstrip("/")
    if info is None:
        click.echo(
            "demo: the database already has articles, so no sample content was loaded and no new "
            "login was made (the demo login was printed when the sample was first loaded). For a fresh "
            "demo use an empty database (e.g. CIVILITY_DATABASE_URL=sqlite:///demo.db); for a login "
            "here run `civility moderator add NAME`."
        )
        return
    click.echo("")
    click.echo("  civility demo is ready")
    click.echo(f"    reader pages:  {base}/")
    click.echo(f"    moderation:    {base}/moderate")
    click.echo(f"    sign in as:    {info.moderator}")
    click.echo(f"    password:      {info.password}")
    click.echo(f"    API document:  {base}/openapi.json")
    click.echo(f"    embed snippet: {base}/embed")
    click.echo("")


# --- `civility worker` (owned by the backend; defined in cli/worker_cmd.py) ------------------------
from civility.cli.worker_cmd import worker  # noqa: E402,F401
