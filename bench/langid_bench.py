"""Language identification accuracy per language (civility.moderation.language.identify).

The set: comments from the shared data files (English from dev.jsonl.gz, French and Arabic from its
MLMA rows, Turkish, Arabic and Persian from multilingual_dev.jsonl.gz; up to --per-source rows each,
the first ones in file order), the 240 civil comments written for the demo
(civility.demo_languages: 40 per publisher language), and the Kurdish sentences below (written for
this benchmark by a non-native author, in the standard Sorani Arabic-script and Kurmanji Hawar
Latin spellings; many are <= 5 words, like real short comments). Rows whose text has no letters
are skipped (no language to find). Accuracy is reported for all rows and for <= 5-word rows.

    python bench/langid_bench.py [--data-dir ../shared/data] [--per-source 500] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from civility.demo_languages import CIVIL_COMMENTS
from civility.moderation.language import identify, script_of

SORANI_EXTRA = (
    "زۆر باشە",
    "سوپاس",
    "ڕاستە",
    "نازانم",
    "بەڕاستی؟",
    "دەستت خۆش بێت",
    "ئەمە هەواڵێکی ناخۆشە",
    "کەی هەڵبژاردن دەکرێت؟",
    "نرخی نان زۆر گران بووە",
    "کارەبا هەموو ڕۆژێک دەبڕێت",
    "مووچەی فەرمانبەران سێ مانگە دواکەوتووە",
    "ڕێگای نێوان هەولێر و سلێمانی خراپە",
    "ئەم یاریزانە زۆر بەهرەمەندە",
    "بەفر لە شاخەکان باری",
    "قوتابخانەکان سبەی دادەخرێن",
    "پەرلەمان دەبێت یاسای نوێ دەربکات",
    "من لە دهۆکەوە دەنووسم",
    "هەواڵەکەتان بە پەلە بوو",
    "ئەو وێنانە زۆر دڵتەزێنن",
    "خوا ڕەحمیان پێ بکات",
    "با ئاشتی بێت",
    "دەنگی خەڵک گرنگە",
    "بۆچی ناوی شارەکەتان نەنووسی؟",
    "ئاوی خواردنەوە لە گوندەکەمان نییە",
    "ڕۆژنامەنووسان دەبێت پارێزراو بن",
    "ئەمڕۆ هەوا زۆر سارد بوو",
    "کوڕەکەم لە زانکۆ وەرگیرا",
    "باجی نوێ خەڵک ماندوو دەکات",
    "وەڵامی وەزارەت کوا؟",
    "چاوەڕێی بەشی دووەمی ڕاپۆرتەکەین",
)
KURMANJI_EXTRA = (
    "Pir baş e",
    "Spas",
    "Rast e",
    "Nizanim",
    "Bi rastî?",
    "Destê te xweş be",
    "Ev nûçeyek nexweş e",
    "Hilbijartin kengî ne?",
    "Bihayê nan pir giran bûye",
    "Elektrîk her roj qut dibe",
    "Mûçeyên karmendan sê meh in dereng mane",
    "Riya di navbera Amed û Wanê de xirab e",
    "Ev lîstikvan pir jêhatî ye",
    "Li çiyayan berf bariya",
    "Dibistan sibê tên girtin",
    "Divê parlemento qanûneke nû derxe",
    "Ez ji Qamişloyê dinivîsim",
    "Nûçeya we bilez bû",
    "Ew wêne pir dilşewat in",
    "Xwedê rehma xwe li wan bike",
    "Bila aştî hebe",
    "Dengê gel girîng e",
    "Çima navê bajêr nenivîsandin?",
    "Li gundê me ava vexwarinê tune",
    "Divê rojnamevan werin parastin",
    "Îro hewa pir sar bû",
    "Kurê min li zanîngehê hat qebûlkirin",
    "Baca nû xelkê diwestîne",
    "Bersiva wezaretê li ku ye?",
    "Em li benda beşa duyem a raporê ne",
)


def _rows(path: Path, lang: str | None, source: str | None, limit: int):
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if (lang and r.get("lang") != lang) or (source and r.get("source") != source):
                continue
            if script_of(r["text"]) == "Zyyy":
                continue
            yield r["text"]
            n += 1
            if n >= limit:
                return


def build_set(data_dir: Path, per_source: int) -> list[tuple[str, str, str]]:
    """(expected language, origin, text) rows."""
    out: list[tuple[str, str, str]] = []
    dev, multi = data_dir / "dev.jsonl.gz", data_dir / "multilingual_dev.jsonl.gz"
    for src in ("toxic_spans", "olid2019", "davidson2017", "ethos", "mlma"):
        out += [("en", f"dev:{src}", t) for t in _rows(dev, "en", src, per_source // 5)]
    out += [("fr", "dev:mlma", t) for t in _rows(dev, "fr", "mlma", per_source)]
    out += [("ar", "dev:mlma", t) for t in _rows(dev, "ar", "mlma", per_source)]
    for lang, src in (("tr", "offenseval2020_tr"), ("ar", "offenseval2020_ar"), ("fa", "parsoffensive")):
        out += [(lang, f"multilingual_dev:{src}", t) for t in _rows(multi, lang, src, per_source)]
    for lang, items in CIVIL_COMMENTS.items():
        out += [(lang, "demo_languages", t) for _, t in items]
    out += [("ckb", "bench:written", t) for t in SORANI_EXTRA]
    out += [("kmr", "bench:written", t) for t in KURMANJI_EXTRA]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--per-source", type=int, default=500)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", type=int, default=0, help="print this many misidentified rows per language")
    args = ap.parse_args(argv)
    rows = build_set(args.data_dir, args.per_source)
    identify("warm up")
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: dict[str, list[str]] = defaultdict(list)
    t0 = time.perf_counter()
    for lang, origin, text in rows:
        got = identify(text).lang
        short = len(text.split()) <= 5
        s = stats[lang]
        s["n"] += 1
        s["right"] += got == lang
        s["short_n"] += short
        s["short_right"] += short and got == lang
        confusion[lang][got] += 1
        if got != lang and len(errors[lang]) < args.errors:
            errors[lang].append(f"{got}\t{origin}\t{text[:100]}")
    elapsed = time.perf_counter() - t0
    report = {"rows": len(rows), "ms_per_comment": round(1000 * elapsed / max(1, len(rows)), 3), "languages": {}}
    print(f"{'lang':5s} {'rows':>5s} {'accuracy':>8s} {'<=5 words':>10s} {'acc <=5':>8s}  most frequent errors")
    for lang in sorted(stats):
        s = stats[lang]
        acc = s["right"] / s["n"]
        sacc = s["short_right"] / s["short_n"] if s["short_n"] else float("nan")
        wrong = sorted(((k, v) for k, v in confusion[lang].items() if k != lang), key=lambda kv: -kv[1])[:4]
        report["languages"][lang] = {
            "rows": s["n"],
            "accuracy": round(acc, 4),
            "short_rows": s["short_n"],
            "short_accuracy": round(sacc, 4),
            "confused_with": dict(wrong),
        }
        print(f"{lang:5s} {s['n']:5d} {acc:8.3f} {s['short_n']:10d} {sacc:8.3f}  {dict(wrong)}")
        for e in errors[lang]:
            print("    ", e)
    print(f"{len(rows)} comments, {report['ms_per_comment']} ms per comment")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
