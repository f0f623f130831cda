"""Reading labelled JSON Lines files, the licence of every known training source, and the
fingerprint of the training files recorded in a model's manifest."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from civility.errors import InputFormatError

# source id -> (licence as stated by the source, may a shipped model be trained on it?)
SOURCE_LICENCES: dict[str, tuple[str, bool]] = {
    "toxic_spans": ("CC0-1.0", True),
    "civil_comments": ("CC0-1.0", True),
    "davidson2017": ("MIT", True),
    "ethos": ("GPL-3.0", True),
    "mlma": ("MIT", True),
    "youtube_spam": ("CC-BY-4.0", True),
    "jigsaw_toxic_sample": ("CC0-1.0 (labels) / CC-BY-SA-3.0 (text)", True),
    "offenseval2020_tr": ("CC-BY-2.0", True),
    "olid2019": ("none stated", False),
    "offenseval2020_ar": ("none stated", False),
    "parsoffensive": ("none stated", False),
}


# Categories a source may teach, where it is narrower than its labels. OffensEval's Turkish mapping
# sets profanity, insult, threat and identity_attack to 0 on civil rows but never to 1 (offensive
# rows leave them null): for those heads it would only teach "Turkish tweets are not profane", a
# language prior; its toxic label has both classes.
# YouTube's spam rows carry toxic = 1 with spam = 1: promotion is not abuse, and the umbrella
# that learnt from them raised "toxic" for "promote", "subscribe" and links. They teach spam only.
SOURCE_HEADS: dict[str, frozenset[str]] = {
    "offenseval2020_tr": frozenset({"toxic"}),
    "youtube_spam": frozenset({"spam"}),
}

# Categories whose annotator fraction is no soft target for a source: ToxicSpans gives a toxic
# fraction only for posts pre-selected as toxic, so as a soft target it would teach "half of
# these are civil", which the data does not say. Civil Comments' news rows are rated by several
# raters across the whole range: their fractions are kept (a 0.4 comment is nearly toxic).
HARD_ONLY: dict[str, frozenset[str]] = {
    "toxic_spans": frozenset({"toxic"}),
}

# Placeholders a collector put where links, emails, phone numbers and handles were (the
# redacted Civil Comments rows): training drops them, so no head learns them as evidence.
REDACTION_TOKENS = ("[URL]", "[EMAIL]", "[PHONE]", "[USER]")


def training_text(row: dict[str, Any]) -> str:
    """The text training reads: the row's text without redaction placeholders."""
    text = row["text"]
    if row.get("redacted") or "[" in text:
        for token in REDACTION_TOKENS:
            text = text.replace(token, " ")
    return text


def training_labels(row: dict[str, Any]) -> dict[str, Any]:
    """The labels of a row that training may use (see SOURCE_HEADS); others become null."""
    labels = row.get("labels") or {}
    heads = SOURCE_HEADS.get(row.get("source", ""))
    if heads is None:
        return labels
    return {c: (v if c in heads else None) for c, v in labels.items()}


def licence_allows(source: str) -> bool:
    """Unknown sources are treated like sources with no licence: not shippable."""
    return SOURCE_LICENCES.get(source, ("unknown", False))[1]


def open_text(path: str | Path) -> io.TextIOBase:
    path = str(path)
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")  # type: ignore[return-value]
    return open(path, encoding="utf-8")


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read, kept so a caller can report it and go on."""

    line: int
    message: str


def iter_jsonl(
    path: str | Path, *, required: tuple[str, ...] = ("text",)
) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(1-based line number, row or BadLine) for each non-blank line, streaming."""
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, BadLine(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(row, dict):
                yield number, BadLine(number, "expected a JSON object")
                continue
            missing = [k for k in required if k not in row]
            if missing:
                yield number, BadLine(number, f"missing field(s): {', '.join(missing)}")
                continue
            if "text" in required and not isinstance(row.get("text"), str):
                yield number, BadLine(number, "field 'text' must be a string")
                continue
            yield number, row


def read_labelled(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a labelled file; a malformed line is an error (training data must be clean)."""
    rows = []
    for _, item in iter_jsonl(path, required=("text", "labels")):
        if isinstance(item, BadLine):
            raise InputFormatError(f"{path}: {item.message}", item.line)
        rows.append(item)
    return rows


def fingerprint(*paths: str | Path) -> str:
    """sha256 over the bytes of the files, in the order given."""
    digest = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
