"""`civility learn` (a learning run now, or --rollback) and `civility replay` (the replay
benchmark on a labelled stream, on a fresh temporary database)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from civility.cli.admin import _platform, config_option
from civility.errors import InputFormatError


@click.command()
@config_option
@click.option("--rollback", is_flag=True, help="Return to the previous site model (the current one is retired)")
def learn(config_path: str | None, rollback: bool) -> None:
    """Learn a site model and bands from the site's moderators' decisions; promote it only when better."""
    platform = _platform(config_path)
    try:
        if rollback:
            old, new = platform.rollback_site_model()
            if old is None:
                click.echo("no active site model: the shipped bands are in use")
            else:
                click.echo(
                    f"site@{old} retired; " + (f"site@{new} is active again" if new else "the shipped bands are in use")
                )
            return
        report = platform.learn()
    finally:
        platform.close()
    _print_run(report)


def _print_run(report: dict[str, Any]) -> None:
    click.echo(
        f"decisions {report.get('decisions')} (train {report.get('train', '-')}, held out {report.get('holdout', '-')}); "
        f"{report.get('seconds', '-')} s"
    )
    verdict = "promoted" if report.get("promoted") else "not promoted"
    click.echo(f"site@{report.get('version')} {verdict}: {report.get('why')}")
    for c in report.get("changes", []):
        click.echo(f"  {c['lang']:5s} {c['band']:24s} {c['from']} -> {c['to']}")
    for name in ("holdout_current", "holdout_candidate"):
        f = report.get(name)
        if f:
            click.echo(
                f"  {name:18s} automation {f['automation']:.3f}  approve error {f['approve_error']:.3f}  "
                f"reject error {f['reject_error']:.3f}  (n={f['n']})"
            )


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.3f}"


@click.command()
@click.argument("stream", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--articles", default=None, type=click.Path(exists=True, dir_okay=False), help="Articles JSON Lines (off_topic)"
)
@click.option(
    "--learn-every",
    "learn_every",
    default=500,
    show_default=True,
    type=click.IntRange(0),
    help="Learn after every N human decisions (0: never); also the window size of the table",
)
@click.option(
    "--json", "json_out", default=None, type=click.Path(dir_okay=False), help="Write the figures as JSON here"
)
@click.option(
    "--decisions",
    "decisions_out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write each replayed comment's verdict (civility score's format) here",
)
@click.option(
    "--model", "model_dir", default=None, type=click.Path(file_okay=False), help="Model artifact (default: shipped)"
)
def replay(
    stream: str,
    articles: str | None,
    learn_every: int,
    json_out: str | None,
    decisions_out: str | None,
    model_dir: str | None,
) -> None:
    """Replay a labelled stream as a site would have lived it, learning as it goes."""
    from civility.cli.ml import _load_articles, _open_out
    from civility.models.data import iter_jsonl
    from civility.workflow.replay import replay as run_replay

    click.echo(f"{'start':>7s} {'end':>7s} {'automation':>10s} {'appr.break':>10s} {'rej.prec':>9s}")

    def window(w: dict[str, Any]) -> None:
        click.echo(
            f"{w['start']:7d} {w['end']:7d} {_fmt(w['automation']):>10s} {_fmt(w['approved_breaking']):>10s} "
            f"{_fmt(w['reject_precision']):>9s}"
        )

    def error(message: str) -> None:
        click.echo(f"{stream}: {message}", err=True)

    out = _open_out(decisions_out) if decisions_out else None
    try:
        fh = out.__enter__() if out is not None else None
        result = run_replay(
            iter_jsonl(stream, required=("text",)),
            articles=_load_articles(articles),
            learn_every=learn_every,
            decisions_out=fh,
            model_dir=model_dir,
            on_error=error,
            on_window=window,
        )
    finally:
        if out is not None:
            out.__exit__(*sys.exc_info())
    data = result.to_json()
    tail = len(result.outcomes) % result.window
    if tail:
        w = data["windows"][-1]
        window({**w})
    half = data["last_half"]
    click.echo(
        f"last half: automation {_fmt(half['automation'])}  approved_breaking {_fmt(half['approved_breaking'])}  "
        f"reject_precision {_fmt(half['reject_precision'])}  civil_rejected {_fmt(half['civil_rejected'])}"
    )
    click.echo(
        f"{len(result.outcomes)} comments, {result.skipped} without a known label skipped, "
        f"{result.learn_runs} learning runs ({result.promotions} promoted); model {result.model}"
    )
    if json_out:
        Path(json_out).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if result.errors:
        first = int(result.errors[0].split()[1].rstrip(":"))
        raise InputFormatError(f"{len(result.errors)} line(s) of {stream} not replayed; the others were", first)
