"""Moderators (argon2), login throttling per account and per address, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from civility.errors import Conflict, RateLimited, ValidationError
from civility.storage.clock import utcnow
from civility.storage.schema import moderators, sessions

PASSWORD = "correct horse battery staple"


def test_add_moderator_stores_an_argon2_hash(platform):
    m = platform.add_moderator("ruth", PASSWORD, "admin")
    assert (m.name, m.role, m.is_admin) == ("ruth", "admin", True)
    with platform.db.read() as conn:
        stored = conn.execute(select(moderators.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored
    with pytest.raises(Conflict):
        platform.add_moderator("ruth", PASSWORD)
    with pytest.raises(ValidationError) as info:
        platform.add_moderator("has space", "short", "owner")
    assert set(info.value.fields) == {"name", "password", "role"}


def test_authenticate(platform):
    platform.add_moderator("ruth", PASSWORD)
    assert platform.authenticate("ruth", PASSWORD, "203.0.113.9").name == "ruth"
    assert platform.authenticate("ruth", "wrong password", "203.0.113.9") is None
    assert platform.authenticate("nobody", PASSWORD, "203.0.113.9") is None


def test_login_throttled_per_account(make_platform):
    platform = make_platform(login_attempts_per_15min=3)
    platform.add_moderator("ruth", PASSWORD)
    for i in range(3):
        assert platform.authenticate("ruth", "guess", f"198.51.100.{i}") is None
    with pytest.raises(RateLimited) as info:
        platform.authenticate("ruth", PASSWORD, "198.51.100.99")  # even the right password waits
    assert 1 <= info.value.retry_after <= 15 * 60 + 1


def test_login_throttled_per_address(make_platform):
    platform = make_platform(login_attempts_per_15min=3)
    for name in ("a", "b", "c"):
        platform.authenticate(name, "guess", "198.51.100.50")
    with pytest.raises(RateLimited):
        platform.authenticate("d", "guess", "198.51.100.50")
    assert platform.authenticate("e", "guess", "198.51.100.51") is None  # other addresses unaffected


def test_success_clears_account_failures(make_platform):
    platform = make_platform(login_attempts_per_15min=3)
    platform.add_moderator("ruth", PASSWORD)
    for _ in range(2):
        platform.authenticate("ruth", "guess", None)
    assert platform.authenticate("ruth", PASSWORD, None) is not None
    for _ in range(2):
        assert platform.authenticate("ruth", "guess", None) is None  # the counter started again


def test_sessions(platform):
    m = platform.add_moderator("ruth", PASSWORD)
    token, csrf = platform.create_session(m.id)
    session = platform.get_session(token)
    assert session.moderator.name == "ruth" and session.csrf_token == csrf
    with platform.db.read() as conn:
        assert token not in conn.execute(select(sessions.c.id)).scalars().all()  # only its hash is stored
    assert platform.get_session("not-a-token") is None and platform.get_session(None) is None
    platform.delete_session(token)
    assert platform.get_session(token) is None


def test_expired_session_is_refused(platform):
    m = platform.add_moderator("ruth", PASSWORD)
    token, _ = platform.create_session(m.id)
    with platform.db.write() as conn:
        conn.execute(update(sessions).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert platform.get_session(token) is None
