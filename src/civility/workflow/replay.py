"""The replay benchmark: a labelled stream lived as a site would have lived it, in file order, on a
fresh temporary SQLite database. Each comment is submitted and scored with the current verdict;
an automatic decision is counted against the labels; a comment sent to review is decided by "the
moderator" from its labels (any label 1: reject with those categories; all known labels 0:
approve); every N human decisions a learning run goes. Rows without a known label are skipped."""

from __future__ import annotations

import json
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from civility.errors import CivilityError
from civility.storage.repos import decisions as decision_repo

DEFAULT_ARTICLE = "replay"


@dataclass
class Outcome:
    decision: str  # the machine's: approve | reject | review
    breaking: bool
    civil: bool


@dataclass
class ReplayResult:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0
    learn_runs: int = 0
    reports: list[dict[str, Any]] = field(default_factory=list)
    promotions: int = 0
    model: str = "none"
    window: int = 500

    def figures(self, part: list[Outcome]) -> dict[str, Any]:
        auto = [o for o in part if o.decision != "review"]
        approved = [o for o in part if o.decision == "approve"]
        rejected = [o for o in part if o.decision == "reject"]
        civil = [o for o in part if o.civil]
        return {
            "automation": _ratio(len(auto), len(part)),
            "approved_breaking": _ratio(sum(o.breaking for o in approved), len(approved)),
            "reject_precision": _ratio(sum(o.breaking for o in rejected), len(rejected)),
            "civil_rejected": _ratio(sum(1 for o in rejected if o.civil), len(civil)),
            "comments": len(part),
            "approved": len(approved),
            "rejected": len(rejected),
        }

    def to_json(self) -> dict[str, Any]:
        windows = []
        for start in range(0, len(self.outcomes), self.window):
            part = self.outcomes[start : start + self.window]
            f = self.figures(part)
            windows.append(
                {
                    "start": start,
                    "end": start + len(part),
                    "automation": f["automation"],
                    "approved_breaking": f["approved_breaking"],
                    "reject_precision": f["reject_precision"],
                }
            )
        half = self.figures(self.outcomes[len(self.outcomes) // 2 :])
        return {
            "windows": windows,
            "last_half": {
                k: half[k] for k in ("automation", "approved_breaking", "reject_precision", "civil_rejected")
            },
            "learn_runs": self.learn_runs,
            "model": self.model,
        }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def labels_of(row: dict[str, Any]) -> tuple[list[str], bool] | None:
    """(categories labelled 1, any known label) or None when no label is known."""
    labels = row.get("labels") or {}
    if not isinstance(labels, dict):
        return None
    known = {k: v for k, v in labels.items() if v is not None}
    if not known:
        return None
    return [k for k, v in known.items() if v in (1, True, 1.0)], True


def replay(
    rows: Iterable[tuple[int, Any]],
    *,
    articles: dict[str, Any] | None = None,
    learn_every: int = 500,
    decisions_out: TextIO | None = None,
    model_dir: str | None = None,
    on_error: Callable[[str], None] = lambda _m: None,
    on_window: Callable[[dict[str, Any]], None] = lambda _w: None,
    workdir: str | None = None,
) -> ReplayResult:
    """``rows``: (line number, row dict or a BadLine-like object with .line/.message)."""
    from civility.settings import load_settings
    from civility.workflow import ArticleIn, Platform

    result = ReplayResult(window=learn_every if learn_every > 0 else 500)  # windows of N comments
    with tempfile.TemporaryDirectory(dir=workdir, prefix="civility-replay-") as tmp:
        settings = load_settings(
            {
                "database_url": f"sqlite:///{Path(tmp) / 'replay.db'}",
                "secret_key": secrets.token_urlsafe(24),
                "moderation": "auto",
                "relevance": "auto" if articles else "off",
                "model_dir": model_dir or "",
                "learn_every_decisions": 0,
                "learn_nightly": False,
                "site_model_check_s": 0,
                "submit_wait_ms": 0,  # scored in batches below, after the stream's language is set
                "rate_limit_ip_per_hour": 10**9,
                "rate_limit_email_per_hour": 10**9,
                "comment_max_length": 10**6,
                "embedded_worker": False,
                "sqlite_synchronous": "NORMAL",
                "notify_on_publish": False,
                "mail_outbox_dir": str(Path(tmp) / "outbox"),
            },
            environ={},
            config_path=None,
        )
        platform = Platform.from_settings(settings)
        try:
            platform.migrate()
            known_articles = {DEFAULT_ARTICLE}
            platform.add_article(
                ArticleIn(
                    id=DEFAULT_ARTICLE,
                    title="Replay",
                    body="Comments replayed from a labelled stream.",
                    source="replay",
                )
            )
            for art in (articles or {}).values():
                platform.add_article(
                    ArticleIn(
                        id=art.id,
                        title=art.title or art.id,
                        body=art.body or art.title or art.id,
                        source=art.source,
                        lang=art.lang,
                    )
                )
                known_articles.add(art.id)
            _run(platform, rows, known_articles, result, learn_every, decisions_out, on_error, on_window)
            moderator = platform.scorer.moderator()
            site = platform.scorer.site_model()
            base = moderator.model_version if moderator is not None else "none"
            result.model = f"{base}+{site.name}" if site is not None else base
        finally:
            platform.close()
    return result


def _run(platform, rows, known_articles, result: ReplayResult, learn_every: int, decisions_out, on_error, on_window):
    human = 0
    pending: list[tuple[Any, dict[str, Any], list[str]]] = []
    n = 0

    def flush() -> None:
        nonlocal human
        if not pending:
            return
        platform.scorer.score_many([cid for cid, _r, _l in pending])
        with platform.db.read() as conn:
            hist = decision_repo.histories(conn, [cid for cid, _r, _l in pending])
        for cid, row, positives in pending:
            verdict = decision_repo.latest_verdict(hist[cid], row["text"])
            decision = verdict.decision.value if verdict is not None else "review"
            if decisions_out is not None and verdict is not None:
                decisions_out.write(
                    json.dumps({"id": row.get("id", cid), **verdict.to_dict()}, ensure_ascii=False) + "\n"
                )
            result.outcomes.append(Outcome(decision, bool(positives), not positives))
            if len(result.outcomes) % result.window == 0:
                start = len(result.outcomes) - result.window
                on_window({"start": start, "end": len(result.outcomes), **result.figures(result.outcomes[start:])})
            if decision == "review":
                if positives:
                    platform.decide(cid, "reject", actor="moderator:replay", categories=positives)
                else:
                    platform.decide(cid, "approve", actor="moderator:replay")
                human += 1
                if learn_every and human % learn_every == 0:
                    report = platform.learn()
                    result.learn_runs += 1
                    result.reports.append(report)
                    result.promotions += int(bool(report.get("promoted")))
        pending.clear()

    for number, row in rows:
        if not isinstance(row, dict):
            result.errors.append(f"line {number}: {getattr(row, 'message', row)}")
            on_error(result.errors[-1])
            continue
        labelled = labels_of(row)
        if labelled is None:
            result.skipped += 1
            continue
        positives = labelled[0]
        article_id = str(row.get("article_id") or DEFAULT_ARTICLE)
        if article_id not in known_articles:
            article_id = DEFAULT_ARTICLE
        n += 1
        try:
            submitted = platform.submit_comment(
                article_id, f"Reader {n}", f"reader{n}@replay.invalid", row["text"], ip=None
            )
        except CivilityError as exc:
            result.errors.append(f"line {number}: {exc}" + (f" {exc.fields}" if hasattr(exc, "fields") else ""))
            on_error(result.errors[-1])
            continue
        if isinstance(row.get("lang"), str) and row["lang"].strip():
            _set_lang(platform, submitted.comment_id, row["lang"].strip()[:16])
        pending.append((submitted.comment_id, row, positives))
        # never let a learning run fall inside a batch: a batch is at most the reviews left before it
        left = learn_every - (human % learn_every) if learn_every else 64
        if len(pending) >= min(64, left):
            flush()
    flush()


def _set_lang(platform, comment_id: int, lang: str) -> None:
    """The stream's language label stands in for language detection (comments.lang)."""
    from sqlalchemy import update

    from civility.storage.schema import comments

    with platform.db.write() as conn:
        conn.execute(update(comments).where(comments.c.id == comment_id).values(lang=lang))
