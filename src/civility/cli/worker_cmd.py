"""`civility worker`: a standalone worker process that runs the background jobs (scoring,
notifications) of the configured queue until interrupted. Several may run at once."""

from __future__ import annotations

import logging

import click

from civility.errors import ConfigError
from civility.settings import load_settings


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="TOML settings file.")
@click.option("--poll-interval", type=float, default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option(
    "--requeue-pending",
    is_flag=True,
    help="First give every pending comment without a machine verdict a runnable score job "
    "(also when its last one failed for good).",
)
def worker(config_path: str | None, poll_interval: float, once: bool, requeue_pending: bool) -> None:
    """Run background jobs (scoring, notifications) until interrupted."""
    from civility.workflow import Platform

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the schema check is not news
    platform = Platform.from_settings(load_settings(config_path=config_path))
    try:
        if not platform.schema_is_current():
            raise ConfigError("the database schema is missing or old: run `civility migrate` first")
        if requeue_pending:
            click.echo(f"{platform.requeue_pending()} pending comment(s) have a score job", err=True)
        if once:
            platform.recover()
            total = 0
            while (ran := platform.run_pending_jobs(100)) > 0:
                total += ran
            click.echo(f"ran {total} job(s)")
            return
        click.echo(f"worker started ({platform.settings.queue} queue); Ctrl-C stops it", err=True)
        try:
            platform.scorer.moderator()  # load the engine once per process, before the first job
            platform.run_worker_forever(poll_interval=poll_interval)
        except KeyboardInterrupt:
            click.echo("worker stopped", err=True)
    finally:
        platform.close()
