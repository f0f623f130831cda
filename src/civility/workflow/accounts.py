"""Moderator accounts (argon2 hashes), login with throttling per account and per address,
and server-side sessions (the cookie carries a random token; the database keeps its hash)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from civility.errors import Conflict, RateLimited, ValidationError
from civility.settings import Settings
from civility.storage.clock import as_utc, utcnow
from civility.storage.engine import Database
from civility.storage.repos import accounts as repo
from civility.storage.repos import counters
from civility.workflow.ratelimit import address_bucket, hashed_key, seconds_until_free
from civility.workflow.types import ModeratorAccount, Session

ROLES = ("moderator", "admin")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
LOGIN_WINDOW = timedelta(minutes=15)


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _moderator(row, *, id_attr: str = "id", created_attr: str = "created_at") -> ModeratorAccount:
    return ModeratorAccount(
        id=getattr(row, id_attr), name=row.name, role=row.role, created_at=as_utc(getattr(row, created_attr))
    )


class Accounts:
    def __init__(self, db: Database, settings: Settings, hasher: PasswordHasher | None = None):
        self.db = db
        self.settings = settings
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        """Verified against when the name is unknown, so a wrong name costs what a wrong password costs."""
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(16))
        return self._dummy

    # -- moderators ------------------------------------------------------------------------------
    def add_moderator(self, name: str, password: str, role: str = "moderator") -> ModeratorAccount:
        name = (name or "").strip()
        errors = {}
        if not name or len(name) > 80 or any(ch.isspace() for ch in name):
            errors["name"] = "1-80 characters, no spaces"
        if not isinstance(password, str) or not (PASSWORD_MIN <= len(password) <= PASSWORD_MAX):
            errors["password"] = f"at least {PASSWORD_MIN} characters"
        if role not in ROLES:
            errors["role"] = f"one of {', '.join(ROLES)}"
        if errors:
            raise ValidationError(errors)
        try:
            with self.db.write() as conn:
                if repo.moderator_by_name(conn, name) is not None:
                    raise Conflict(f"a moderator named {name!r} already exists")
                new_id = repo.insert_moderator(conn, name=name, password_hash=self.hasher.hash(password), role=role)
                row = repo.moderator_by_id(conn, new_id)
        except IntegrityError:
            raise Conflict(f"a moderator named {name!r} already exists") from None
        return _moderator(row)

    def list_moderators(self) -> list[ModeratorAccount]:
        with self.db.read() as conn:
            return [_moderator(r) for r in repo.all_moderators(conn)]

    # -- login ---------------------------------------------------------------------------------
    def authenticate(self, name: str, password: str, ip: str | None) -> ModeratorAccount | None:
        """The moderator when the password is right, None when not; RateLimited after too many failures."""
        name = (name or "").strip()
        keys = [hashed_key(self.settings.secret_key, "login-acct", name.lower())]
        if ip:
            keys.append(hashed_key(self.settings.secret_key, "login-ip", address_bucket(ip)))
        limit = self.settings.login_attempts_per_15min
        now = utcnow()
        # Check and count the attempt in ONE write transaction, BEFORE the slow password check:
        # otherwise parallel guesses all read "no failures yet" and every one gets checked.
        with self.db.write() as conn:
            for key in keys:
                retry = seconds_until_free(conn, "login", key, limit=limit, window=LOGIN_WINDOW, now=now)
                if retry is not None:
                    raise RateLimited("Too many failed logins; please wait before trying again.", retry_after=retry)
            for key in keys:
                counters.add(conn, "login", key, now)
            row = repo.moderator_by_name(conn, name) if name else None
        ok = self._verify(row.password_hash if row else self._dummy_hash, password or "") and row is not None
        if not ok:
            return None
        with self.db.write() as conn:
            counters.clear(conn, "login", keys[0])
            for key in keys[1:]:  # a right password is not a failure from this address either
                counters.remove(conn, "login", key, now)
            if self.hasher.check_needs_rehash(row.password_hash):
                repo.set_password_hash(conn, row.id, self.hasher.hash(password))
        return _moderator(row)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # -- sessions ------------------------------------------------------------------------------
    def create_session(self, moderator_id: int) -> tuple[str, str]:
        """A new session; returns (token for the cookie, CSRF token for forms)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(seconds=self.settings.session_max_age)
        with self.db.write() as conn:
            repo.delete_expired_sessions(conn)
            repo.insert_session(
                conn, session_id=_token_id(token), moderator_id=moderator_id, csrf_token=csrf, expires_at=expires
            )
        return token, csrf

    def get_session(self, token: str | None) -> Session | None:
        if not token or len(token) > 200:
            return None
        with self.db.read() as conn:
            row = repo.session_with_moderator(conn, _token_id(token))
        if row is None:
            return None
        return Session(
            moderator=_moderator(row, id_attr="moderator_id", created_attr="moderator_created_at"),
            csrf_token=row.csrf_token,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
        )

    def purge_expired_sessions(self) -> int:
        with self.db.write() as conn:
            return repo.delete_expired_sessions(conn)

    def delete_session(self, token: str | None) -> None:
        if not token:
            return
        with self.db.write() as conn:
            repo.delete_session(conn, _token_id(token))
