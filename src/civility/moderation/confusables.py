"""Character tables the normaliser uses: look-alike letters (homoglyphs), leetspeak digits and
symbols, masking characters, and invisible characters. Data only; normalize.py applies them."""

from __future__ import annotations

import unicodedata

# Cyrillic, Greek and Armenian letters that look like a Latin letter. Applied only inside a word
# that is otherwise Latin (or in a Latin-dominated text where the whole word is look-alikes), so
# genuine Cyrillic / Greek words are never rewritten.
_CYRILLIC = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "һ": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "к": "k",
    "м": "m",
    "н": "h",
    "т": "t",
    "п": "n",
    "г": "r",
    "ь": "b",
    "ш": "w",
    "и": "u",
    "А": "a",
    "В": "b",
    "Е": "e",
    "Ё": "e",
    "К": "k",
    "М": "m",
    "Н": "h",
    "О": "o",
    "Р": "p",
    "С": "c",
    "Т": "t",
    "Х": "x",
    "У": "y",
    "Ѕ": "s",
    "І": "i",
    "Ї": "i",
    "Ј": "j",
    "Һ": "h",
    "Ԁ": "d",
    "Ԛ": "q",
    "Ԝ": "w",
    "Ь": "b",
    "Ш": "w",
    "П": "n",
}
_GREEK = {
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "η": "n",
    "μ": "u",
    "ω": "w",
    "ς": "s",
    "ϲ": "c",
    "ϳ": "j",
    "Α": "a",
    "Β": "b",
    "Ε": "e",
    "Ζ": "z",
    "Η": "h",
    "Ι": "i",
    "Κ": "k",
    "Μ": "m",
    "Ν": "n",
    "Ο": "o",
    "Ρ": "p",
    "Τ": "t",
    "Υ": "y",
    "Χ": "x",
    "Ϲ": "c",
}
_ARMENIAN = {"օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "զ": "q", "ա": "w"}

# Script-mixing look-alikes: only applied under the word rule above.
HOMOGLYPHS: dict[str, str] = {**_CYRILLIC, **_GREEK, **_ARMENIAN}
# The ones that pass for Latin in any font (lower case, as after casefolding): a word made only of
# these may be a disguise; a word with others (п, и, н, л...) is taken as genuine Cyrillic/Greek.
STRICT_HOMOGLYPHS = frozenset("аеорсухѕіјһԁԛԝтёїοαειρτυχօսհո")

# Latin-script decorations that no language of the publisher writes (small capitals, IPA
# look-alikes, regional-indicator and enclosed letters): always mapped.
ALWAYS: dict[str, str] = {
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ғ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "ɑ": "a",
    "ɩ": "i",
    "ʋ": "u",
    "ɡ": "g",
    "’": "'",
    "‘": "'",
    "ʼ": "'",
}


def _enclosed_letters() -> dict[str, str]:
    """Negative circled / squared letters (🅐, 🅰) and regional indicators (🇦) that NFKC keeps."""
    out: dict[str, str] = {}
    for code in list(range(0x1F130, 0x1F18A)) + list(range(0x1F1E6, 0x1F200)):
        name = unicodedata.name(chr(code), "")
        last = name.rsplit(" ", 1)[-1]
        if len(last) == 1 and "A" <= last <= "Z":
            out[chr(code)] = last.lower()
    return out


ALWAYS.update(_enclosed_letters())

# Leetspeak: what a digit or symbol stands for inside a word, most likely reading first.
LEET: dict[str, tuple[str, ...]] = {
    "0": ("o",),
    "1": ("i", "l"),
    "3": ("e",),
    "4": ("a",),
    "5": ("s",),
    "7": ("t",),
    "8": ("b",),
    "9": ("g",),
    "@": ("a",),
    "$": ("s",),
    "!": ("i", "l"),
    "|": ("l", "i"),
    "€": ("e",),
    "¡": ("i",),
}
# Characters people put in place of letters they do not want to write (f*ck, s#!t, f__k).
MASKS = frozenset("*#%^_@$!|€¡")
# Symbols that may stand inside a word token (letters and digits aside).
WORD_SYMBOLS = "@$!|*#%€¡^"
# Punctuation trimmed off the ends of a token before de-obfuscating it ("idiot!!!").
EDGE_PUNCT = "!|#%^_"

# Invisible characters removed from the scoring text. ZWJ / ZWNJ are kept between two letters of
# a script that uses them (Arabic, Persian, Kurdish, Indic...): there they change the spelling.
JOINERS = frozenset("\u200c\u200d")
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d\u200e"
    "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u2800\u3164\ufeff\uffa0\u0640"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)


def is_invisible(ch: str) -> bool:
    """Invisible for scoring: the table above, any other format (Cf) character, tags, selectors."""
    if ch in INVISIBLE:
        return True
    code = ord(ch)
    if 0xE0000 <= code <= 0xE007F or 0xE0100 <= code <= 0xE01EF:
        return True
    return unicodedata.category(ch) == "Cf"


def joins_letters(ch: str) -> bool:
    """True for a letter of a script where ZWJ/ZWNJ are part of correct spelling."""
    code = ord(ch)
    return ch.isalpha() and (
        0x0600 <= code <= 0x08FF  # Arabic, Syriac, Thaana, Arabic Extended (Persian, Kurdish)
        or 0x0900 <= code <= 0x0DFF  # Indic scripts
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF  # Arabic presentation forms
        or 0x10A0 <= code <= 0x10FF  # Georgian
    )
