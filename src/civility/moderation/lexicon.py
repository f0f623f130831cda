"""A small hand-written lexicon of abuse cues (profanity, slurs, insults, threats, promotion),
turned into a few dense features. It helps the model generalise to words it rarely saw in
training and gives evidence even for short comments. Input is already normalised (casefolded,
de-obfuscated), so entries are plain lower-case stems."""

from __future__ import annotations

from typing import Sequence

import numpy as np

# Prefix stems match any word that starts with them; exact words must match whole. A stem is
# only used where no common word starts with it ("rat" would catch "rate", "spic" "spice").
_PROFANITY_STEMS = (
    "fuck",
    "fuk",
    "fck",
    "shit",
    "bullshit",
    "bitch",
    "cunt",
    "pussy",
    "bastard",
    "motherf",
    "wank",
    "twat",
    "bollock",
    "arsehole",
    "asshole",
    "dumbass",
    "jackass",
    "douche",
    "slut",
    "whore",
    "porn",
    "blowjob",
    "dildo",
    "jizz",
    "crap",
    "damn",
    "goddam",
    "piss",
    "boob",
    "horny",
)
_PROFANITY_WORDS = frozenset(
    {
        "ass",
        "arse",
        "asses",
        "butt",
        "hell",
        "wtf",
        "stfu",
        "fu",
        "fuq",
        "ho",
        "hoe",
        "hoes",
        "cum",
        "tits",
        "titties",
        "balls",
        "suck",
        "sucks",
        "sucker",
        "effing",
        "frick",
        "lmfao",
        "dick",
        "dicks",
        "dickhead",
        "cock",
        "cocks",
        "cocksucker",
        "prick",
        "pricks",
        "screw",
        "screwed",
    }
)
_INSULT_STEMS = (
    "idiot",
    "moron",
    "stupid",
    "imbecil",
    "dumb",
    "retard",
    "loser",
    "clown",
    "pathetic",
    "scum",
    "worthless",
    "disgusting",
    "hypocrit",
    "dimwit",
    "nitwit",
    "halfwit",
    "cretin",
    "lunatic",
    "buffoon",
    "ugly",
    "coward",
    "creep",
    "brainless",
    "clueless",
    "jerk",
    "sleaze",
    "degenerate",
)
_INSULT_WORDS = frozenset(
    {
        "dolt",
        "dunce",
        "nut",
        "nutjob",
        "crook",
        "thug",
        "shill",
        "liar",
        "liars",
        "fool",
        "fools",
        "foolish",
        "rat",
        "rats",
        "pig",
        "pigs",
        "fat",
        "fatso",
        "snake",
        "troll",
        "trolls",
        "sheep",
        "sheeple",
        "trash",
        "garbage",
        "useless",
        "ignorant",
        "incompetent",
        "parasite",
        "parasites",
    }
)
_SLUR_RACE = (
    "nigg",
    "negro",
    "coon",
    "chink",
    "gook",
    "wetback",
    "kike",
    "jigaboo",
    "porch monkey",
    "sambo",
    "beaner",
    "towelhead",
    "raghead",
    "redskin",
)
_SLUR_RACE_WORDS = frozenset({"spic", "spics", "paki", "pakis", "nigga", "niggas"})
_SLUR_SEX = ("bitch", "slut", "whore", "skank", "feminazi", "cunt", "thot", "tranny", "shemale")
_SLUR_HOMO = ("fag", "dyke", "sodomit", "lesbo")
_SLUR_HOMO_WORDS = frozenset({"homo", "homos", "poof", "poofter"})
_SLUR_XENO = ("illegals", "wetback", "savages", "subhuman", "cockroach", "vermin")
_SLUR_RELIGION = ("muzzie", "moslem", "kike", "christcuck", "sandnigg", "goatf", "raghead")
_THREAT_VERBS = (
    "kill",
    "shoot",
    "hang",
    "stab",
    "murder",
    "behead",
    "lynch",
    "strangle",
    "choke",
    "burn",
    "rape",
    "beat",
    "punch",
    "slap",
    "bomb",
    "die",
    "dead",
    "hurt",
    "destroy",
    "gut",
)
_THREAT_LEADS = frozenset(
    {
        "will",
        "ll",
        "gonna",
        "going",
        "gon",
        "wanna",
        "should",
        "must",
        "deserve",
        "deserves",
        "hope",
        "let",
        "lets",
        "gotta",
        "could",
        "would",
        "shall",
    }
)
_THREAT_TARGETS = frozenset({"you", "u", "ya", "him", "her", "them", "yourself", "ur", "yo", "he", "she"})
# promotion: only what a news comment rarely says ("please", "video", "channel" alone are common)
_SPAM_STEMS = (
    "http",
    "www",
    "promo",
    "whatsapp",
    "giveaway",
    "paypal",
    "bitcoin",
    "telegram",
    "check out",
    "check my",
    "my channel",
    "subscribe to",
    "subscribe my",
    "visit my",
    "click here",
    "follow me",
    "my video",
    "my music",
    "my page",
    "my website",
    "make money",
    "earn money",
    "dm me",
    "sub to",
    "sub 4",
    "free money",
)
_SPAM_WORDS = frozenset({"com", "ly", "plz", "subscribe", "subscribers", "subs"})
_SECOND_PERSON = frozenset({"you", "your", "u", "ur", "youre", "yourself", "ya", "yall"})

