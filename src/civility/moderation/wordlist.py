"""Word lists the normaliser needs to undo obfuscation: the abusive words people disguise (in the
order a masked form is read, most likely first), common English words, the everyday vocabulary
of comments (data/words.txt, built by bench/build_wordlist.py), and the splitter that separates
run-together words ("youareanidiot") when that reveals an abusive one."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

# Words people disguise. Order matters: "f**k" and "s***" resolve to the first word that fits.
ABUSE: tuple[str, ...] = tuple(
    """
fuck shit ass bitch cunt dick damn crap piss cock prick twat slut whore
fucking fucked fucker fuckers fucks motherfucker motherfucking fuckin fuckface fuckhead
shitty shits shithead shithole bullshit dipshit horseshit
asshole assholes arse arsehole dumbass jackass smartass badass asses
bitches bitching bitchy sonofabitch bastard bastards cunts dicks dickhead dickheads cocks
cocksucker pussy pussies wanker wankers tosser bollocks bugger douche douchebag
prick pricks twats sluts whores skank hoe hoes thot porn porno penis vagina boobs tits titties
blowjob dildo jizz cum horny
idiot idiots idiotic stupid stupidity moron morons moronic dumb dumber retard retards retarded
imbecile imbeciles cretin loser losers scum scumbag scumbags jerk jerks fool fools clown clowns
pathetic worthless useless ignorant disgusting ugly fatso lunatic nutjob dimwit nitwit halfwit
trash garbage pig pigs vermin parasite parasites subhuman savage savages animals cockroach
liar liars hypocrite hypocrites coward cowards traitor traitors creep creeps freak
bigot bigots bigoted fascist fascists nazi nazis racist racists sexist sexists commie commies
kill killing killed killer kills murder murdered murderer die dies died death rape raped rapist
rapists shoot shooting shot stab stabbed hang hanged lynch lynched behead beheaded burn bomb
strangle choke beat punch slap hurt destroy gas exterminate slaughter
nigger niggers nigga niggas negro coon coons chink chinks gook gooks spic spics wetback wetbacks
kike kikes paki pakis beaner beaners towelhead towelheads raghead ragheads sandnigger jap japs
faggot faggots fag fags dyke dykes tranny trannies homo homos queer lesbo poof
feminazi muzzie muzzies moslem islamist jihadi infidel illegals invader invaders
hell goddamn damned bloody screw sucks sucker suck wtf stfu gtfo lmao butt butthole
buffoon buffoons brainless clueless degenerate degenerates dunce dunces dolt dolts dummy dummies
shill shills troll trolls sheeple incompetent
""".split()
)
ABUSE_SET = frozenset(ABUSE)

# Common English words (and chat spellings) that run-together text is split into.
COMMON = frozenset(
    """
a i u ur r ya yo you your youre yours yourself yourselves he she it we they me him her us them
my his its our their mine theirs himself herself itself ourselves themselves this that these
those who whom whose what which when where why how all any both each few more most other some
such no nor not only own same so than too very can will just dont should now am is are was were
be been being have has had having do does did doing would could shall might must may an the and
but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here
there also get got go goes going gone went come came make made take took see saw know knew
think thought say said tell told give gave want need like love hate feel look looks looking
one two three four five six seven eight nine ten first last new old good bad big small great
little long high low right wrong real really still even ever never always well back way much
many lot lots every everyone everybody someone somebody anyone nobody nothing something
anything everything man men woman women people person guy guys girl girls boy boys kid kids
mother father mom mum dad son sons sister brother family wife husband friend friends
life world country state city home house school work job time day days year years week night
today tomorrow yesterday government president minister party vote voted election news paper
article writer author story comment comments reader police army war peace court judge law
should shut up go get out die eat sick full pile piece bunch sack total complete absolute hit put run
utter such fat old dirty filthy lazy crazy mad sad poor rich black white brown yellow red
head face brain brains mouth eye eyes hand hands lover loving lol omg pls please thanks
sorry yes yeah okay ok hey hi hello dear sir madam mr mrs ms dr son sick low life lives
bag bags hole holes wit wits less face faces hat land boat self kind type sort
are aint isnt wasnt cant wont didnt doesnt havent hasnt wouldnt couldnt shouldnt im ive id
youve youll youd hes shes theyre theyve weve whats thats theres heres lets
""".split()
)

VOCABULARY = COMMON | ABUSE_SET
# Short words a digit or a mask may stand in (1s -> is, h*r -> her); no chat forms (1m is not im).
SHORT_TARGETS = frozenset(w for w in COMMON if len(w) <= 3) - frozenset("im id ur ya yo u r i a ive hes".split())

# Short real words that could look like a fragment of a split abusive word ("pen is", "nut job"):
# two fragments are joined only when one of them is not a word at all ("fu ck", "stu pid").
SHORT_WORDS = frozenset(
    """
