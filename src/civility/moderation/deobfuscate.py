"""Token-level de-obfuscation: leetspeak (1d10t), masks (f*ck, s***), repeated letters
(stuuupid), separators inside one token (s*t*u*p*i*d) and run-together words (youareanidiot).
Works on one lower-cased token at a time; normalize.py runs it over a text and keeps offsets."""

from __future__ import annotations

import re
from itertools import product

from civility.moderation.confusables import EDGE_PUNCT, LEET, MASKS, WORD_SYMBOLS
from civility.moderation.wordlist import (
    ABUSE,
    ABUSE_BY_LENGTH,
    ABUSE_BY_START,
    ABUSE_SET,
    COMMON_BY_SHAPE,
    DICTIONARY,
    KEEP_WORDS,
    KNOWN,
    KNOWN_BY_SHAPE,
    RARE_BY_SHAPE,
    SHORT_TARGETS,
    segment,
    word_rank,
)

_RUN3 = re.compile(r"(.)\1\1+")
_DOUBLE = re.compile(r"([^\W\d_])\1")


def _collapse_repeats(word: str) -> tuple[str, list[int]]:
    """Collapse runs of 3+ identical characters to 2; return the kept indices."""
    keep: list[int] = []
    for k, ch in enumerate(word):
        if k >= 2 and ch == word[k - 1] == word[k - 2]:
            continue
        keep.append(k)
    return "".join(word[k] for k in keep), keep


def _canon_alpha(word: str) -> tuple[str, list[int]] | None:
    """Canonical form of an all-letter token: repeats collapsed (stuuupid -> stupid)."""
    if word in KEEP_WORDS:
        return None
    had_run = _RUN3.search(word) is not None and not (len(word) == 3 and word[0] == word[1] == word[2])
    if not had_run and (word in KNOWN or not _DOUBLE.search(word)):
        return None
    short, keep = _collapse_repeats(word) if had_run else (word, list(range(len(word))))
    if short in KNOWN and not had_run:
        return None
    # candidates: the run-collapsed word and every way of undoing its doubled letters
    doubles = [k for k in range(1, len(short)) if short[k] == short[k - 1] and short[k].isalpha()][:4]
    best: tuple[int, str, list[int]] | None = None
    for drop in product((False, True), repeat=len(doubles)):
        gone = {k for k, d in zip(doubles, drop) if d}
        cand = "".join(short[k] for k in range(len(short)) if k not in gone)
        if cand in ABUSE_SET:
            rank = -1
        elif had_run and cand in KNOWN:
            rank = word_rank(cand)  # soooo -> so, not soo; looooser -> loser
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, cand, [keep[k] for k in range(len(short)) if k not in gone])
    if best is not None:
        return best[1], best[2]
    return (short, keep) if had_run else None


def _masks_ok(core: str) -> bool:
    """Masks may stand for letters at a word's edge only as a run of 2+ (f***, **hole), so
    '*sigh', 'ha!' and 'bitch*' keep their punctuation; inside a word one is enough (f*ck).
    A word that starts with masks needs more letters than masks ('$$ed' is not 'died')."""
    lead = len(core) - len(core.lstrip(WORD_SYMBOLS))
    trail = len(core) - len(core.rstrip(WORD_SYMBOLS))
    if lead == 1 or trail == 1 or lead + trail >= len(core):
        return False
    letters = sum(ch.isalpha() for ch in core)
    return lead == 0 or letters > len(core) - letters


_MASK_RUN = re.compile("[" + re.escape("".join(sorted(MASKS))) + "]+|.", re.S)


