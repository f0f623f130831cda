"""normalize(): each obfuscation family is undone, ordinary and non-Latin text survives, offsets
always map back into the original (property tests), and it is fast enough for the web path."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civility.moderation.normalize import Normalized, normalize


def words(text: str) -> list[str]:
    return normalize(text).text.split()


def assert_evidence_maps(text: str, word: str) -> None:
    """The normalised `word` maps back onto the whole disguised span of the original."""
    n = normalize(text)
    at = n.text.index(word)
    start, end = n.span_to_original(at, at + len(word))
    assert normalize(text[start:end]).text == word, (text, text[start:end])


# ---------------------------------------------------------------- families


@pytest.mark.parametrize(
    "text, want",
    [
        ("you 1d10t", "idiot"),
        ("what an @ss", "ass"),
        ("$h1t happens", "shit"),
        ("k1ll3r", "killer"),
        ("l0s3r", "loser"),
        ("b!tch", "bitch"),
        ("a$$hole", "asshole"),
        ("pu55y", "pussy"),
        ("ki11", "kill"),
    ],
)
def test_leetspeak_inside_words_is_read(text, want):
    assert want in words(text)
    assert_evidence_maps(text, want)


@pytest.mark.parametrize(
    "text, want",
    [
        ("pol!t1c14n$", "politicians"),
        ("r!9h7", "right"),
        ("h4te", "hate"),
        ("w0m3n", "women"),
        ("h1m", "him"),
        ("m*slims", "muslims"),
        ("h*r", "her"),
        ("!1l3ga1", "illegal"),
        ("@n", "an"),
        ("!5", "is"),
        ("@", "a"),
    ],
)
def test_everyday_words_are_read_back_too(text, want):
    assert words(text) == [want]


@pytest.mark.parametrize(
    "text",
    [
        "It cost $50 in 2024",
        "the 1st and 4th brigades",
        "F-16 and AK-47",
        "mp3 h5n1 covid19",
        "@user1 said 3 + 4 = 7",
        "vote4peace",
        "wow!great",
    ],
)
def test_numbers_codes_and_mentions_are_left_alone(text):
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(
    "text, want",
    [
        ("stuuuupid", "stupid"),
        ("fuuuuck", "fuck"),
        ("biiiitch", "bitch"),
        ("asssss", "ass"),
        ("stuupid", "stupid"),
        ("sooooo", "so"),
        ("looooser", "loser"),
        ("idiooooot", "idiot"),
    ],
)
def test_repeated_letters_collapse_to_the_word(text, want):
    assert words(text) == [want]


def test_repeats_of_unknown_words_collapse_to_two_and_real_doubles_stay():
    assert words("hmmmmm aaaargh") == ["hmm", "aargh"]
    assert words("good committee assess killers kkk") == ["good", "committee", "assess", "killers", "kkk"]


@pytest.mark.parametrize(
    "text",
    [
        "s.t.u.p.i.d",
        "s-t-u-p-i-d",
        "s t u p i d",
        "s_t_u_p_i_d",
        "s*t*u*p*i*d",
        "s. t. u. p. i. d",
        "stu.pid",
        "stu pid",
    ],
)
def test_separators_inside_a_word_are_removed(text):
    assert words(text) == ["stupid"]
    assert_evidence_maps(text, "stupid")


def test_mixed_separators_and_short_words_are_joined_word_by_word():
    assert normalize("t.h.i.s act i-s a p-i-l-e o f s_h_i_t").text == "this act is a pile of shit"
    assert normalize("an e g o t i s t i c a l m.o.r.o.n").text == "an egotistical moron"
    assert normalize("7h1$ ch!ld 1s a m0r0n").text == "this child is a moron"


def test_separated_letters_do_not_swallow_ordinary_words():
    assert words("a t-shirt for 1m people in the U.S. and U. S.") == [
        "a",
        "t-shirt",
        "for",
        "1m",
        "people",
        "in",
        "the",
        "u.s.",
        "and",
        "u.",
        "s.",
    ]
    assert words("it costs $1.4m, not 4m") == ["it", "costs", "$1.4m,", "not", "4m"]
    assert words("pen is mightier") == ["pen", "is", "mightier"]
    assert words("the U.S. hit back") == ["the", "u.s.", "hit", "back"]
    assert words("dumb ass") == ["dumb", "ass"]
    assert words("it's a 2 hour drive") == ["it's", "a", "2", "hour", "drive"]


@pytest.mark.parametrize(
    "text, want",
    [
        ("f*ck you", "fuck"),
        ("f**k off", "fuck"),
        ("sh!t", "shit"),
        ("a**hole", "asshole"),
        ("s***", "shit"),
        ("f***", "fuck"),
        ("i***t", "idiot"),
        ("b*tch", "bitch"),
        ("sh#t", "shit"),
        ("s*^#", "shit"),
        ("c*nt", "cunt"),
        ("n*gger", "nigger"),
    ],
)
def test_masked_words_are_restored(text, want):
    assert want in words(text)
    assert_evidence_maps(text, want)


@pytest.mark.parametrize("text", ["*sigh*", "ha!!!", "wait...what?!", "**important**", "go!!!", "5*3=15"])
def test_punctuation_is_not_read_as_a_mask(text):
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(
    "text, want",
    [
        ("іdіот", "idiot"),  # Cyrillic і, о, т
        ("ѕtupіd", "stupid"),
        ("mοrοn", "moron"),  # Greek omicron
        ("ｓｔｕｐｉｄ", "stupid"),  # fullwidth (NFKC)
        ("𝐬𝐭𝐮𝐩𝐢𝐝", "stupid"),  # mathematical bold (NFKC)
        ("ᴍᴏʀᴏɴ", "moron"),  # small capitals
        ("🅢🅣🅤🅟🅘🅓", "stupid"),  # negative circled letters
        ("s̸t̸u̸p̸i̸d̸", "stupid"),  # combining overlays
    ],
)
def test_look_alike_letters_become_latin(text, want):
    assert words(text) == [want]
    assert_evidence_maps(text, want)


def test_a_cyrillic_name_inside_english_text_is_kept():
    assert words("Путин is a tyrant") == ["путин", "is", "a", "tyrant"]
    assert words("ѕһіт you") == ["shit", "you"]  # every letter a convincing look-alike: a disguise


@pytest.mark.parametrize(
    "text",
    [
        "Путин сказал, что переговоры продолжатся",  # Russian
        "Η κυβέρνηση ανακοίνωσε νέα μέτρα",  # Greek
        "الحكومة أعلنت وقف إطلاق النار",  # Arabic
        "مي‌خواهم بدانم چرا",  # Persian (yeh in the form scored), with a ZWNJ that belongs in the word
        "Hükümet ateşkes ilan etti, ırkçılık kabul edilemez",  # Turkish (dotless ı)
        "Hikûmetê agirbest ragihand",  # Kurmanji
        "حكومەت ئاگربەستي ڕاگەياند",  # Sorani (kaf, yeh in the forms scored)
    ],
)
def test_non_latin_and_accented_scripts_are_kept(text):
    n = normalize(text)
    assert n.text == unicodedata.normalize("NFKC", text).casefold()


@pytest.mark.parametrize(
    "text",
    [
        "stu\u200bpid",
        "stu\u200dpid",
        "stu\u00adpid",
        "stu\u2060pid",
        "\ufeffstupid",
        "stu\u200epid",
        "s\u200bt\u200bu\u200bp\u200bi\u200bd",
    ],
)
def test_invisible_characters_are_dropped(text):
    assert words(text) == ["stupid"]


def test_joiners_stay_inside_arabic_script_words_only():
    assert "\u200c" in normalize("می\u200cخواهم").text
    assert "\u200c" not in normalize("id\u200ciot").text


@pytest.mark.parametrize(
    "text, want",
    [
        ("youareanidiot", "you are an idiot"),
        ("gofuckyourself", "go fuck yourself"),
        ("shutupstupid", "shutup stupid"),
        ("fuckyou", "fuck you"),
        ("aidiotand", "a idiot and"),
        ("amuslimsand", "a muslims and"),
        ("anegotisticalmoronwith", "an egotistical moron with"),
        ("thischildisamoron", "this child is a moron"),
        ("sostupidas", "so stupid as"),
        ("freakingmoron!", "freaking moron!"),
        ("#youareanidiot", "#you are an idiot"),
        ("afool", "a fool"),
        ("fixstupid", "fix stupid"),
        ("somestupidbs", "some stupid bs"),
        ("theidiotprohibes", "the idiot prohibes"),
    ],
)
def test_run_together_words_are_split_when_that_reveals_abuse(text, want):
    assert normalize(text).text == want


@pytest.mark.parametrize(
    "word",
    [
        "therapist",
        "assassination",
        "scummy",
        "hangout",
        "cockpit",
        "assume",
        "butterfly",
        "killin",
        "passage",
        "classmate",
        "empathetic",
        "creeping",
        "niggardly",
        "embarrasses",
        "compassion",
        "scrapbook",
        "arsenal",
        "banana!",
        "grammarian",
        "thisisaproblem",
        "asianamerican",
        "afoot",
        "amass",
        "ahead",
        "stupidest",
        "idiotically",
        "whitehall",
    ],
)
def test_real_words_that_contain_abuse_are_not_split(word):
    assert normalize(word).text == word


@pytest.mark.parametrize(
    "text, want",
    [
        ("cr*tinous boors", "cretinous boors"),
        ("their b*ffoonery", "their buffoonery"),
        ("a d*mwitted idea", "a dimwitted idea"),
    ],
)
def test_one_masked_letter_in_a_rare_long_word_is_read_from_the_dictionary(text, want):
    assert normalize(text).text == want


def test_a_split_token_with_edge_punctuation_points_back_at_its_letters():
    text = "Freakingmoron!!"
    n = normalize(text)
    assert n.text == "freaking moron!!"
    at = n.text.index("moron")
    assert text[slice(*n.span_to_original(at, at + 5))] == "moron"
    assert text[slice(*n.span_to_original(len(n.text) - 2, len(n.text)))] == "!!"


def test_nfkc_and_casefold():
    assert normalize("ＨＥＬＬＯ Straße ﬁne").text == "hello strasse fine"


def test_original_is_kept_and_offsets_point_at_it():
    text = "Y O U   are a  $h1t-head, f*ck  off!!"
    n = normalize(text)
    assert n.original == text
    assert len(n.offsets) == len(n.text)
    at = n.text.index("shit")
    assert n.span_to_original(at, at + 4) == (text.index("$h1t"), text.index("$h1t") + 4)


def test_span_to_original_rejects_spans_outside_the_text():
    n = normalize("abc")
    with pytest.raises(ValueError):
        n.span_to_original(2, 5)
    assert n.span_to_original(3, 3) == (3, 3)


# ---------------------------------------------------------------- properties

_ALPHABET = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Z", "Cf"])
_OBFUSCATED = st.text(alphabet=st.sampled_from(list("stupidfck1d0t3@$!*#. -_\u200bіоаѕ")), max_size=40)


def _check(n: Normalized) -> None:
    assert len(n.offsets) == len(n.text)
    assert all(0 <= o < len(n.original) for o in n.offsets)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:])), "offsets must not go backwards"
    for start in range(0, len(n.text) + 1, 3):
        for end in (start, min(len(n.text), start + 1), min(len(n.text), start + 5), len(n.text)):
            if end < start:
                continue
            a, b = n.span_to_original(start, end)
            assert 0 <= a <= b <= len(n.original)
            if end > start:
                assert a <= n.offsets[start] and n.offsets[end - 1] < b


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=120))
def test_any_unicode_never_crashes_and_offsets_are_valid(text):
    _check(normalize(text))


@settings(max_examples=300, deadline=None)
@given(_OBFUSCATED)
def test_obfuscation_alphabet_keeps_offsets_valid(text):
    _check(normalize(text))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(_OBFUSCATED, st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz .,!'?-")), max_size=80))
)
def test_normalising_twice_changes_nothing(text):
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_normalising_twice_changes_nothing_for_any_unicode(text):
    once = normalize(text).text
    assert normalize(once).text == once


# ---------------------------------------------------------------- speed

COMMENT = (
    "I've read the article twice and I still don't see why the ministry waited three weeks to "
    "announce the ceasefire terms. The strikes on the northern districts killed 40 civilians, "
    "according to the UN, and nobody has explained what the $2bn aid package will actually do. "
    "Good reporting, but please follow up with the Red Cross numbers!"
)


def test_a_300_character_comment_takes_under_0_2_ms():
    """CPU time (not wall time: the test machine is shared), best of 5 rounds of 200 comments."""
    assert 280 <= len(COMMENT) <= 340
    variants = [COMMENT.replace("article", f"article{k}") for k in range(200)]
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for text in variants:
            normalize(text)
        best = min(best, (time.process_time() - start) / len(variants))
    assert best < 0.2e-3, f"{best * 1e6:.0f} us per comment"


@pytest.mark.parametrize(
    "typed,scored",
    [
        ("حکومت اعلام کرد", "حكومت اعلام كرد"),  # Persian keheh -> kaf
        ("ممنون بابت این خبر", "ممنون بابت اين خبر"),  # Persian yeh -> Arabic yeh
        ("على مستوى", "علي مستوي"),  # alef maksura
        ("كتابـــــــ مُهِمٌّ", "كتاب مهم"),  # tatweel and harakat dropped
        ("ﻻ ﺷﻜﺮا", "لا شكرا"),  # presentation forms (NFKC)
        ("مدرسة ٣٤ ۲۰ أحمد", "مدرسة 34 20 أحمد"),  # Eastern digits; teh marbuta and hamza kept
        ("می‌خواهم", "مي\u200cخواهم"),  # ZWNJ kept inside the word
        ("خانه‌ها", "خانه\u200cها"),  # Persian heh + ZWNJ stays (not Sorani)
        ("سوپاس بۆ ئەم هه‌واڵه‌", "سوپاس بۆ ئەم هەواڵە"),  # Sorani heh + ZWNJ and word-final heh are ە
        ("ئەمە ھەواڵە", "ئەمە هەواڵە"),  # heh doachashmee
        ("زۆر باشه", "زۆر باشە"),
    ],
)
def test_arabic_script_variants_fold_to_one_form(typed, scored):
    n = normalize(typed)
    assert n.text == scored
    assert normalize(n.text).text == n.text  # stable
    assert n.span_to_original(0, len(n.text)) == (0, len(typed))  # evidence covers what was typed


def test_arabic_variants_score_alike_and_evidence_points_at_the_typed_word():
    a, b = normalize("انت كلب"), normalize("انت کلب")
    assert a.text == b.text
    start = a.text.index("كلب")
    assert a.span_to_original(start, start + 3) == (4, 7)


def test_text_without_arabic_letters_skips_the_arabic_pass():
    for text in ("Thanks for the report", "Hükümet ateşkes ilan etti", "naïve café ١"[:-2]):
        assert normalize(text).text == unicodedata.normalize("NFKC", text).casefold()