bean bit blow boo bug bull chin coo cow dam dim dip dips dis ex god goo ha half horn ill jack les
lose mot moth nit nut pa par pat path pen pi po poo pun pus puss rag rap re sa sand sub tit toss
tow use wan wet bat bet bid bin bog bun bus cab cap cod cop cot cub cud cue dab den dew dig din
doe dot dub dud dug eel egg elf elk elm emu fad fan fen fig fin fir fit fix fly foe fog fox fry
fun fur gag gap gel gem gin gum gun gut hag ham hem hen hid hip hit hog hop hot hub hue hug hum
hut ice ink ion ivy jab jam jar jaw jet jig jog jot joy jug keg key kin kit lab lad lag lap law
lay led leg lid lip lit log mat mob mop mud mug nab nag nap net nod oak oar oat odd ode oil ore
owl pad pal pan paw pay pea peg pet pie pin pit ply pod pop pot pry pub pug put ram ran rat raw
ray rib rid rig rim rip rob rod rot row rub rug rum run rut sac sag sap sat saw sew shy sin sip
ski sky sly sob sod sow soy spa spy sty sum tab tad tag tan tap tar tax tea tee tie tin tip toe
ton top toy tub tug urn van vat vet vow wad wag war wax web wed wig win woe wok won yak yam yap
yen yet yew zip zoo ass arm art ask ate awe axe bay bed bee beg bow box bud buy cub cup cut dry
due dye ear end era eve fee few fur gym hay hey hue inn ion jab lie mix nun oven pin rap shoe
""".split()
)
WORDS = VOCABULARY | SHORT_WORDS

# Abusive words that are also ordinary words inside longer ones ("hangout", "beatin"): never split out.
NO_SPLIT = frozenset(
    """
hang hanged beat burn shot gas hurt die dies died death choke slap punch bomb destroy screw suck hell
sucks damn damned bloody hoe hoes homo cum porn jap japs pig pigs gook spic coon poof
""".split()
)

# Real words that look like disguised abuse: never split ("the rapist", "ass ass in") nor
# read as stretched ("assess" is not "asses", "rapped" is not "raped").
KEEP_WORDS = frozenset(
    """
therapist therapists assassin assassins cockpit cockpits cocktail cocktails peacock shuttlecock
hancock hitchcock dickens dickinson scunthorpe penistone sussex essex middlesex analyst
classic passage hello shell shellfire hellfire butterfly button buttons document hotshot
mishit pushit overkill skilled skills grape drape scrape therapy assess assessment bassist
embassy ambassador harassment pigment pigsty cumulative document documents circumstance
assessed assesses assessing assessor assessors assessments rapped rapping rapper rappers slapped
arsenal dickson dickinson shitake shiitake cockburn babcock woodcock hellenic pissarro apathetic
apathetically psychotherapist psychotherapists physiotherapist physiotherapists dumbfounded
foolhardy
slapping killers shotts assassinate assassinated assassinating assassination assassinations
""".split()
)


def _word_file(name: str) -> tuple[str, ...]:
    lines = (Path(__file__).with_name("data") / name).read_text(encoding="utf-8").splitlines()
    return tuple(w for w in lines if w and w[0] != "#")


# Everyday words of comments, most frequent first; with the lists above, what counts as a word.
CORPUS_WORDS = _word_file("words.txt")
# An English dictionary (SCOWL): a real word is never split ("grandfathered", "classmate").
DICTIONARY = frozenset(_word_file("dictionary.txt"))
KNOWN = WORDS | frozenset(CORPUS_WORDS)
_RANK = {w: k for k, w in enumerate(CORPUS_WORDS)}


def word_rank(word: str) -> int:
    """How common a word is: its position in the corpus list (hand-written words not in it
    count as fairly common)."""
    return _RANK.get(word, 2000 if word in VOCABULARY else len(_RANK))


def _by_shape(words: Iterable[str]) -> dict[tuple[int, str], tuple[str, ...]]:
    out: dict[tuple[int, str], list[str]] = {}
    for w in words:
        if w.isalpha():
            out.setdefault((len(w), w[0]), []).append(w)
    return {k: tuple(v) for k, v in out.items()}


# Known words by (length, first letter), most frequent first: what a masked word may be.
KNOWN_BY_SHAPE = _by_shape(sorted(KNOWN, key=lambda w: (_RANK.get(w, len(_RANK)), w)))
COMMON_BY_SHAPE = _by_shape(sorted(SHORT_TARGETS, key=lambda w: (_RANK.get(w, len(_RANK)), w)))
# Dictionary words not in KNOWN, by shape: the last resort for a long word with one letter masked.
RARE_BY_SHAPE = _by_shape(sorted(DICTIONARY - KNOWN))

# Group names that identity abuse targets: split out of run-together text like abusive words.
IDENTITY = tuple(
    """