COLUMN_NAMES = (
    "profanity",
    "insult",
    "slur_race",
    "slur_sex",
    "slur_homo",
    "slur_xeno",
    "slur_religion",
    "threat_phrase",
    "threat_at_you",
    "spam_cue",
    "second_person",
    "insult_at_you",
    "profanity_at_you",
    "length",
    "exclaim_words",
    "bias",
)


def _starts(word: str, stems: tuple[str, ...]) -> bool:
    return word.startswith(stems) if len(word) > 1 else False


# the one-word lists, in column order; a word's membership is computed once and cached
_WORD_LISTS: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (_PROFANITY_STEMS, _PROFANITY_WORDS),
    (_INSULT_STEMS, _INSULT_WORDS),
    (_SLUR_RACE, _SLUR_RACE_WORDS),
    (_SLUR_SEX, frozenset()),
    (_SLUR_HOMO, _SLUR_HOMO_WORDS),
    (_SLUR_XENO, frozenset()),
    (_SLUR_RELIGION, frozenset()),
    (_THREAT_VERBS, frozenset()),
    (_SPAM_STEMS, _SPAM_WORDS),
)
_THREAT_BIT = 7
_PHRASES = {col: [tuple(s.split()) for s in stems if " " in s] for col, (stems, _) in enumerate(_WORD_LISTS)}
_SINGLE = [tuple(s for s in stems if " " not in s) for stems, _ in _WORD_LISTS]
_FLAGS: dict[str, int] = {}


def _flags(word: str) -> int:
    f = _FLAGS.get(word)
    if f is None:
        f = 0
        for bit, (single, (_, exact)) in enumerate(zip(_SINGLE, _WORD_LISTS)):
            if word in exact or _starts(word, single):
                f |= 1 << bit
        if len(_FLAGS) > 200_000:
            _FLAGS.clear()
        _FLAGS[word] = f
    return f


def _threat_phrases(words: Sequence[str], flags: Sequence[int]) -> list[int]:
    """'<lead> ... <violent verb> ... <target>' within a short window, or 'kill yourself'."""
    out: list[int] = []
    for i, f in enumerate(flags):
        if not f >> _THREAT_BIT & 1:
            continue
        lead = [j for j in range(max(0, i - 4), i) if words[j] in _THREAT_LEADS]
        target = [j for j in range(i + 1, min(len(words), i + 4)) if words[j] in _THREAT_TARGETS]
        before_target = [j for j in range(max(0, i - 3), i) if words[j] in _THREAT_TARGETS]
        if (lead and (target or before_target)) or (target and words[target[0]] == "yourself"):
            out.extend([i, *target[:1]])
    if "kys" in words:
        out.append(words.index("kys"))
    return out


def lexicon_features(words: Sequence[str]) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Dense lexicon features (1, len(COLUMN_NAMES)) and, per column, the token indices that fired."""
    known = _FLAGS.get
    flags = [f if (f := known(w)) is not None else _flags(w) for w in words]
    lists: dict[int, list[int]] = {bit: [] for bit in range(len(_WORD_LISTS))}
    for i, f in enumerate(flags):
        if f:  # most words fire nothing: one pass, bits looked at only where one is set
            for bit in range(len(_WORD_LISTS)):
                if f >> bit & 1:
                    lists[bit].append(i)
    present = set(words)
    for col, phrases in _PHRASES.items():
        for phrase in phrases:
            if phrase[0] in present:
                n = len(phrase)
                for i in range(len(words) - n + 1):
                    if tuple(words[i : i + n]) == phrase:
                        lists[col].extend(range(i, i + n))
    hits: dict[int, list[int]] = {col: lists[col] for col in range(7)}
    hits[7] = _threat_phrases(words, flags) if lists[_THREAT_BIT] else []
    # violent verbs aimed at "you" only: news about strikes and killings must not look like threats
    hits[8] = [i for i in lists[_THREAT_BIT] if i + 1 < len(words) and words[i + 1] in _THREAT_TARGETS]
    hits[9] = lists[8]
    second = [i for i, w in enumerate(words) if w in _SECOND_PERSON]

    def near(idx: list[int]) -> list[int]:
        return [i for i in idx if any(abs(i - j) <= 3 for j in second)]

    hits[10] = second
    hits[11] = near(hits[1]) if second else []
    hits[12] = near(hits[0]) if second else []
    counts = [0.0] * len(COLUMN_NAMES)
    for col, idx in hits.items():
        if idx:
            counts[col] = len(set(idx))
    counts[13] = len(words)
    row = np.log1p(np.array([counts]))  # one ufunc call (log1p(0) = 0 for the columns that did not fire)
    row[0, 13] /= 5.0
    # length/bias carry no evidence: only cue columns are attributed to tokens
    evidence = {col: sorted(set(idx)) for col, idx in hits.items() if col != 10 and idx}
    return row, evidence
