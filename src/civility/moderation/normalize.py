"""Scoring text for a comment: undo obfuscation (leetspeak, repeats, separators, masks,
homoglyphs, invisible characters, run-together words), NFKC and casefold, and keep for every
character of the result the index of the ORIGINAL character it came from. Pure, no I/O.

Run-together words: ``normalize`` splits a token such as "youareanidiot" into "you are an idiot"
only when every piece is a known word and one is an abusive word (wordlist.segment); other
run-together text is left whole, and the classifier's character n-grams still see inside it.

Arabic script (Arabic, Persian, Kurdish): letter variants folded to one form (ی ى -> ي, ک -> ك,
ۀ ہ ھ -> ه), harakat and Quranic marks dropped, Eastern digits made ASCII, tatweel
dropped (an invisible), ZWNJ kept between letters (it is Persian and Kurdish spelling), and in
Sorani text heh + ZWNJ and word-final heh read as ە. Text without Arabic letters never takes this pass.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, cast

from civility.moderation.confusables import (
    ALWAYS,
    HOMOGLYPHS,
    INVISIBLE,
    JOINERS,
    MASKS,
    STRICT_HOMOGLYPHS,
    WORD_SYMBOLS,
    is_invisible,
    joins_letters,
)
from civility.moderation.deobfuscate import lexicon_word, token_forms
from civility.moderation.wordlist import ABUSE_SET, BROKEN_FRAGMENTS, KNOWN, SHORT_TARGETS, WORDS

__all__ = ["NORMALIZER_VERSION", "Normalized", "normalize"]

# Bump when a change alters what some text normalises to: a model records the version it was
# trained with, and loading it under another one warns that it should be retrained.
NORMALIZER_VERSION = 2


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str  # normalised text, used for scoring only
    offsets: tuple[int, ...]  # offsets[i] = index in `original` of text[i]; non-decreasing

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the end-exclusive span [start, end) of ``text`` to a span of ``original``.

        The result covers every original character the span was made from, including marks
        and invisible characters that were folded into its last character.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the normalised text of length {len(self.text)}")
        n = len(self.original)
        if start == end:
            pos = self.offsets[start] if start < len(self.offsets) else n
            return pos, pos
        first = self.offsets[start]
        last = self.offsets[end - 1] + 1
        limit = self.offsets[end] if end < len(self.offsets) else n
        # extend over combining marks / invisibles that belonged to the last character
        while last < limit and (unicodedata.combining(self.original[last]) or is_invisible(self.original[last])):
            last += 1
        return first, last


# --------------------------------------------------------------------------- edit plumbing

Edit = tuple[int, int, str, list[int]]  # replace t[start:end] by text; text[k] comes from t[src[k]]


def _apply(t: str, offs: list[int] | None, edits: list[Edit]) -> tuple[str, list[int] | None]:
    """Apply sorted, non-overlapping edits; compose the offsets back to the original."""
    if not edits:
        return t, offs
    parts: list[str] = []
    mapping: list[int] = []
    pos = 0
    for start, end, text, src in edits:
        parts.append(t[pos:start])
        mapping.extend(range(pos, start))
        parts.append(text)
        mapping.extend(src)
        pos = end
    parts.append(t[pos:])
    mapping.extend(range(pos, len(t)))
    new_offs = mapping if offs is None else [offs[i] for i in mapping]
    return "".join(parts), new_offs


# --------------------------------------------------------------------------- unicode pass

_MARK_CATS = frozenset({"Mn", "Me", "Mc"})


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or ("\u00c0" <= ch <= "\u024f" and ch.isalpha())


def _special_class() -> re.Pattern[str]:
    """Characters that need the slow, per-cluster path: marks, invisibles, decorations."""
    combining, category = unicodedata.combining, unicodedata.category
    chars = map(chr, [*range(0x00A0, 0x3400), *range(0xA000, 0xAC00), *range(0xE000, 0x10000)])
    special = set(ALWAYS) | INVISIBLE | {ch for ch in chars if combining(ch) or category(ch) == "Cf"}
    body = "".join(re.escape(ch) for ch in sorted(special) if ord(ch) < 0xD800 or ord(ch) > 0xDFFF)
    return re.compile("[" + body + "\U0001d165-\U0001d1ad\U000e0000-\U000e0fff]")


_SPECIAL = _special_class()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _unicode_pass(text: str) -> tuple[str, list[int]]:
    """NFKC per cluster, casefold, drop invisibles and stray marks on Latin letters.

    ASCII stretches are only lower-cased; a non-ASCII stretch takes the per-cluster path only
    when it has marks, invisibles or decorations, or is not NFKC-stable under casefolding.
    """
    parts: list[str] = []
    offs: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text):
        a, b = m.start(), m.end()
        if a > pos and unicodedata.combining(text[a]):
            a -= 1  # the ASCII letter before belongs to this cluster
        if a > pos:
            parts.append(text[pos:a].lower())
            offs.extend(range(pos, a))
        seg = text[a:b]
        folded = seg.casefold()
        if (
            len(folded) == len(seg)
            and not _SPECIAL.search(seg)
            and unicodedata.is_normalized("NFKC", seg)
            and unicodedata.is_normalized("NFKC", folded)
        ):
            parts.append(folded)
            offs.extend(range(a, b))
        else:
            prev = parts[-1][-1] if parts and parts[-1] else ""
            chars, seg_offs = _clusters(text, a, b, prev)
            parts.append(chars)
            offs.extend(seg_offs)
        pos = b
    if pos < len(text):
        parts.append(text[pos:].lower())
        offs.extend(range(pos, len(text)))
    return "".join(parts), offs


def _clusters(text: str, i: int, n: int, prev: str) -> tuple[str, list[int]]:
    """The per-cluster path over text[i:n]; ``prev`` is the character emitted before it."""
    chars: list[str] = []
    offs: list[int] = []
    while i < n:
        ch = text[i]
        if is_invisible(ch):
            if (
                ch in JOINERS
                and i > 0
                and joins_letters(text[i - 1])
                and i + 1 < len(text)
                and joins_letters(text[i + 1])
            ):
                chars.append(ch)
                offs.append(i)
            i += 1
            continue
        # a cluster: one base character and the combining marks that follow it
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = ALWAYS.get(ch, ch) + text[i + 1 : j] if j > i + 1 else ALWAYS.get(ch, ch)
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
        folded = "".join(out for out in folded if not is_invisible(out))  # NFKC can make one (U+FE71)
        orphan = bool(folded) and unicodedata.category(folded[0]) in _MARK_CATS  # its base was dropped
        last = chars[-1] if chars else prev
        base_latin = _is_latin_letter(last if orphan else folded[0]) if folded and (last or not orphan) else False
        for k, out in enumerate(folded):
            if (k or orphan) and base_latin and unicodedata.category(out) in _MARK_CATS:
                continue  # zalgo / decoration on a Latin letter: no precomposed form kept it
            chars.append(ALWAYS.get(out, out))
            offs.append(i)
        i = j
    return "".join(chars), offs


_WORDISH = re.compile(r"[\w" + re.escape(WORD_SYMBOLS) + r"]+")
_LOOKALIKE_SCRIPTS = re.compile("[\u0370-\u03ff\u0400-\u052f\u0531-\u058f]")


def _homoglyph_pass(t: str) -> str:
    """Map look-alike letters to Latin (same length, 1:1) in a word that also has Latin letters,
    digits or symbols (аss, іd10т), or whose letters are all look-alikes when the text has Latin
    letters and no Cyrillic / Greek / Armenian letter outside STRICT_HOMOGLYPHS (so a genuine
    Russian or Greek sentence, or a name like Путин, is never touched). Stable: a second pass
    changes nothing."""
    if not any(ch in HOMOGLYPHS for ch in t):
        return t
    foreign = any(ch not in STRICT_HOMOGLYPHS for ch in _LOOKALIKE_SCRIPTS.findall(t))
    # digits and leet symbols count as Latin: later passes may turn them into letters
    latin_context = not foreign and any(ch.isascii() and (ch.isalnum() or ch in WORD_SYMBOLS) for ch in t)
    out = list(t)
    for m in _WORDISH.finditer(t):
        word = m.group()
        if word.isascii():
            continue
        n_look = n_latinish = n_other = 0
        for ch in word:
            if ch in HOMOGLYPHS:
                n_look += 1
            elif ch.isascii() or _is_latin_letter(ch):
                n_latinish += 1
            elif ch.isalpha():
                n_other += 1
        if n_look and not n_other and (n_latinish or latin_context):
            for k, ch in enumerate(word, m.start()):
                out[k] = HOMOGLYPHS.get(ch, ch)
    return "".join(out)


# --------------------------------------------------------------------------- Arabic script

# One spelling for the letters that Arabic, Persian and Kurdish keyboards write differently, so
# that a word scores the same however it was typed (scoring text only; the stored text is never
# touched). Yeh and kaf take their Arabic forms (ي ك): the shipped model learnt Arabic from text
# written that way (Persian and Kurdish have no training data), and with the Persian forms its
# Arabic ROC-AUC fell by 0.03 (BENCHMARKS.md). Alef with hamza and teh marbuta are kept: they are
# spelling the model tells apart (folding them cost another 0.01).
ARABIC_LETTERS = {
    "\u06cc": "\u064a",  # ی Persian/Kurdish yeh -> ي
    "\u0649": "\u064a",  # ى alef maksura -> ي
    "\u06a9": "\u0643",  # ک keheh -> ك
    "\u06c0": "\u0647",  # ۀ heh with yeh above -> ه
    "\u06c1": "\u0647",
    "\u06be": "\u0647",  # ہ ھ (Urdu-keyboard heh) -> ه
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
}
# harakat, shadda, sukun, superscript alef, Quranic marks: optional in writing, vary by typist
ARABIC_MARKS = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE) if c != 0x06E5 and c != 0x06E6]
)
SORANI_HINT = frozenset("\u06d5\u06ce\u06c6\u0695\u06b5")  # ە ێ ۆ ڕ ڵ
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_SORANI_HEH_ZWNJ = re.compile("\u0647\u200c")


def _arabic_pass(t: str, offs: list[int] | None) -> tuple[str, list[int] | None]:
    """Letter variants to one form, optional marks dropped, Eastern digits to ASCII; in Sorani
    text heh + ZWNJ (how many keyboards type ە) and word-final heh become ە. ZWNJ inside Persian and Kurdish
    words is kept (the unicode pass kept it between letters)."""
    sorani = any(ch in SORANI_HINT for ch in t)
    edits: list[Edit] = []
    i, n = 0, len(t)
    while i < n:
        ch = t[i]
        if ch in ARABIC_MARKS:
            edits.append((i, i + 1, "", []))
        elif sorani and ch == "\u0647" and i + 1 < n and t[i + 1] == "\u200c":
            edits.append((i, i + 2, "\u06d5", [i]))
            i += 2
            continue
        elif sorani and ch == "\u0647" and i > 0 and t[i - 1].isalpha() and (i + 1 == n or not t[i + 1].isalpha()):
            edits.append((i, i + 1, "\u06d5", [i]))  # word-final heh is the vowel ە in Sorani
        elif ch in ARABIC_LETTERS:
            edits.append((i, i + 1, ARABIC_LETTERS[ch], [i]))
        i += 1
    return _apply(t, offs, edits)


# --------------------------------------------------------------------------- separators

_SEP = r"[ .\-_*/|,~:+!·•'\"]{1,3}"
_SINGLES = re.compile(r"\b(?<!['*@$#%^])[^\W_](?P<sep>" + _SEP + r")[^\W_](?:(?P=sep)[^\W_])*(?![^\W_]|[*@$#%^])")


def _single_letter_runs(t: str, spaces: bool, protected: list[tuple[int, int]]) -> list[Edit]:
    """s.t.u.p.i.d / s-t-u-p-i-d / s t u p i d: runs of 3+ single characters with one separator
    (or 2 that make a short word: i-s, o f). With spaces=False only separators that are not
    plain spaces, so "m.o.r.o.n" is joined before "e g o t i s t i c a l m.o.r.o.n" is looked at."""
    edits: list[Edit] = []
    pos = 0
    while (m := _SINGLES.search(t, pos)) is not None:
        pos = m.start() + 1  # a run passed over may hide a shorter one inside it ("a p-i-l-e")
        if m.group("sep").isspace() and not spaces or any(a <= m.start() < b for a, b in protected):
            continue
        step = len(m.group("sep")) + 1
        keep = list(range(m.start(), m.end(), step))
        joined = "".join(t[k] for k in keep)
        if m.group("sep") in MASKS and not _is_word(joined) and lexicon_word(m.group()) is not None:
            continue  # b*t*h: a masked word, not a spaced one; the token pass restores it
        if len(keep) == 2 and not _short_word_spelled(joined, m.group("sep")):
            continue
        if sum(ch.isalpha() for ch in joined) < min(3, len(keep)):
            continue
        start = m.start()
        if joined[0] in "aiu" and m.group("sep").isspace() and not _is_word(joined) and _is_word(joined[1:]):
            joined, keep, start = joined[1:], keep[1:], keep[1]  # "are a s t u p i d": the article stays
        edits.append((start, m.end(), joined, keep))
        pos = m.end()
    return edits


def _short_word_spelled(joined: str, sep: str) -> bool:
    """i-s, o f, i. s: two characters that spell a short word; not U.S., s/o, a's, "a t-shirt",
    nor i***t (a mask)."""
    if joined not in SHORT_TARGETS or joined == "us" or sep in {".", "/", ","} or "'" in sep or '"' in sep:
        return False
    if all(ch in MASKS for ch in sep):  # i***t is a masked word, not "it"
        return False
    loose_words = sep.isspace() or sep[0] == sep[-1] == " "  # "a t-shirt", "a * t": words apart
    return not (loose_words and (joined[0] in "aiu" or joined[1] in "aiu"))


def _is_word(s: str) -> bool:
    form = token_forms([s])[0]
    return (form[0] if form is not None else s) in KNOWN


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"[\w" + re.escape(WORD_SYMBOLS) + r"]+")
_GAP = re.compile(r"[ .\-_*/|,~:+·•]{1,3}")


def _token_pass(t: str, protected: list[tuple[int, int]]) -> list[Edit]:
    """De-obfuscate every token; join the fragments of a broken-up abusive word."""
    matches = list(_TOKEN.finditer(t))
    toks = [m.group() for m in matches]
    forms = token_forms(toks)
    texts = [tok if form is None else form[0] for tok, form in zip(toks, forms)]
    edits: list[Edit] = []
    claimed = -1  # tokens up to this index are already inside a join
    for i in [k for k, tok in enumerate(toks) if tok in BROKEN_FRAGMENTS]:
        if i <= claimed:
            continue
        joined = _join_around(t, matches, texts, i, claimed)
        if joined is not None:
            first, last = joined
            src = [k for j in range(first, last + 1) for k in _positions(matches[j], forms[j])]
            edits.append((matches[first].start(), matches[last].end(), "".join(texts[first : last + 1]), src))
            claimed = last
    joined_at = {e[0] for e in edits}
    in_join = [(e[0], e[1]) for e in edits]
    for i, form in enumerate(forms):
        if form is None:
            continue
        start, end = matches[i].span()
        if start in joined_at or any(a <= start < b for a, b in in_join) or any(a <= start < b for a, b in protected):
            continue
        edits.append((start, end, form[0], [start + k for k in form[1]]))
    edits.sort(key=lambda e: e[0])
    return edits


def _positions(match: re.Match[str], form: tuple[str, tuple[int, ...]] | None) -> Iterable[int]:
    """Positions in the text of a token's characters: through its de-obfuscated form's map, if any."""
    return (match.start() + x for x in form[1]) if form else range(*match.span())


def _join_around(
    t: str, matches: list[re.Match[str]], texts: list[str], i: int, claimed: int
) -> tuple[int, int] | None:
    """'fu ck', 'stu.pid', 'i di ot': the 2-3 tokens around fragment i that spell one abusive
    word, joined only when one fragment is not a word (so 'pen is' and 'dumb ass' stay)."""
    for first, last in ((i, i + 1), (i - 1, i), (i, i + 2), (i - 1, i + 1), (i - 2, i)):
        if first <= claimed or first < 0 or last >= len(texts):
            continue
        frags = texts[first : last + 1]
        if "".join(frags) not in ABUSE_SET or any(len(f) < 2 for f in frags):
            continue
        if all(f in WORDS for f in frags):
            continue
        if all(_GAP.fullmatch(t[matches[j].end() : matches[j + 1].start()]) for j in range(first, last)):
            return first, last
    return None


# --------------------------------------------------------------------------- entry point

_URL = re.compile(r"(?:https?://|www\.)\S+")
_ADDRESS_TAIL = re.compile(r"@[\w-]+\.[a-z]{2,}|\.(?:com|net|org|info|biz|io|co|ly|me|tv|shop|xyz|uk|de|fr|ru)\b")
_CHUNK_START = re.compile(r"\S*$")


def _protected(t: str) -> list[tuple[int, int]]:
    """Links, e-mail addresses and bare domains: kept as written (they are spam evidence)."""
    spans = [m.span() for m in _URL.finditer(t)]
    for m in _ADDRESS_TAIL.finditer(t):  # anchored on '@' / '.tld', then widened to the chunk
        chunk = cast(re.Match[str], _CHUNK_START.search(t, 0, m.start()))  # it matches the empty string too
        start = m.start() - len(chunk.group())
        end = t.find(" ", m.end())
        spans.append((start, len(t) if end < 0 else end))
    return spans


def normalize(text: str) -> Normalized:
    """The scoring text of ``text`` with its offsets into ``text`` (see module docstring)."""
    offs: list[int] | None
    if text.isascii():
        t, offs = text.lower(), None
    else:
        t, offs = _unicode_pass(text)
        t = _homoglyph_pass(t)
        if _ARABIC_SCRIPT.search(t):
            t, offs = _arabic_pass(t, offs)
    for _ in range(3):  # until a round changes nothing, so that normalising twice is a no-op
        before = t
        protected = _protected(t) if "." in t else []
        t, offs = _apply(t, offs, _single_letter_runs(t, False, protected))
        protected = _protected(t) if protected else []
        t, offs = _apply(t, offs, _single_letter_runs(t, True, protected))
        protected = _protected(t) if protected else []
        t, offs = _apply(t, offs, _token_pass(t, protected))
        if t == before:
            break
    return Normalized(text, t, tuple(range(len(t))) if offs is None else tuple(offs))
