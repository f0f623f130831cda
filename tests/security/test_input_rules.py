"""Input rules of the comment form on every backend: a required field must hold something a
reader can see (zero-width characters, fillers and soft hyphens alone are refused; ZWNJ inside
Persian and Kurdish words is normal spelling), and a form body that is not valid UTF-8 is refused
with a message next to the field instead of being stored as mojibake."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civility.errors import ValidationError

INVISIBLE = [
    "\u200b",
    "\u200b\u200b\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u3164",
    "\u3164\u3164",
    "\u00ad",
    "\u115f\u1160",
    "\u200b \u200c \u200d",
    "\u180e",
    "\u2800",
    "\u034f",
    "\ufe0f",
    "\u2061\u2062",
    "\u200b\u00a0\u3000",
]
VISIBLE_NAMES = [
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, ZWNJ inside the word
    "\u0646\u0627\u0645\u0647\u200c\u0647\u0627",  # Persian plural with ZWNJ
    "\u0634\u06d5\u0645\u200c\u06cc\u0627\u0646",  # Kurdish (Sorani) with ZWNJ
    "Zo\u00eb",
    "\u674e\u96f7",
    "\ud55c\uad6d\uc5b4",
    "Ann\u00adMarie",
    "\u2764\ufe0f",
]


@pytest.fixture
def settings():
    from civility.settings import load_settings

    return load_settings({"secret_key": "x" * 32}, environ={}, config_path=None)


@pytest.mark.parametrize("value", INVISIBLE, ids=lambda v: "+".join(f"U{ord(c):04X}" for c in v))
def test_a_name_or_comment_without_a_visible_character_is_refused(settings, value):
    from civility.workflow.submit import validate

    with pytest.raises(ValidationError) as name_err:
        validate(settings, value, "a@example.org", "a real comment")
    assert "name" in name_err.value.fields and "visible" in name_err.value.fields["name"].lower()
    with pytest.raises(ValidationError) as text_err:
        validate(settings, "Ann", "a@example.org", value)
    assert "text" in text_err.value.fields and "visible" in text_err.value.fields["text"].lower()


@pytest.mark.parametrize("value", VISIBLE_NAMES)
def test_names_in_real_scripts_stay_valid(settings, value):
    from civility.workflow.submit import validate

    clean = validate(settings, value, "a@example.org", value + " \u0633\u0644\u0627\u0645")
    assert clean.name == value, "ZWNJ and other joiners inside a word must be kept"


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _stored(platform) -> int:
    from civility.storage.schema import comments

    with platform.db.read() as conn:
        return conn.execute(select(func.count()).select_from(comments)).scalar_one()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def form_site(request, make_site):
    site = make_site() if request.param == "sqlite" else make_site(database_url=request.getfixturevalue("pg_url"))
    site.add_article()
    return site


def test_an_invisible_name_is_refused_through_the_form(form_site):
    token = _token(form_site.client, "/articles/budget")
    resp = form_site.client.post(
        "/articles/budget/comments",
        data={"name": "\u200b\u200d\u3164", "email": "a@example.org", "text": "hello there", "csrf_token": token},
    )
    assert resp.status_code == 422
    assert "visible" in resp.text.lower()
    assert _stored(form_site.platform) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"caf\xe9",  # latin-1 byte, raw
        b"caf%E9",  # latin-1 byte, percent-encoded
        b"%C3%28",  # an invalid continuation
        b"\xff\xfe",  # not UTF-8 at all
    ],
)
def test_a_urlencoded_body_that_is_not_utf8_is_refused(form_site, raw):
    token = _token(form_site.client, "/articles/budget")
    body = b"name=" + raw + b"&email=a%40example.org&text=hello+there&csrf_token=" + token.encode()
    resp = form_site.client.post(
        "/articles/budget/comments", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert resp.status_code in (400, 422), resp.status_code
    assert "utf-8" in resp.text.lower()
    assert _stored(form_site.platform) == 0, "the mojibake was stored"


def test_a_multipart_body_that_is_not_utf8_is_refused(form_site):
    token = _token(form_site.client, "/articles/budget")
    parts = [
        ("name", "Ann".encode()),
        ("email", b"a@example.org"),
        ("text", b"caf\xe9 au lait"),
        ("csrf_token", token.encode()),
    ]
    body = (
        b"".join(
            b'--xyz\r\nContent-Disposition: form-data; name="' + k.encode() + b'"\r\n\r\n' + v + b"\r\n"
            for k, v in parts
        )
        + b"--xyz--\r\n"
    )
    resp = form_site.client.post(
        "/articles/budget/comments", content=body, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert resp.status_code in (400, 422), resp.status_code
    assert "utf-8" in resp.text.lower()
    assert _stored(form_site.platform) == 0


def test_a_privacy_form_that_is_not_utf8_is_refused(form_site):
    token = _token(form_site.client, "/privacy")
    body = b"email=caf%E9%40example.org&action=export&csrf_token=" + token.encode()
    resp = form_site.client.post(
        "/privacy", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert resp.status_code in (400, 422)
    assert "utf-8" in resp.text.lower()
