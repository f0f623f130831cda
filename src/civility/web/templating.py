"""The Jinja2 environment: autoescape always on, filters for times and paragraphs, the
evidence highlighter for moderators, and cache-busted static URLs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from civility.domain.categories import CATEGORY_TABLE
from civility.moderation.language import language_name
from civility.web import timefmt
from civility.workflow.reports import REPORT_REASONS

HERE = Path(__file__).parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


@lru_cache(maxsize=64)
def _static_version(name: str) -> str:
    path = STATIC_DIR / name
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(name: str) -> str:
    return f"/static/{name}?v={_static_version(name)}"


def paragraphs(text: str | None) -> list[str]:
    """Split plain text on blank lines; each paragraph is escaped by the template."""
    if not text:
        return []
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def _evidence_spans(verdict: Any, length: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for reason in getattr(verdict, "reasons", None) or ():
        for ev in getattr(reason, "evidence", None) or ():
            start, end = int(ev.start), int(ev.end)
            if 0 <= start < end <= length:
                spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, verdict: Any) -> Markup:
    """The comment text with the machine's evidence spans in <mark>; every piece is escaped."""
    spans = _evidence_spans(verdict, len(text)) if verdict is not None else []
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(str(escape(text[position:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))  # nosec B704 - every piece above went through escape()


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        iso=timefmt.iso,
        exact=timefmt.exact,
        relative=timefmt.relative,
        paragraphs=paragraphs,
        highlight=highlight,
        language_name=language_name,
    )
    env.globals["static_url"] = static_url
    env.globals["report_reasons"] = REPORT_REASONS
    # the rules a moderator's rejection can cite (toxic is the data's umbrella, not a rule)
    env.globals["reject_rules"] = [c for c in CATEGORY_TABLE.values() if c.id != "toxic"]
    # reader pages pass their language's gettext (web/i18n.py); every other page is English
    env.globals.update(
        _=lambda s: s,
        gettext=lambda s: s,
        ngettext=lambda s, p, n: s if n == 1 else p,
        page_lang="en",
        page_dir="ltr",
        relative_in_lang=timefmt.relative,
    )
    return Jinja2Templates(env=env)
