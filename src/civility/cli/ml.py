"""`civility train`, `civility evaluate` and `civility score`: the moderation engine from the
command line. Input is JSON Lines (gzip when the name ends in .gz); scoring streams."""

from __future__ import annotations

import contextlib
import gzip
import json
import sys
from pathlib import Path
from typing import Any, Iterator, TextIO

import click

from civility.errors import InputFormatError

SCORE_BATCH = 256


def _open_out(path: str | None) -> contextlib.AbstractContextManager[TextIO]:
    if not path or path == "-":
        return contextlib.nullcontext(sys.stdout)
    if path.endswith(".gz"):
        return gzip.open(path, "wt", encoding="utf-8")  # type: ignore[return-value]
    return open(path, "w", encoding="utf-8")


def _load_articles(path: str | None) -> dict[str, Any]:
    from civility.domain import Article
    from civility.models.data import BadLine, iter_jsonl

    if not path:
        return {}
    out = {}
    for number, row in iter_jsonl(path, required=("article_id",)):
        if isinstance(row, BadLine):
            raise InputFormatError(f"{path}: {row.message}", number)
        out[str(row["article_id"])] = Article(
            id=str(row["article_id"]),
            title=row.get("title") or "",
            body=row.get("body") or "",
            source=row.get("source") or "",
            lang=row.get("lang") or "en",
        )
    return out


def _progress(total: int | None = None) -> Any:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" comments", file=sys.stderr)


@click.command()
@click.option(
    "--data",
    "data",
    required=True,
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Training JSON Lines (.gz); repeat to train on several files",
)
@click.option(
    "--dev",
    "dev",
    required=True,
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Dev JSON Lines: policy bands and reported figures; repeat for several (each reweighted to the base rate on its own)",
)
@click.option(
    "--base-rate",
    "base_rate",
    default=None,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Share of comments that break a rule, at which the bands keep their errors (default: the one in models/bands.py)",
)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Directory to write the artifact to"
)
@click.option("--seed", default=13, show_default=True, help="Random seed (same data + seed = same model)")
@click.option(
    "--include-unlicensed", is_flag=True, help="Also train on sources with no licence (research only, never ship)"
)
def train(
    data: tuple[str, ...], dev: tuple[str, ...], out: str, seed: int, include_unlicensed: bool, base_rate: float | None
) -> None:
    """Build a model artifact from labelled data."""
    from civility.models.bands import DEFAULT_BASE_RATE
    from civility.models.build import build
    from civility.models.train import TrainConfig

    artifact = build(
        data,
        dev,
        out,
        config=TrainConfig(seed=seed),
        include_unlicensed=include_unlicensed,
        base_rate=base_rate or DEFAULT_BASE_RATE,
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(f"{artifact.name_version} written to {out}")
    for cat, m in artifact.manifest["dev_metrics"].items():
        auc = "-" if m["roc_auc"] is None else f"{m['roc_auc']:.4f}"
        click.echo(f"  {cat:16s} dev n={m['n']:6d} positives={m['positives']:5d} ROC-AUC={auc}")


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _print_report(rep: dict[str, Any]) -> None:
    click.echo(f"model {rep['model']}  policy {rep['policy']}  rows {rep['rows']}")
    click.echo(
        f"{'category':16s} {'n':>6s} {'pos':>5s} {'ROC-AUC':>8s} {'AP':>6s}  {'review@':>7s} {'P':>5s} {'R':>5s}  {'reject@':>7s} {'P':>5s} {'R':>5s}  {'ECE':>5s}"
    )
    for cat, m in rep["categories"].items():
        rv, rj = m["at_review_threshold"], m["at_reject_threshold"]
        click.echo(
            f"{cat:16s} {m['n']:6d} {m['positives']:5d} {_fmt(m['roc_auc'], 4):>8s} {_fmt(m['average_precision']):>6s}  "
            f"{_fmt(rv['threshold'], 3):>7s} {_fmt(rv['precision']):>5s} {_fmt(rv['recall']):>5s}  "
            f"{_fmt(rj['threshold'], 3):>7s} {_fmt(rj['precision']):>5s} {_fmt(rj['recall']):>5s}  {_fmt(m.get('calibration_error')):>5s}"
        )
    click.echo("\ncalibration (reliability) per category: bin  n  mean predicted  observed")
    for cat, m in rep["categories"].items():
        cells = "  ".join(
            f"{r['bin']}:{r['n']}/{r['mean_predicted']:.2f}/{r['observed']:.2f}" for r in m["reliability"]
        )
        click.echo(f"  {cat:16s} {cells}")
    a = rep["automation"]
    click.echo(
        f"\nautomation rate {_fmt(a['automation_rate'])} (approve {_fmt(a['approve_rate'])}, reject {_fmt(a['reject_rate'])}, "
        f"review {_fmt(a['review_rate'])}); auto-approve error {_fmt(a['approve_error'])} "
        f"(misses {_fmt(a['approve_miss_rate'])} of labelled comments); auto-reject error {_fmt(a['reject_error'])}"
    )
    b = rep.get("at_base_rate")
    if b:
        click.echo(
            f"at base rate {b['base_rate']:g} (each source reweighted so that this share breaks a rule): "
            f"automation {_fmt(b['automation_rate'])} (approve {_fmt(b['approve_rate'])}, reject {_fmt(b['reject_rate'])}); "
            f"approved that break a rule {_fmt(b['approve_error'])}; auto-reject error {_fmt(b['reject_error'])}; "
            f"civil comments rejected {_fmt(b['civil_rejected'])}"
        )
    click.echo(f"throughput {_fmt(rep['throughput_per_s'], 0)} comments/s (all categories with reasons)")
    for lang, entry in rep.get("languages", {}).items():
        figures = ", ".join(
            f"{cat} n={m['n']} pos={m['positives']} AUC={_fmt(m['roc_auc'])}" for cat, m in entry["categories"].items()
        )
        click.echo(
            f"  lang {lang:8s} rows={entry['rows']:6d} automation={_fmt(entry['automation']['automation_rate'])}  {figures}"
        )


@click.command("language-bands")
@click.option(
    "--model",
    "model_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Model artifact (default: the shipped model)",
)
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled JSON Lines (.gz) with a lang per row, e.g. multilingual_dev.jsonl.gz",
)
def language_bands(model_dir: str | None, data: str) -> None:
    """Choose the per-language policy layer on a labelled multilingual file; writes it into the model manifest."""
    from civility.models.data import read_labelled
    from civility.models.language_bands import choose_for_model

    layer = choose_for_model(model_dir, read_labelled(data), data)
    for lang, entry in sorted(layer.items()):
        if entry.get("hold_all"):
            click.echo(f"  {lang:4s} review: {entry.get('why', '')}")
        elif "thresholds" in entry:
            click.echo(
                f"  {lang:4s} toxic approve below {entry['thresholds']['toxic']['approve_below']}: {entry.get('why', '')}"
            )
        else:
            click.echo(f"  {lang:4s} default bands")


