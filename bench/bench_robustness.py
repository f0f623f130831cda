"""Robustness of the shipped model to obfuscation: take the dev comments it flags (a text category
at or over its reject threshold), disguise the words its evidence points at with one family at a
time (leetspeak, repeated letters, separators, masks, homoglyphs, zero-width characters, joined
words), score again, and report per family the attack success rate (share no longer flagged),
with civility's normalisation and without it (casefold only). Also the false-positive rate on
clean dev comments (toxic = 0) with and without normalisation.

    python bench/bench_robustness.py [--model DIR] [--data dev.jsonl.gz] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from civility.domain import ModerationInput
from civility.moderation.normalize import Normalized, normalize
from civility.moderation.pipeline import ModerationEngine

DEV = Path("/work/shared/data/dev.jsonl.gz")
# Text categories an obfuscated word can hide from (spam and off_topic have other evidence).
TEXT_CATEGORIES = (
    "toxic",
    "profanity",
    "threat",
    "insult",
    "identity_attack",
    "sexism",
    "racism",
    "homophobia",
    "xenophobia",
    "religious_hate",
)
TARGET_ASR = 0.05
TARGET_FP_RISE = 0.01

# ----------------------------------------------------------------------------- the attacks

_LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1", "g": "9", "b": "8"}
_HOMOGLYPH = {
    "a": "а",
    "c": "с",
    "e": "е",
    "i": "і",
    "o": "о",
    "p": "р",
    "s": "ѕ",
    "x": "х",
    "y": "у",
    "h": "һ",
    "j": "ј",
    "d": "ԁ",
    "k": "κ",
    "n": "п",
    "t": "т",
    "m": "м",
}
_VOWELS = set("aeiouy")


def leet(word: str, rng: random.Random) -> str:
    out = [rng.choice(_LEET[c.lower()]) if c.lower() in _LEET and rng.random() < 0.7 else c for c in word]
    if out == list(word):  # at least one substitution
        k = [i for i, c in enumerate(word) if c.lower() in _LEET]
        if k:
            i = rng.choice(k)
            out[i] = rng.choice(_LEET[word[i].lower()])
    return "".join(out)


def repeats(word: str, rng: random.Random) -> str:
    k = [i for i, c in enumerate(word) if c.lower() in _VOWELS] or list(range(len(word)))
    picks = set(rng.sample(k, min(len(k), rng.choice((1, 2)))))
    return "".join(c * rng.randint(3, 6) if i in picks else c for i, c in enumerate(word))


def separators(word: str, rng: random.Random) -> str:
    return rng.choice((".", "-", " ", "_", "*", ". ")).join(word)


def masking(word: str, rng: random.Random) -> str:
    if len(word) <= 2:
        return word[0] + "*" * (len(word) - 1)
    inner = [i for i in range(1, len(word) - 1) if word[i].lower() in _VOWELS] or [len(word) // 2]
    if rng.random() < 0.5:  # f*ck / id*ot ; else f**k: the whole inside
        return "".join("*" if i == inner[0] else c for i, c in enumerate(word))
    return word[0] + "*" * (len(word) - 2) + word[-1]


def homoglyphs(word: str, rng: random.Random) -> str:
    out = [_HOMOGLYPH.get(c, c) if rng.random() < 0.6 else c for c in word]
    if out == list(word):
        k = [i for i, c in enumerate(word) if c in _HOMOGLYPH]
        if k:
            i = rng.choice(k)
            out[i] = _HOMOGLYPH[word[i]]
    return "".join(out)


def zero_width(word: str, rng: random.Random) -> str:
    return rng.choice(("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad")).join(word)


WORD_FAMILIES: dict[str, Callable[[str, random.Random], str]] = {
    "leet": leet,
    "repeats": repeats,
    "separators": separators,
    "masking": masking,
    "homoglyphs": homoglyphs,
    "zero-width": zero_width,
}
FAMILIES = (*WORD_FAMILIES, "joined-words")


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Alphabetic words inside [start, end) (an evidence span may cover more than one)."""
    spans, i = [], start
    while i < end:
        if text[i].isalpha():
            j = i
            while j < end and (text[j].isalpha() or text[j] == "'"):
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def attack(text: str, spans: Sequence[tuple[int, int]], family: str, rng: random.Random) -> str:
    """``text`` with the words in ``spans`` disguised by ``family`` (right to left: offsets hold)."""
    words = sorted({w for s, e in spans for w in _word_spans(text, s, e)}, reverse=True)
    for s, e in words:
        if family == "joined-words":  # glue the word to its neighbours: "you are an idiot" -> "youareanidiot"
            left = s
            while left > 0 and text[left - 1] == " ":
                left -= 1
            right = e
            while right < len(text) and text[right] == " ":
                right += 1
            text = text[:left] + text[s:e] + text[right:]
        else:
            text = text[:s] + WORD_FAMILIES[family](text[s:e], rng) + text[e:]
    return text


# ----------------------------------------------------------------------------- scoring


