"""Property and fuzz tests: a retried submission with one Idempotency-Key is stored once, however
often and however concurrently it is retried; the form parser never answers 5xx to random
bytes in random encodings; the text filters (normalisation, promotion signals, email check)
stay linear-time on adversarial input (no ReDoS). The normalisation's own properties live in
tests/moderation/test_normalize.py."""

from __future__ import annotations

import itertools
import string
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from civility.errors import Conflict
from civility.workflow.submit import has_visible

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
_counter = itertools.count()

# Any text the form accepts: something visible in it (tests/security/test_input_rules.py covers the rest).
names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(has_visible)
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=300
).filter(has_visible)
locals_ = st.text(alphabet=string.ascii_letters + string.digits + "._+-", min_size=1, max_size=20)


@pytest.fixture
def busy_site(make_site):
    site = make_site(rate_limit_ip_per_hour=10**6, rate_limit_email_per_hour=10**6)
    site.add_article()
    return site


def _stored(site, key: str) -> int:
    from civility.storage.schema import comments

    with site.platform.db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(comments).where(comments.c.idempotency_key == key)
        ).scalar()


@FIXTURE_OK
@given(name=names, local=locals_, text=texts, retries=st.integers(min_value=1, max_value=4))
def test_retries_with_one_key_store_one_comment(busy_site, name, local, text, retries):
    key = f"prop-{next(_counter)}"
    email = f"{local}@example.org"
    results = [
        busy_site.platform.submit_comment("budget", name, email, text, ip="192.0.2.4", idempotency_key=key)
        for _ in range(retries + 1)
    ]
    assert len({r.comment_id for r in results}) == 1
    assert [r.created for r in results] == [True] + [False] * retries
    assert _stored(busy_site, key) == 1


@FIXTURE_OK
@given(text=texts, other=texts)
def test_a_key_reused_for_another_comment_is_a_conflict(busy_site, text, other):
    key = f"prop-{next(_counter)}"
    first = busy_site.platform.submit_comment("budget", "A", "a@example.org", text, ip=None, idempotency_key=key)
    if other.strip() == text.strip():
        assert (
            busy_site.platform.submit_comment(
                "budget", "A", "a@example.org", other, ip=None, idempotency_key=key
            ).comment_id
            == first.comment_id
        )
    else:
        with pytest.raises(Conflict):
            busy_site.platform.submit_comment("budget", "A", "a@example.org", other, ip=None, idempotency_key=key)
    assert _stored(busy_site, key) == 1


def test_concurrent_retries_over_http_store_one_comment(busy_site):
    """Eight clients send the same request with the same key at the same instant."""
    barrier = threading.Barrier(8)
    answers: list = []

    def post():
        barrier.wait()
        answers.append(
            busy_site.client.post(
                "/api/articles/budget/comments",
                headers={"Idempotency-Key": "same-key-for-all"},
                json={"name": "Racer", "email": "racer@example.org", "text": "Only once, please."},
            )
        )

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 8
    assert {a.status_code for a in answers} <= {201, 202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert _stored(busy_site, "same-key-for-all") == 1


FORM_ROUTES = [
    "/articles/budget/comments",
    "/embed/comments?article=budget",
    "/moderate/login",
    "/privacy",
    "/privacy/confirm",
    "/moderate/comments/1/decision",
    "/moderate/logout",
]
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=bogus",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary="a b"',
        "text/plain",
        "application/json",
        "",
        "*/*; q=x",
    ]
)
FIELD_NAMES = st.sampled_from(
    [
        "name",
        "email",
        "text",
        "csrf_token",
        "idempotency_key",
        "website",
        "password",
        "decision",
        "token",
        "action",
        "next",
        "expected_version",
        "x" * 300,
    ]
)


@st.composite
def form_bodies(draw):
    kind = draw(st.sampled_from(["bytes", "urlencoded", "multipart"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    pairs = draw(st.lists(st.tuples(FIELD_NAMES, st.text(max_size=80)), max_size=8))
    if kind == "urlencoded":
        from urllib.parse import quote_plus

        encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
        return "&".join(
            f"{quote_plus(k)}={quote_plus(v, encoding=encoding, errors='replace')}" for k, v in pairs
        ).encode()
    parts = []
    for k, v in pairs:
        disposition = draw(
            st.sampled_from(
                [
                    f'form-data; name="{k}"',
                    f'form-data; name="{k}"; filename="f.txt"',
                    "form-data",
                    f"form-data; name={k}",
                ]
            )
        )
        parts.append(f"--xyz\r\nContent-Disposition: {disposition}\r\n\r\n{v}\r\n")
    tail = draw(st.sampled_from(["--xyz--\r\n", "--xyz", "", "--xyz--"]))
    return ("".join(parts) + tail).encode("utf-8", "surrogatepass")


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None, max_examples=250
)
@given(
    route=st.sampled_from(FORM_ROUTES),
    content_type=CONTENT_TYPES,
    body=form_bodies(),
    origin=st.sampled_from([None, "null", "http://testserver", "https://evil.example", "%%%"]),
)
def test_the_form_parser_never_answers_5xx(busy_site, route, content_type, body, origin):
    headers = {"Content-Type": content_type} if content_type else {}
    if origin is not None:
        headers["Origin"] = origin
    resp = busy_site.client.post(route, content=body, headers=headers)
    assert resp.status_code < 500, (route, content_type, body[:80], resp.status_code)
    assert resp.status_code not in (200, 201, 202) or route.startswith("/privacy"), "a forged form was accepted"


ADVERSARIAL = [
    "a" * 5000,
    "a." * 2500,
    "f*" * 2500,
    "s t " * 1250,
    "\u200b" * 5000,
    "@" * 5000,
    "a@" * 2500,
    "http://" * 700,
    "www." * 1250,
    "1" * 5000,
    "x" + "-" * 4998 + "!",
    "aaaa bbbb " * 500,
    "\u0430" * 5000,
    "a\u0301" * 2500,
    "!" * 5000,
    "é" * 5000,
    ".com " * 1000,
    "$$$ " * 1250,
    "(" * 5000,
    "<a " * 1666,
    "a" * 64 + "@" + "b." * 2400 + "c",
]


def test_text_filters_stay_fast_on_adversarial_input():
    from civility.domain import SubmissionContext
    from civility.moderation.normalize import normalize
    from civility.moderation.spam import promotion_signals
    from civility.settings import load_settings
    from civility.workflow.submit import validate

    settings_ = load_settings({"secret_key": "x" * 32}, environ={})
    slow = []
    for text in ADVERSARIAL:
        for label, fn in (
            ("normalize", lambda t: normalize(t)),
            ("promotion_signals", lambda t: promotion_signals(t, SubmissionContext(), ("example.org",))),
            ("validate", lambda t: _validate_quiet(validate, settings_, t)),
        ):
            start = time.perf_counter()
            fn(text)
            took = time.perf_counter() - start
            if took > 2.5:  # catastrophic backtracking takes minutes; 2.5 s leaves room for a busy machine
                slow.append(f"{label} took {took:.2f}s on {text[:20]!r}... ({len(text)} chars)")
    assert not slow, "\n".join(slow)


def _validate_quiet(validate, settings_, text):
    from civility.errors import ValidationError

    try:
        validate(settings_, "name", text, text)
    except ValidationError:
        pass
