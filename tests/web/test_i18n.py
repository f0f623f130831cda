"""Reader pages in the reader's language: gettext catalogs (Babel) for Sorani, Kurmanji, Arabic,
Persian and Turkish, chosen by the article's language or the embed's ``lang``; right-to-left
pages for Sorani, Arabic and Persian; field errors in the page's language with the typed text
kept; relative times with each language's plural rules. English pages are unchanged."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from civility.web.i18n import LOCALE_DIR, READER_LANGUAGES, PageLanguage, reader_language

TEMPLATES = Path(__file__).parents[2] / "src" / "civility" / "web" / "templates"
LANGS = [lang for lang in READER_LANGUAGES if lang != "en"]


def _messages(catalog):
    def key(v):
        return tuple(v) if isinstance(v, (list, tuple)) else v

    return {key(m.id): key(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_matches_its_source(lang):
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = _messages(read_po(po)), _messages(read_mo(mo))
    assert source == compiled, "run: pybabel compile -d src/civility/web/locale"
    assert all(all(v) if isinstance(v, tuple) else v for v in source.values()), "every message is translated"


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_message_is_in_every_catalog(lang):
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'_\("([^"]+)"\)', path.read_text(encoding="utf-8")))
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        known = {k for k in _messages(read_po(po)) if isinstance(k, str)}
    assert used and used <= known, used - known


def test_kurdish_catalogs_ask_for_native_review():
    for lang in ("ckb", "kmr"):
        text = (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        assert "needs review by a native" in text


def test_reader_language_choice():
    assert reader_language("ckb") == "ckb" and reader_language("ku") == "kmr" and reader_language("ar-IQ") == "ar"
    assert reader_language(None, "fa") == "fa" and reader_language("de", "tr") == "tr" and reader_language("xx") == "en"


def test_relative_times_use_plural_rules():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    assert PageLanguage("ar").relative(now - timedelta(hours=2), now) == "قبل ساعتين"
    assert PageLanguage("ar").relative(now - timedelta(hours=5), now) == "قبل 5 ساعات"
    assert PageLanguage("kmr").relative(now - timedelta(minutes=3), now) == "berî 3 deqîqeyan"
    assert PageLanguage("tr").relative(now - timedelta(days=1), now) == "1 gün önce"
    assert PageLanguage("en").relative(now - timedelta(hours=1), now) == "1 hour ago"
    assert PageLanguage("ckb").relative(now, now) == "ئێستا"


def _html_tag(html):
    return re.search(r"<html[^>]*>", html).group(0)


def test_sorani_article_page_is_right_to_left_and_in_sorani(client, make_article, make_comment, platform):
    article = make_article(
        title="گفتوگۆکانی ئاگربەست دەستیان پێکردەوە",
        body="دانوستانکاران گەڕانەوە.",
        lang="ckb",
        published_at=datetime.now(timezone.utc) - timedelta(hours=3),
    )
    html = client.get(f"/articles/{article.id}").text
    assert _html_tag(html) == '<html lang="ckb" dir="rtl">'
    assert "بەشداری گفتوگۆ بکە" in html and "یاساکانی کۆمەڵگە" in html and "ناردنی لێدوان" in html
    assert "3 کاتژمێر لەمەوبەر" in html
    assert "Join the discussion" not in html and "data-relative" not in html  # the script would rewrite it in English


def test_english_article_page_is_unchanged(client, article):
    html = client.get(f"/articles/{article.id}").text
    assert _html_tag(html) == '<html lang="en" dir="ltr">'
    assert "Join the discussion" in html and "Community rules" in html


def test_arabic_form_errors_are_arabic_and_keep_the_text(client, make_article, util):
    article = make_article(title="استئناف محادثات وقف إطلاق النار", body="عاد المفاوضون.", lang="ar")
    page = client.get(f"/articles/{article.id}").text
    typed = "شكراً على التغطية <b>الدقيقة</b>"
    answer = client.post(
        f"/articles/{article.id}/comments",
        data={
            "csrf_token": util.form_token(page),
            "idempotency_key": util.hidden_value(page, "idempotency_key"),
            "name": "",
            "email": "salma@example.net",
            "text": typed,
            "website": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 422
    html = answer.text
    assert _html_tag(html) == '<html lang="ar" dir="rtl">'
    assert "يرجى إدخال اسمك." in html and "لم يُرسل تعليقك بعد" in html
    assert typed in unescape(html) and "<b>الدقيقة</b>" not in html  # kept, and escaped


def test_embed_lang_chooses_the_language_and_survives_posting(client, article, util):
    frame = client.get("/embed/comments", params={"article": article.id, "lang": "tr"})
    assert frame.status_code == 200 and _html_tag(frame.text) == '<html lang="tr" dir="ltr">'
    assert "Tartışmaya katılın" in frame.text and "lang=tr" in frame.text  # the form posts back with it
    fa = client.get("/embed/comments", params={"article": article.id, "lang": "fa"}).text
    assert _html_tag(fa) == '<html lang="fa" dir="rtl">'
    assert client.get("/embed/comments", params={"article": article.id, "lang": "<x>"}).status_code == 422
    unknown = client.get("/embed/comments", params={"article": article.id, "lang": "de"}).text
    assert _html_tag(unknown) == '<html lang="en" dir="ltr">'  # a language without a catalog: the article's


def test_site_language_for_pages_without_an_article(make_app, client):
    _, platform, arabic = make_app(site_language="ar")
    home = arabic.get("/").text
    assert _html_tag(home) == '<html lang="ar" dir="rtl">' and "لا توجد مقالات بعد." in home
    rules = arabic.get("/rules").text
    assert _html_tag(rules) == '<html lang="ar" dir="rtl">' and "قواعد المجتمع" in rules and "الهجمات الشخصية" in rules
    english = client.get("/rules").text
    assert _html_tag(english) == '<html lang="en" dir="ltr">' and "Personal attacks" in english
    moderator_login = arabic.get("/moderate/login").text
    assert _html_tag(moderator_login) == '<html lang="en" dir="ltr">'  # the moderator pages stay English


def test_newsroom_reader_strings_are_translated(client, make_article, make_comment, platform):
    """Issue 11's reply, report and closed-discussion texts follow the page's language too."""
    article = make_article(title="گفتوگۆکانی ئاگربەست دەستیان پێکردەوە", body="دانوستانکاران گەڕانەوە.", lang="ckb")
    first = make_comment(article.id, name="Shirin", text="سوپاس بۆ ئەم هەواڵە گرنگە", state="approve")
    html = client.get(f"/articles/{article.id}").text
    assert ">وەڵام<" in html and ">ڕاپۆرت<" in html  # Reply, Report
    assert ">Reply<" not in html and ">Report<" not in html
    reply = client.get(f"/articles/{article.id}", params={"reply_to": first}).text
    assert "وەڵام بۆ" in reply and "ناردنی وەڵام" in reply and "Post reply" not in reply
    platform.close_comments(article.id)
    closed = client.get(f"/articles/{article.id}").text
    assert "لێدوانەکان داخراون" in closed and "Comments are closed" not in closed


def test_receipt_status_answers_in_the_pages_language(client, make_article, util):
    article = make_article(title="استئناف محادثات وقف إطلاق النار", body="عاد المفاوضون.", lang="ar")
    page = client.get(f"/articles/{article.id}").text
    answer = client.post(
        f"/articles/{article.id}/comments",
        data={
            "csrf_token": util.form_token(page),
            "idempotency_key": util.hidden_value(page, "idempotency_key"),
            "name": "سلمى",
            "email": "salma@example.net",
            "text": "شكرا على هذا الخبر المهم",
            "website": "",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    receipt = re.search(r"submitted=([\w.-]+)", answer.headers["location"]).group(1)
    held_ar = PageLanguage("ar").gettext(
        "Thank you. Your comment is held for review: a moderator reads it before it appears."
    )
    assert held_ar != "Thank you. Your comment is held for review: a moderator reads it before it appears."
    assert held_ar in client.get(answer.headers["location"]).text  # the page's notice
    arabic = client.get("/api/comments/status", params={"receipt": receipt, "lang": "ar"}).json()
    assert arabic == {"status": "pending", "message": held_ar}  # what the page's script shows
    english = client.get("/api/comments/status", params={"receipt": receipt}).json()
    assert english["message"].startswith("Thank you. Your comment is held")