def casefold_only(text: str) -> Normalized:
    """The ablation: what the classifier would see without civility's normalisation."""
    chars, offsets = [], []
    for i, ch in enumerate(text):
        for c in ch.casefold():
            chars.append(c)
            offsets.append(i)
    return Normalized(text, "".join(chars), tuple(offsets))


def flags(moderator: ModerationEngine, texts: Sequence[str], *, normalise: bool, batch: int = 512) -> list[set[str]]:
    """For each text, the text categories at or over their reject threshold."""
    moderator.classifier.normalize = normalize if normalise else casefold_only  # type: ignore[method-assign]
    bands = moderator.default_policy.bands
    out: list[set[str]] = []
    for i in range(0, len(texts), batch):
        norms = [moderator.classifier.normalize(t) for t in texts[i : i + batch]]
        probs = moderator.classifier.probabilities(norms)
        for row in probs:
            scores = dict(zip(moderator.classifier.categories, map(float, row)))
            out.append({c for c in TEXT_CATEGORIES if c in scores and scores[c] >= bands[c].reject_above})
    moderator.classifier.normalize = normalize  # type: ignore[method-assign]
    return out


def evidence_spans(moderator: ModerationEngine, rows: Sequence[dict]) -> list[list[tuple[int, int]]]:
    """The evidence spans (ORIGINAL text) of every reason for a flagged text category."""
    verdicts = moderator.verdicts([ModerationInput(text=r["text"], id=r["id"]) for r in rows])
    bands = moderator.default_policy.bands
    out = []
    for v in verdicts:
        spans = [
            (e.start, e.end)
            for r in v.reasons
            if r.category in TEXT_CATEGORIES and r.score >= bands[r.category].reject_above
            for e in r.evidence
        ]
        out.append(spans)
    return out


def load_rows(path: Path, lang: str | None) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if lang is None or r.get("lang") == lang]


def run(model: str | None, data: Path, lang: str | None, seed: int) -> dict:
    t0 = time.perf_counter()
    moderator = ModerationEngine.load(model, relevance="off")
    rows = load_rows(data, lang)
    texts = [r["text"] for r in rows]
    base = flags(moderator, texts, normalise=True)
    base_plain = flags(moderator, texts, normalise=False)

    clean = [i for i, r in enumerate(rows) if (r.get("labels") or {}).get("toxic") == 0]
    fp_norm = sum(1 for i in clean if base[i]) / max(1, len(clean))
    fp_plain = sum(1 for i in clean if base_plain[i]) / max(1, len(clean))

    flagged = [i for i, f in enumerate(base) if f]
    spans = evidence_spans(moderator, [rows[i] for i in flagged])
    attackable = [(i, s) for i, s in zip(flagged, spans) if s]
    families = {}
    for family in FAMILIES:
        attacked = [
            attack(rows[i]["text"], s, family, random.Random(f"{seed}:{family}:{rows[i]['id']}")) for i, s in attackable
        ]
        after = flags(moderator, attacked, normalise=True)
        after_plain = flags(moderator, attacked, normalise=False)
        families[family] = {
            "attacked": len(attacked),
            "asr": sum(1 for f in after if not f) / max(1, len(attacked)),
            "asr_without_normalisation": sum(1 for f in after_plain if not f) / max(1, len(attacked)),
            "example": attacked[0][:120] if attacked else "",
        }
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "model": moderator.model_version,
        "rows": len(rows),
        "flagged": len(flagged),
        "flagged_with_evidence": len(attackable),
        "clean": len(clean),
        "fp_rate_normalised": fp_norm,
        "fp_rate_casefold_only": fp_plain,
        "fp_rise": fp_norm - fp_plain,
        "families": families,
        "seconds": time.perf_counter() - t0,
    }


def print_table(res: dict) -> None:
    print(
        f"model {res['model']}  dev rows {res['rows']}  flagged {res['flagged']} "
        f"(with evidence: {res['flagged_with_evidence']})  {res['date']}"
    )
    print(f"{'family':<14} {'attacked':>8} {'ASR civility':>13} {'ASR casefold-only':>18}  target <= {TARGET_ASR:.0%}")
    for name, f in res["families"].items():
        ok = "ok" if f["asr"] <= TARGET_ASR else "MISSED"
        print(f"{name:<14} {f['attacked']:>8} {f['asr']:>13.1%} {f['asr_without_normalisation']:>18.1%}  {ok}")
    rise = res["fp_rise"]
    print(
        f"clean dev comments (toxic = 0): {res['clean']}; flagged with normalisation {res['fp_rate_normalised']:.2%}, "
        f"casefold only {res['fp_rate_casefold_only']:.2%}; rise {rise * 100:+.2f} points "
        f"({'ok' if rise <= TARGET_FP_RISE else 'MISSED'}, target <= {TARGET_FP_RISE * 100:.0f})"
    )
    print(f"({res['seconds']:.0f} s)")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--data", type=Path, default=DEV)
    ap.add_argument("--lang", default="en", help="only rows of this language ('' for all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    res = run(args.model, args.data, args.lang or None, args.seed)
    print_table(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
