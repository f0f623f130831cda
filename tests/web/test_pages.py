"""Reader pages over HTTP: the article page's parts, the form's outcomes (held, field errors
with everything kept, CSRF, foreign origin, honeypot, 429 keeping the text), escaping and
right-to-left text, keyset paging of comments, and friendly error pages."""

from __future__ import annotations

import re
from html import unescape


def _form(client, util, article_id, **fields):
    page = client.get(f"/articles/{article_id}")
    data = {
        "csrf_token": util.form_token(page.text),
        "idempotency_key": util.hidden_value(page.text, "idempotency_key"),
        "name": "Ana",
        "email": "ana@example.org",
        "text": "Good reporting on the detours.",
        "website": "",
        **fields,
    }
    return client.post(f"/articles/{article_id}/comments", data=data, follow_redirects=False)


def test_article_page_has_every_part(client, article, make_comment):
    make_comment(article.id, name="Bo", text="Published one.", state="approve")
    html = client.get(f"/articles/{article.id}").text
    assert f'<h1 dir="auto">{article.title}</h1>' in html
    assert "Test desk" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+Z" title="[^"]+" data-relative>', html)
    assert "Detours are signposted." in html
    assert 'data-size-step="1"' in html and 'data-size-step="-1"' in html
    assert "Published one." in html
    for label in ('for="f-name"', 'for="f-email"', 'for="f-text"'):
        assert label in html
    assert 'maxlength="5000"' in html and "Up to 5000 characters" in html
    assert 'name="website"' in html and 'tabindex="-1"' in html  # honeypot
    assert 'name="csrf_token"' in html
    for rule in (
        "Constructive criticism",
        "Profanity",
        "Threats",
        "Personal attacks",
        "sexism, racism, homophobia, xenophobia",
        "Commercial or personal promotion",
        "never edited",
    ):
        assert rule in html
    assert "<script>" not in html and " style=" not in html  # nothing inline: the CSP forbids it


def test_post_is_held_for_review_and_not_shown(client, platform, article, util):
    answer = _form(client, util, article.id, text="Held text 123")
    assert answer.status_code == 303
    assert re.fullmatch(rf"/articles/{article.id}\?submitted=[\w.-]+#comment-form", answer.headers["location"])
    page = client.get(answer.headers["location"]).text
    assert "held for review" in page
    assert "Held text 123" not in page
    assert platform.comment_counts(article.id).get("pending") == 1


def test_the_receipt_says_published_once_approved_and_cannot_be_forged(client, platform, article, util):
    answer = _form(client, util, article.id, text="Soon public")
    receipt_page = answer.headers["location"]
    comment_id = platform.review_queue(article_id=article.id).items[0].comment.id
    platform.decide(comment_id, "approve", actor="moderator:t")
    assert "Your comment is published" in client.get(receipt_page).text
    for forged in ("approved", "pending", receipt_page.split("submitted=")[1].split("#")[0] + "x"):
        page = client.get(f"/articles/{article.id}", params={"submitted": forged}).text
        assert "Your comment is published" not in page and "held for review" not in page


def test_reload_of_the_same_form_does_not_duplicate(client, platform, article, util):
    page = client.get(f"/articles/{article.id}").text
    data = {
        "csrf_token": util.form_token(page),
        "idempotency_key": util.hidden_value(page, "idempotency_key"),
        "name": "Ana",
        "email": "ana@example.org",
        "text": "Only once.",
    }
    for _ in range(2):
        assert client.post(f"/articles/{article.id}/comments", data=data, follow_redirects=False).status_code == 303
    assert platform.comment_counts(article.id).get("pending") == 1


def test_missing_email_shows_field_error_and_keeps_everything(client, platform, article, util):
    typed = "My comment with <b>tags</b> & ümlauts, kept as typed."
    answer = _form(client, util, article.id, email="", name="Zoë", text=typed)
    assert answer.status_code == 422
    html = answer.text
    assert 'id="f-email-error"' in html and "email" in html.lower()
    assert 'aria-invalid="true" aria-describedby="f-email-error" autofocus' in html
    assert 'value="Zoë"' in html
    textarea = re.search(r'<textarea id="f-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert unescape(textarea) == typed
    assert "<b>tags</b>" not in html  # kept, but escaped
    assert platform.comment_counts(article.id).get("pending", 0) == 0


def test_missing_or_forged_csrf_is_refused_and_keeps_text(client, platform, article, util):
    answer = _form(client, util, article.id, csrf_token="forged", text="Keep me please")
    assert answer.status_code == 403
    assert "Keep me please" in answer.text and "security token" in answer.text
    assert platform.comment_counts(article.id).get("pending", 0) == 0


def test_cross_site_origin_is_refused(client, platform, article, util):
    page = client.get(f"/articles/{article.id}").text
    answer = client.post(
        f"/articles/{article.id}/comments",
        data={"csrf_token": util.form_token(page), "name": "A", "email": "a@example.org", "text": "x"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert platform.comment_counts(article.id).get("pending", 0) == 0


def test_honeypot_answers_like_success_but_stores_nothing(client, platform, article, util):
    answer = _form(client, util, article.id, website="http://spam.example")
    assert answer.status_code == 303 and "submitted=" in answer.headers["location"]
    assert "held for review" in client.get(answer.headers["location"]).text
    assert platform.comment_counts(article.id).get("pending", 0) == 0


def test_rate_limit_is_429_with_retry_after_and_keeps_text(make_app, util):
    from civility.workflow.types import ArticleIn

    _, platform, client = make_app(rate_limit_email_per_hour=1)
    article = platform.add_article(ArticleIn(title="t", body="b", id="rate"))
    assert _form(client, util, article.id, text="first").status_code == 303
    answer = _form(client, util, article.id, text="second, kept when refused")
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    assert "second, kept when refused" in answer.text
    assert "wait" in answer.text


def test_user_strings_are_escaped_and_marked_auto_direction(client, article, make_comment):
    make_comment(article.id, name="<img src=x onerror=alert(1)>", text='"><script>alert(2)</script>', state="approve")
    make_comment(article.id, name="مریم", text="ئەمە بابەتێکی گرنگە", state="approve")
    html = client.get(f"/articles/{article.id}").text
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<bdi class="comment-name" dir="auto">مریم</bdi>' in html
    assert '<p class="comment-text" dir="auto" lang="ckb">ئەمە بابەتێکی گرنگە</p>' in html  # language identified


def test_more_comments_link_pages_through_everything(make_app):
    from civility.workflow.types import ArticleIn

    _, platform, client = make_app(page_size=2)
    article = platform.add_article(ArticleIn(title="t", body="b", id="paged"))
    for i in range(5):
        result = platform.submit_comment(article.id, "N", f"n{i}@example.org", f"text-{i}-end", ip=None)
        platform.decide(result.comment_id, "approve", actor="moderator:t")
    url, seen = f"/articles/{article.id}", []
    for _ in range(5):
        html = client.get(url).text
        seen += re.findall(r"text-(\d)-end", html)
        more = re.search(r'<a rel="next" href="([^"]+)#comments">More comments</a>', html)
        if not more:
            break
        url = unescape(more.group(1))
    assert sorted(seen) == ["0", "1", "2", "3", "4"]


def test_index_lists_articles(client, make_article):
    made = make_article(title="Index headline")
    html = client.get("/").text
    assert "Index headline" in html and f'href="/articles/{made.id}"' in html


def test_unknown_article_is_a_404_page(client):
    answer = client.get("/articles/none-such")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"] and "Not found" in answer.text


def test_rules_page(client):
    assert "Community rules" in client.get("/rules").text