@click.command()
@click.option(
    "--model",
    "model_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Model artifact (default: the shipped model)",
)
@click.option(
    "--data", "data", required=True, type=click.Path(exists=True, dir_okay=False), help="Labelled JSON Lines (.gz)"
)
@click.option(
    "--articles", default=None, type=click.Path(exists=True, dir_okay=False), help="Articles JSON Lines for off_topic"
)
@click.option(
    "--json", "json_out", default=None, type=click.Path(dir_okay=False), help="Also write the report as JSON here"
)
@click.option(
    "--base-rate",
    "base_rate",
    default=None,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="Also report automation and each band's error with every source reweighted so that this share of comments breaks a rule (e.g. 0.05)",
)
def evaluate(
    model_dir: str | None, data: str, articles: str | None, json_out: str | None, base_rate: float | None
) -> None:
    """Print per-category figures, calibration, automation and throughput on a labelled file."""
    from civility.models.data import BadLine, iter_jsonl
    from civility.models.evaluate import report, score_rows
    from civility.moderation.pipeline import ModerationEngine

    moderator = ModerationEngine.load(model_dir, relevance="auto" if articles else "off")
    bad: list[BadLine] = []

    def rows() -> Iterator[dict[str, Any]]:
        for _, row in iter_jsonl(data, required=("text",)):
            if isinstance(row, BadLine):
                click.echo(f"{data}: line {row.line}: {row.message}", err=True)
                bad.append(row)
                continue
            yield row

    scored = score_rows(moderator, rows(), _load_articles(articles))
    rep = report(scored, moderator.default_policy, moderator.model_version, base_rate)
    _print_report(rep)
    if json_out:
        Path(json_out).write_text(json.dumps(rep, indent=2, default=float) + "\n", encoding="utf-8")
    if bad:
        raise InputFormatError(f"{len(bad)} malformed line(s) skipped in {data}", bad[0].line)


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--articles",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Articles JSON Lines (article_id, title, body) for off_topic",
)
@click.option("--output", "output", default=None, help="Write JSON Lines here (.gz to compress); default stdout")
@click.option(
    "--model",
    "model_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Model artifact (default: the shipped model)",
)
def score(input_path: str, articles: str | None, output: str | None, model_dir: str | None) -> None:
    """Score every comment of INPUT (JSON Lines with id and text); one verdict per line."""
    from civility.domain import ModerationInput
    from civility.models.data import BadLine, iter_jsonl
    from civility.moderation.pipeline import ModerationEngine

    article_table = _load_articles(articles)
    moderator = ModerationEngine.load(model_dir, relevance="auto" if articles else "off")
    bar = _progress()
    bad: list[BadLine] = []
    batch: list[dict[str, Any]] = []
    with _open_out(output) as out:

        def flush() -> None:
            items = [
                ModerationInput(
                    text=r["text"],
                    id=r["id"],
                    lang=r.get("lang"),
                    article=article_table.get(str(r["article_id"])) if r.get("article_id") is not None else None,
                )
                for r in batch
            ]
            for r, v in zip(batch, moderator.verdicts(items)):
                out.write(json.dumps({"id": r["id"], **v.to_dict()}, ensure_ascii=False) + "\n")
            if bar is not None:
                bar.update(len(batch))
            batch.clear()

        for _, row in iter_jsonl(input_path, required=("id", "text")):
            if isinstance(row, BadLine):
                click.echo(f"{input_path}: line {row.line}: {row.message}", err=True)
                bad.append(row)
                continue
            batch.append(row)
            if len(batch) >= SCORE_BATCH:
                flush()
        if batch:
            flush()
    if bar is not None:
        bar.close()
    if bad:
        raise InputFormatError(
            f"{len(bad)} malformed line(s) skipped in {input_path}; the others were scored", bad[0].line
        )
