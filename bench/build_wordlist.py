"""Rebuild src/civility/moderation/data/words.txt: the everyday vocabulary of comments that the
normaliser uses to read disguised words back (h4te -> hate, m*slims -> muslims, aidiotand ->
a idiot and). Words only, no text: lower-case alphabetic words of 3-20 letters seen in at least
MIN_COMMENTS different training comments, most frequent first, from the sources whose licence
allows redistribution (ToxicSpans CC0, Davidson MIT, MLMA MIT, YouTube Spam CC BY 4.0).

    python bench/build_wordlist.py /work/shared/data/train.jsonl.gz
    python bench/build_wordlist.py --dictionary /usr/share/dict/american-english   # apt-get install wamerican
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import sys
from pathlib import Path

SOURCES = {"toxic_spans": "CC0-1.0", "davidson2017": "MIT", "mlma": "MIT", "youtube_spam": "CC-BY-4.0"}
MIN_COMMENTS = 5
OUT = Path(__file__).resolve().parents[1] / "src" / "civility" / "moderation" / "data" / "words.txt"


def build(train: Path) -> list[str]:
    seen: collections.Counter[str] = collections.Counter()
    with gzip.open(train, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("source") in SOURCES and row.get("lang", "en") == "en":
                seen.update(set(re.findall(r"[a-z]+", row["text"].lower())))
    words = [w for w, n in seen.items() if n >= MIN_COMMENTS and 3 <= len(w) <= 20]
    return sorted(words, key=lambda w: (-seen[w], w))


def build_dictionary(path: Path) -> int:
    """data/dictionary.txt from a SCOWL word list (Debian's wamerican: /usr/share/dict/american-english)."""
    words = sorted(
        {
            w
            for w in path.read_text(encoding="utf-8", errors="ignore").split()
            if re.fullmatch(r"[a-z]+", w) and len(w) >= 2
        }
    )
    header = (
        f"# {len(words)} lower-case words of SCOWL (Debian package wamerican 2020.12.07, size 50; proper "
        "nouns left out), used only to keep real words whole and to split run-together ones; copyright "
        "and permission notice in dictionary-COPYRIGHT.txt; rebuilt by bench/build_wordlist.py "
        "--dictionary /usr/share/dict/american-english\n"
    )
    OUT.with_name("dictionary.txt").write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    return len(words)


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--dictionary"]:
        print(f"{build_dictionary(Path(argv[2]))} words -> {OUT.with_name('dictionary.txt')}")
        return 0
    train = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/data/train.jsonl.gz")
    words = build(train)
    header = (
        f"# {len(words)} words seen in >= {MIN_COMMENTS} training comments, most frequent first; "
        f"sources: {', '.join(f'{s} ({lic})' for s, lic in SOURCES.items())}; "
        "rebuilt by bench/build_wordlist.py\n"
    )
    OUT.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
