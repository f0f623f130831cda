"""Sliding-window rate limits shared by every web process: in the database by default, in Redis
when ``settings.redis_url`` is set. Keys are HMACs of the email/address under the secret key."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, text

from civility.errors import RateLimited
from civility.storage.clock import as_utc, utcnow
from civility.storage.repos import counters

log = logging.getLogger(__name__)


def address_bucket(ip: str) -> str:
    """What a per-address limit counts: an IPv4 address, or the /64 network of an IPv6 address
    (one subscriber usually holds a whole /64, so counting single IPv6 addresses is no limit)."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip
    if addr.version == 6:
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


def hashed_key(secret: str, kind: str, value: str) -> str:
    digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{kind}:{digest}"


def seconds_until_free(
    conn: Connection, table: str, key: str, *, limit: int, window: timedelta, now: datetime
) -> int | None:
    """The sliding window in the database: None while ``key`` has fewer than ``limit`` events in
    the last ``window`` (counted in ``table``), else the whole seconds until the oldest leaves it.
    On PostgreSQL hits on one key are serialised across processes (transaction-scoped advisory
    lock), so two requests cannot both take the last slot."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    count, oldest = counters.window(conn, table, key, now - window)
    if count < limit:
        return None
    retry = (as_utc(oldest) + window - now).total_seconds() if oldest else window.total_seconds()
    return max(1, math.ceil(retry))


class RateLimiter(Protocol):
    def hit(self, conn: Connection, key: str, *, limit: int, window: timedelta, message: str) -> None:
        """Count one event for ``key``; raise RateLimited (nothing counted) when ``limit`` is reached."""


class DatabaseRateLimiter:
    def __init__(self, table: str = "rate"):
        self.table = table

    def hit(self, conn: Connection, key: str, *, limit: int, window: timedelta, message: str) -> None:
        now = utcnow()
        retry = seconds_until_free(conn, self.table, key, limit=limit, window=window, now=now)
        if retry is not None:
            raise RateLimited(message, retry_after=retry)
        counters.add(conn, self.table, key, now)


class RedisRateLimiter:
    """A sorted set per key (score = time); the check-and-add runs as one Lua script."""

    _SCRIPT = """
    local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local count = redis.call('ZCARD', key)
    if count >= limit then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        return {0, tostring(tonumber(oldest[2]) + window - now)}
    end
    redis.call('ZADD', key, now, member)
    redis.call('EXPIRE', key, math.ceil(window))
    return {1, '0'}
    """

    def __init__(self, url: str, *, prefix: str = "civility:rate:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.prefix = prefix
        self._script = self.client.register_script(self._SCRIPT)
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._fallback = DatabaseRateLimiter()

    def hit(self, conn: Connection, key: str, *, limit: int, window: timedelta, message: str) -> None:
        try:
            ok, retry = self._script(
                keys=[self.prefix + key],
                args=[time.time(), window.total_seconds(), limit, uuid.uuid4().hex],
            )
        except self._errors as exc:
            # Redis down must not refuse every comment: count in the database meanwhile.
            log.warning("Redis unavailable for rate limits (%s); counting in the database", exc)
            self._fallback.hit(conn, key, limit=limit, window=window, message=message)
            return
        if int(ok) == 0:
            raise RateLimited(message, retry_after=max(1, math.ceil(float(retry))))

    def close(self) -> None:
        self.client.close()


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else DatabaseRateLimiter()
