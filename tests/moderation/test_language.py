"""Language and script identification: the publisher's six languages, short comments, the
Sorani/Kurmanji/Arabic/Persian rules, no letters, and that the model is read from the wheel."""

from __future__ import annotations

import pytest

from civility.demo_languages import CIVIL_COMMENTS
from civility.moderation.language import identify, language_name, model_path, script_of, valid_code


@pytest.mark.parametrize(
    "text,lang,script",
    [
        ("سوپاس بۆ ئەم هەواڵە گرنگە", "ckb", "Arab"),
        ("ئەمە زۆر باشە", "ckb", "Arab"),  # three words: the model alone answers Uyghur
        ("سوپاس", "ckb", "Arab"),
        ("Spas ji bo vê nûçeyê", "kmr", "Latn"),
        ("Raporek hevseng û zelal bû", "kmr", "Latn"),
        ("شكرا على هذا الخبر المهم", "ar", "Arab"),
        ("هذا جيد جدا", "ar", "Arab"),
        ("ممنون بابت این خبر مهم", "fa", "Arab"),
        ("اوف بر شما", "fa", "Arab"),  # Persian typed without Persian letters: its words decide
        ("Bu önemli haber için teşekkürler", "tr", "Latn"),
        ("REİS NOKTALADI KONUYU HELAL OLSUN", "tr", "Latn"),
        ("Thanks for this important news", "en", "Latn"),
    ],
)
def test_publisher_languages(text, lang, script):
    got = identify(text)
    assert (got.lang, got.script) == (lang, script), got


def test_sorani_rule_is_named_and_rtl():
    got = identify("ئەمە زۆر باشە")
    assert got.rule and "Sorani" in got.rule
    assert got.rtl and not identify("Spas ji bo vê nûçeyê").rtl


def test_no_letters_is_undetermined():
    for text in ("👍👍", "12345 !!!", "https://example.org/a"):
        got = identify(text)
        assert got.lang == "und" and got.confidence == 0.0, (text, got)


def test_hint_decides_a_close_call_only():
    assert identify("ok", hint="tr").lang in ("tr", "en", "und")
    # a clear Arabic comment stays Arabic whatever the article's language
    assert identify("شكرا على هذا الخبر المهم", hint="tr").lang == "ar"


def test_demo_civil_comments_are_identified():
    wrong = [
        (lang, text, identify(text).lang)
        for lang, items in CIVIL_COMMENTS.items()
        for _, text in items
        if identify(text).lang != lang
    ]
    total = sum(len(v) for v in CIVIL_COMMENTS.values())
    assert len(wrong) <= total * 0.03, wrong  # 240 comments; the bench reports per language


def test_script_of():
    assert script_of("Привет мир") == "Cyrl"
    assert script_of("hello سلام سلام") == "Arab"
    assert script_of("...") == "Zyyy"


def test_model_ships_in_the_wheel_and_names():
    assert model_path().is_file()
    assert language_name("ckb") == "Sorani" and language_name(None) == "not identified" and language_name("xx") == "xx"
    assert valid_code("kmr") and not valid_code("en-US") and not valid_code("<b>")