def _mask_pattern(core: str, loose: bool) -> tuple[re.Pattern[str], list[tuple[int, int]]]:
    """A regex for what a masked core may spell: a run of r masks is r letters, or when loose
    r-1..r+1 (people rarely count: f___k is fuck); plus each segment's span in core."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _MASK_RUN.finditer(core):
        seg = m.group()
        if seg[0] in MASKS:
            r = len(seg)
            parts.append(f"([a-z]{{{r - 1},{r + 1}}})" if loose and r > 1 else f"([a-z]{{{r}}})")
        elif seg in LEET:
            parts.append("([" + seg + "".join(LEET[seg]) + "])")
        else:
            parts.append("(" + re.escape(seg) + ")")
        spans.append(m.span())
    return re.compile("".join(parts)), spans


def _match_lexicon(core: str, wildcards: bool, loose: bool = False) -> tuple[str, list[int]] | None:
    """The first abusive word the obfuscated core can spell (leet letters, or masks counted
    exactly, or loosely), with the index in core of each of its letters."""
    if not wildcards:
        first = core[0]
        if first.isalpha():
            candidates = ABUSE_BY_START.get((len(core), first), ())
        elif first in LEET:
            candidates = tuple(w for letter in LEET[first] for w in ABUSE_BY_START.get((len(core), letter), ()))
        else:
            candidates = ABUSE_BY_LENGTH.get(len(core), ())
        for word in candidates:
            for ch, want in zip(core, word):
                if ch != want and not (ch in LEET and want in LEET[ch]):
                    break
            else:
                return word, list(range(len(core)))
        return None
    if not _masks_ok(core):
        return None
    pattern, spans = _mask_pattern(core, loose)
    for word in ABUSE:  # in the list's order: f*** is fuck, r****t is racist
        m = pattern.fullmatch(word)
        if m is not None:
            return word, _keep_from_match(m, spans)
    return None


_NUMBERISH = re.compile(r"\d+(?:st|nd|rd|th|s|am|pm|km|kg|mm|cm|bn|mn|m|k|x|h|g)$")


def _known_word(core: str, loose: bool) -> tuple[str, list[int]] | None:
    """A known everyday word the disguised core spells (h4te -> hate, pol!t1c14n$ -> politicians,
    m*slims -> muslims): 4+ characters with a letter among them, not a number with a unit (90s)
    nor a code; 2-3 characters only for the hand-written common words (h1m -> him, h*r -> her)."""
    short = len(core) < 4
    if len(core) < 2 or not any(ch.isalpha() for ch in core):
        return None
    if not (len(core) == 2 and core[0] in "01357") and (_NUMBERISH.match(core) or _CODE.match(core)):
        return None  # (1s, 0f: a digit and a letter are read only as the short words below; 4m stays)
    if loose:
        return None if short else _known_masked(core, True)
    options = [(ch,) if ch.isalpha() else LEET.get(ch, ()) for ch in core]
    if all(options):
        for k, combo in enumerate(product(*options)):
            if k >= 32:
                break
            cand = "".join(combo)
            if cand in SHORT_TARGETS if short else (cand in KNOWN or len(cand) >= 5 and cand in DICTIONARY):
                return cand, list(range(len(core)))
    return _known_masked(core, False, COMMON_BY_SHAPE if short else KNOWN_BY_SHAPE)


def _known_masked(
    core: str, loose: bool, by_shape: dict[tuple[int, str], tuple[str, ...]] = KNOWN_BY_SHAPE
) -> tuple[str, list[int]] | None:
    if not _masks_ok(core):
        return None
    pattern, spans = _mask_pattern(core, loose)
    lengths = range(len(core) - len(spans), len(core) + len(spans) + 1) if loose else (len(core),)
    firsts = (
        (core[0],)
        if core[0].isalpha()
        else LEET.get(core[0], ())
        if core[0] not in MASKS
        else "abcdefghijklmnopqrstuvwxyz"
    )
    for n in lengths:
        for first in firsts:
            for word in by_shape.get((n, first), ()):
                m = pattern.fullmatch(word)
                if m is not None:
                    return word, _keep_from_match(m, spans)
    return None


def _keep_from_match(m: re.Match[str], spans: list[tuple[int, int]]) -> list[int]:
    keep: list[int] = []
    for g, (start, end) in enumerate(spans, 1):
        keep.extend(min(start + k, end - 1) for k in range(m.end(g) - m.start(g)))
    return keep


def lexicon_word(core: str) -> tuple[str, list[int]] | None:
    """The abusive word a disguised core spells, leetspeak first, then masks; or None."""
    if not core:
        return None
    return _match_lexicon(core, False) or _match_lexicon(core, True) or _match_lexicon(core, True, loose=True)


def _rare_masked(core: str) -> tuple[str, list[int]] | None:
    """A long word (6+) with exactly one letter masked that only a dictionary word fits, and
    only one does (cr*tinous, b*ffoonery); two candidates are a guess, so none is taken."""
    if len(core) < 6 or sum(ch in MASKS for ch in core) != 1 or not core[0].isalpha() or core[-1] in MASKS:
        return None
    pattern, spans = _mask_pattern(core, False)
    fits = [(w, m) for w in RARE_BY_SHAPE.get((len(core), core[0]), ()) if (m := pattern.fullmatch(w)) is not None]
    if len(fits) != 1:
        return None
    return fits[0][0], _keep_from_match(fits[0][1], spans)


def disguised_word(core: str) -> tuple[str, list[int]] | None:
    """The word a disguised core spells: abusive words before everyday ones, and masks counted
    exactly before loosely (h**e is hate before it is hoe); rare dictionary words last."""
    return (
        _match_lexicon(core, False)
        or _match_lexicon(core, True)
        or _known_word(core, False)
        or _match_lexicon(core, True, loose=True)
        or _known_word(core, True)
        or _rare_masked(core)
    )


# Inside a word without a dictionary match, only these are read as letters: "4" is as often
# "for" (vote4x), "@" a mention (n@url) and "!" a missing space (wow!great): those need the list.
_INSIDE = frozenset("0135$€¡")
_INSIDE_DIGITS = frozenset("0135")
_CODE = re.compile(r"[0-9a-f]+$|u[0-9a-f]{4}")  # hex, and \uXXXX escapes left in some sources


def _leet_inside(core: str) -> tuple[str, list[int]]:
    """Map leet characters that stand between letters, until nothing more changes."""
    for _ in range(4):
        mapped = _leet_inside_once(core)
        if mapped == core:
            break
        core = mapped
    return core, list(range(len(core)))


def _leet_inside_once(core: str) -> str:
    """Map leet characters that stand between letters (h4x0r -> haxor; $50 and mp3 stay)."""
    letters = [k for k, ch in enumerate(core) if ch.isalpha()]
    if len(letters) < 2:
        return core
    first, last = letters[0], letters[-1]
    n_digits = sum(ch.isdigit() for ch in core)
    # codes, hashes and escapes (h5n1, ud83d, u201c) are not words: leave their digits alone
    digits_ok = (
        n_digits * 2 <= len(letters)
        and all(ch in _INSIDE_DIGITS for ch in core if ch.isdigit())
        and not _CODE.match(core)
    )
    out = []
    for k, ch in enumerate(core):
        if first < k < last and ch in _INSIDE:
            if ch.isdigit():
                ch = LEET[ch][0] if digits_ok else ch
            elif core[k - 1].isalnum() and core[k + 1].isalpha():  # one symbol between letters
                ch = LEET[ch][0]
        out.append(ch)
    return "".join(out)


def _canon_core(core: str) -> tuple[str, list[int]] | None:
    """De-obfuscate one token with letters and digits / symbols in it."""
    found = disguised_word(core)
    if found is None and _RUN3.search(core):
        short, keep = _collapse_repeats(core)
        again = _match_lexicon(short, False)
        if again is not None:
            return again[0], [keep[k] for k in again[1]]
    if found is not None:
        return found
    alnum = [k for k, ch in enumerate(core) if ch.isalnum()]
    if len(alnum) < len(core):
        stripped = "".join(core[k] for k in alnum)
        found = _match_lexicon(stripped, False)
        if found is not None:
            return found[0], [alnum[k] for k in found[1]]
        spaced = (
            len(core) >= 5 and all(not ch.isalnum() for ch in core[1::2]) and all(ch.isalnum() for ch in core[0::2])
        )
        if spaced:  # s*t*u*p*i*d, one character between each letter
            mapped, _ = _leet_inside(stripped)
            again = _canon_alpha(mapped) if mapped.isalpha() else None
            return (again[0], [alnum[k] for k in again[1]]) if again else (mapped, alnum)
    mapped, keep = _leet_inside(core)
    if mapped == core:
        return None
    if mapped.isalpha():
        again = _canon_alpha(mapped)
    else:  # read again what the mapping made (a$s$ -> ass$ -> ass), so a second pass is a no-op
        again = _canon_core(mapped)
    return (again[0], [keep[k] for k in again[1]]) if again is not None else (mapped, keep)


def _symbols_only(tok: str) -> tuple[str, list[int]] | None:
    """A token of leet symbols and digits with no letter: "@" alone is "a", and 2-3 characters
    with a symbol among them may spell a short word (!5 -> is); numbers (15, 2024) stay."""
    if tok == "@":
        return "a", [0]
    if not 2 <= len(tok) <= 3 or tok.isdigit() or not all(ch in LEET for ch in tok):
        return None
    if tok[0] in "$€" and tok[1].isdigit():  # money: $0.25, €5
        return None
    for k, combo in enumerate(product(*(LEET[ch] for ch in tok))):
        if k >= 8:
            break
        if "".join(combo) in SHORT_TARGETS:
            return "".join(combo), list(range(len(tok)))
    return None


def _canon_token(tok: str) -> tuple[str, list[int]] | None:
    """Canonical form of a token and, for each of its characters, the index it came from."""
    if tok.isalpha():
        return _canon_alpha(tok)
    if not any(ch.isalpha() for ch in tok):
        return _symbols_only(tok)
    if tok[0] in "@#":  # a mention or a hashtag: only a whole disguised word is read (@ss, @n)
        return lexicon_word(tok) or (_known_word(tok, False) if len(tok) <= 3 and tok[0] == "@" else None)
    lo, hi = 0, len(tok)
    while lo < hi and tok[lo] in EDGE_PUNCT:
        lo += 1
    while hi > lo and tok[hi - 1] in EDGE_PUNCT:
        hi -= 1
    core = tok[lo:hi]
    if (lo and core not in KNOWN or not core.isalpha()) and lexicon_word(core) is None:
        # s*^#, !1l3ga1: the trimmed characters were masks or leet after all (a trailing "!"
        # alone is punctuation: "we!!" stays, it is not "well")
        whole = lexicon_word(tok) or (disguised_word(tok) if lo else None)
        if whole is not None:
            return whole
    if not core or not any(ch.isalpha() for ch in core):
        return None
    found = _canon_alpha(core) if core.isalpha() else _canon_core(core)
    if found is None:
        return None
    text, keep = found
    return tok[:lo] + text + tok[hi:], list(range(lo)) + [lo + k for k in keep] + list(range(hi, len(tok)))


# token -> (canonical text, source index of each of its characters) or None when unchanged.
# A memo of a pure function: comment vocabularies repeat, so most tokens are one dict lookup.
_FORMS: dict[str, tuple[str, tuple[int, ...]] | None] = {}
_FORMS_MAX = 50_000


def _canonical(tok: str) -> tuple[str, list[int]] | None:
    """_canon_token until nothing changes (s$$0 -> sooo -> so): a second pass must be a no-op."""
    text, keep, changed = tok, list(range(len(tok))), False
    for _ in range(4):
        found = _canon_token(text) if not text.isalpha() or _DOUBLE.search(text) else None
        if found is None or found[0] == text:
            break
        text, keep, changed = found[0], [keep[k] for k in found[1]], True
    return (text, keep) if changed else None


def _form(tok: str) -> tuple[str, tuple[int, ...]] | None:
    found = _canonical(tok)
    text, keep = found if found is not None else (tok, list(range(len(tok))))
    # a run-together core may carry punctuation at its ends ("freakingmoron!", "#youareanidiot")
    core = text.strip(EDGE_PUNCT)
    lo = len(text) - len(text.lstrip(EDGE_PUNCT))
    pieces = segment(core) if len(core) >= 5 and core.isalpha() else None
    if pieces is not None:
        spaced, src, pos = [text[:lo]], keep[:lo], lo
        for k, piece in enumerate(pieces):
            if k:
                spaced.append(" ")
                src.append(keep[pos])  # the space stands where the next word starts
            spaced.append(piece)
            src.extend(keep[pos : pos + len(piece)])
            pos += len(piece)
        spaced.append(text[pos:])
        src.extend(keep[pos:])
        return "".join(spaced), tuple(src)
    return None if found is None or text == tok else (text, tuple(keep))


def token_forms(tokens: list[str]) -> list[tuple[str, tuple[int, ...]] | None]:
    """The canonical form of each lower-cased token (None: leave it as it is).

    A form's text may hold spaces (a run-together token split into words); its index tuple
    gives, for each character, the index in the token it came from.
    """
    miss = _FORMS  # any object that is not a form works as the sentinel
    forms = [_FORMS.get(tok, miss) for tok in tokens]
    for i, form in enumerate(forms):
        if form is miss:
            found = _form(tokens[i])
            if len(_FORMS) < _FORMS_MAX:
                _FORMS[tokens[i]] = found
            forms[i] = found
    return forms  # type: ignore[return-value]
