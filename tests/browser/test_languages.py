"""Reader pages in Sorani and Arabic in Debian's chromium: right-to-left layout at desktop and
phone width, the mirrored form and rules box, an Arabic form error that keeps the text, and the
embed's ``lang``. Screenshots go to artifacts/screenshots/ (the copies in docs/screenshots/ were
taken by this test: copy them over after a layout change)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from civility.workflow.types import ArticleIn

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}

ARTICLES = {
    "ckb": (
        "گفتوگۆکانی ئاگربەست دەستیان پێکردەوە و کاروانەکانی یارمەتی لە سنوور چاوەڕێن",
        "دانوستانکاران دوای پشوویەکی یەک هەفتەیی ڕۆژی سێشەممە گەڕانەوە بۆ سەر مێزی گفتوگۆ.\n\n"
        "لە خاڵی سنووری سەرەکی، زیاتر لە 120 بارهەڵگر چاوەڕێی پشکنین بوون.",
        ("Karwan", "سوپاس بۆ ئەم هەواڵە گرنگە"),
    ),
    "ar": (
        "استئناف محادثات وقف إطلاق النار فيما تنتظر قوافل المساعدات عند المعبر",
        "عاد المفاوضون إلى طاولة المحادثات يوم الثلاثاء بعد توقف دام أسبوعاً.\n\n"
        "وعند المعبر الحدودي الرئيسي، كانت أكثر من 120 شاحنة تنتظر التفتيش.",
        ("سلمى", "نأمل أن تنجح المفاوضات هذه المرة. شكراً على التغطية الدقيقة."),
    ),
}


def _article(platform, lang):
    title, body, (name, text) = ARTICLES[lang]
    article = platform.add_article(
        ArticleIn(
            id=f"{lang}-{uuid.uuid4().hex[:6]}",
            title=title,
            body=body,
            lang=lang,
            source="civility demo desk",
            published_at=datetime.now(timezone.utc) - timedelta(hours=2),
        )
    )
    comment = platform.submit_comment(article.id, name, f"{uuid.uuid4().hex[:6]}@example.org", text, ip=None)
    platform.decide(comment.comment_id, "approve", actor="moderator:t")
    return article


@pytest.mark.parametrize("lang", ["ckb", "ar"])
def test_article_page_right_to_left_at_desktop_and_phone(live, new_page, screenshots, lang):
    base, platform = live
    article = _article(platform, lang)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport)
        page.goto(f"{base}/articles/{article.id}")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("document.documentElement.lang") == lang
        form = page.locator("form.comment-form")
        assert form.evaluate("el => getComputedStyle(el).direction") == "rtl"
        # mirrored: the form's heading starts at the right edge of the form
        heading = page.locator("#form-heading").bounding_box()
        box = form.bounding_box()
        assert box["x"] + box["width"] - (heading["x"] + heading["width"]) < box["width"] / 3
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # the email box and numbers stay readable left to right
        assert page.locator("#f-email").evaluate("el => getComputedStyle(el).direction") == "ltr"
        page.screenshot(path=str(screenshots / f"article-{lang}-{name}.png"), full_page=True)


def test_arabic_form_error_is_arabic_and_keeps_the_text(live, new_page):
    base, platform = live
    article = _article(platform, "ar")
    page = new_page(viewport=PHONE)
    page.goto(f"{base}/articles/{article.id}")
    typed = "تعليقي الأول\nوالسطر الثاني مع «اقتباس» و<أقواس>."
    page.locator("#f-name").fill("عمر")
    page.locator("#f-text").fill(typed)
    page.locator("form.comment-form button[type=submit]").click()
    error = page.locator("#f-email-error")
    error.wait_for()
    assert error.inner_text() == "يرجى إدخال بريدك الإلكتروني (لا يُعرض أبداً)."
    assert page.locator("#f-text").input_value() == typed
    assert page.locator("#f-name").input_value() == "عمر"
    assert page.evaluate("document.documentElement.dir") == "rtl"


def test_embed_lang_sets_language_and_direction(live, new_page):
    base, platform = live
    article = _article(platform, "ar")
    page = new_page()
    page.goto(f"{base}/embed/comments?article={article.id}&lang=ckb")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ckb", "rtl"]
    assert page.locator("#form-heading").inner_text() == "بەشداری گفتوگۆ بکە"
    page.goto(f"{base}/embed/comments?article={article.id}&lang=tr")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["tr", "ltr"]