muslim muslims jews jewish women woman immigrant immigrants migrants refugees blacks gays
lesbians arabs kurds turks mexicans africans asians christians hindus islam islamic females
""".split()
)

# Abusive words (and group names) worth splitting out of a run-together token.
_SPLITTABLE = sorted({w for w in ABUSE + IDENTITY if len(w) >= 3 and w not in NO_SPLIT}, key=len, reverse=True)
ABUSE_INSIDE = re.compile("|".join(_SPLITTABLE))
_SPLITTABLE_SET = frozenset(_SPLITTABLE)
# What a run-together token may be split into: the hand-written words, and the corpus and
# dictionary words of 4+ letters (shorter ones are too often fragments: ion, per, ted).
_FRAGMENT_LIKE = frozenset(
    """
ive ur id im r u ya yo ms mr dr mrs hes shes lets ill wed ally ting bing ling ning tier ness ment
tion ings ated ized ize ise ably ical ious
""".split()
)
SPLIT_PIECES = (
    VOCABULARY | frozenset(IDENTITY) | frozenset(w for w in CORPUS_WORDS + tuple(DICTIONARY) if len(w) >= 4)
) - _FRAGMENT_LIKE
_SINGLE_LETTER_WORDS = frozenset("aiu")
_AFTER_APOSTROPHE = frozenset("s t re ll ve d m".split())
_FIRST_LETTER_PIECES = _SINGLE_LETTER_WORDS | _AFTER_APOSTROPHE
_EVERYDAY = (COMMON | frozenset(w for w in CORPUS_WORDS if len(w) >= 4)) - _FRAGMENT_LIKE


def _fragments() -> frozenset[str]:
    """Pieces of 2-3 letters that are not words and that an abusive word splits into, in two
    or three parts ("fu ck", "stu pid", "i di ot"): the cue that a word was broken up."""
    out: set[str] = set()
    for w in ABUSE:
        n = len(w)
        for i in range(2, n - 1):
            for parts in [(w[:i], w[i:])] + [(w[:i], w[i:j], w[j:]) for j in range(i + 2, n - 1)]:
                out.update(p for p in parts if len(p) <= 3 and p not in WORDS)
    return frozenset(out)


BROKEN_FRAGMENTS = _fragments()


def _by_length() -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for word in ABUSE:
        out.setdefault(len(word), []).append(word)
    return {n: tuple(ws) for n, ws in out.items()}


ABUSE_BY_LENGTH = _by_length()
ABUSE_BY_START = {
    (n, letter): tuple(w for w in words if w[0] == letter)
    for n, words in ABUSE_BY_LENGTH.items()
    for letter in {w[0] for w in words}
}
_MAX_PIECE = 20


@lru_cache(maxsize=4096)
def segment(word: str) -> tuple[str, ...] | None:
    """Split a run-together lower-case word into words, or None.

    Only a word that is neither known nor in the dictionary can be split. Every piece must be in
    SPLIT_PIECES; a one-letter piece only "a", "i" or "u" at the start or "a" before an abusive
    piece ("thischildisamoron"), and a first piece may be
    what follows an apostrophe ("sretarded" from "she'sretarded"). The split with
    the fewest pieces wins (ties: the longest abusive piece, then the commoner words). It is
    returned when it has an abusive piece (with two pieces, the last of 3+ letters: "scummy" is
    not "scum my"), or it is a clear run-together phrase: three or more everyday words of 3.5+
    letters on average ("iwillburnyourhousedown"; "backdoor" is a compound, left whole); and
    when at most half its pieces have 1-2 letters (any number, around an abusive piece of 5+
    letters: "sostupidas"). Otherwise _split_out may still cut an abusive
    word out. Words on KEEP_WORDS are never split.
    """
    n = len(word)
    if n < 5 or word in KNOWN or word in KEEP_WORDS or word in DICTIONARY:
        return None
    if n == 5:  # "afool", "aliar": only an article glued to an abusive word is split this short
        return ("a", word[1:]) if word[0] == "a" and word[1:] in ABUSE_SET else None
    # best[i] = (pieces, -longest abusive piece, rarity, split) for word[:i]
    best: list[tuple[int, int, int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, 0, ())
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_PIECE), end):
            prev = best[start]
            if prev is None:
                continue
            piece = word[start:end]
            if not (piece in SPLIT_PIECES or start == 0 and piece in _AFTER_APOSTROPHE):
                continue
            if len(piece) == 1 and (start or piece not in _FIRST_LETTER_PIECES) and not (piece == "a" and end < n):
                continue
            if start > 1 and prev[3][-1] == "a" and piece not in _SPLITTABLE_SET:
                continue  # "a" inside a run only before an abusive word: "thischildisamoron"
            longest = max(-prev[1], len(piece) if piece in _SPLITTABLE_SET else 0)
            cand = (prev[0] + 1, -longest, prev[2] + word_rank(piece), prev[3] + (piece,))
            current = best[end]
            if current is None or cand[:3] < current[:3]:
                best[end] = cand
    found = best[n]
    if found is None or found[0] < 2 or found[0] == 2 and len(found[3][-1]) < 3:
        return _split_out(word)
    pieces = found[3]
    if found[1] == 0 and not _everyday_phrase(pieces, n):
        return _split_out(word)  # ("gaslighting", "reformist" stay whole)
    if len(pieces[0]) == 1 and found[0] < 3 and found[1] > -5:  # "amoron", but "apathetic"
        return None
    if 2 * sum(len(p) <= 2 for p in pieces) > found[0] and found[1] > -5:  # "ass as in at ions": fragments
        return None  # (but "sostupidas": short words around an abusive word of 5+ letters)
    return pieces


def _everyday_phrase(pieces: tuple[str, ...], n: int) -> bool:
    if not all(p in _EVERYDAY for p in pieces) or n < 8:
        return False
    return len(pieces) >= 3 and n >= 3.5 * len(pieces)  # two pieces are too often a compound


def _split_out(word: str) -> tuple[str, ...] | None:
    """Fallback when not every piece is known: cut out the first abusive word when what follows
    it is a known word of 3+ letters (or nothing) and what precedes it is a known word of 2+
    letters, nothing, or 5+ letters before a known word ("anegotisticalmoronwith" ->
    "anegotistical moron with")."""
    m = ABUSE_INSIDE.search(word)
    if m is None:
        return None
    before, found, after = word[: m.start()], m.group(), word[m.end() :]
    # an abusive word of 5+ letters is cut out between any two letters or more ("fixstupid",
    # "theidiotprohibes", "somestupidbs"): no everyday word hides one in an unknown token
    strong = len(found) >= 5 and found in ABUSE_SET
    if after and (len(after) < 3 or after not in SPLIT_PIECES) and not (strong and len(after) >= 2):
        return None  # "creeping", "shootin": a suffix
    if (
        before
        and (len(before) < 2 or before not in SPLIT_PIECES)
        and not (len(before) >= 5 and after)
        and not (strong and len(before) >= 2)
    ):
        return None  # "empathetic", "embarrasses", "classmate"
    return tuple(p for p in (before, found, after) if p)
