"""The public-comments cache shared by every web process: pages of approved comments kept in
Redis (when ``settings.redis_url`` is set), dropped for an article the moment a comment of it
is approved or erased (publish.wire subscribes that). Without Redis nothing is cached: no
process holds state another needs."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Callable, Protocol

from civility.workflow.types import Page, PublicComment

log = logging.getLogger(__name__)

PAGE_TTL_S = 300  # a safety net only: invalidation on approval is what keeps pages fresh
Loader = Callable[[], Page[PublicComment]]


class PublicCommentsCache(Protocol):
    def page(self, article_id: str, after: str | None, limit: int | None, load: Loader) -> Page[PublicComment]:
        """The cached page, or ``load()``'s answer (stored unless the article changed meanwhile)."""

    def approved_count(self, article_id: str, load: Callable[[], int]) -> int:
        """How many approved comments the article has (counting 10,000 index entries per page
        view is the dearest part of a big story's page), cached like the pages."""

    def invalidate(self, article_id: str) -> None:
        """Forget every cached page of the article."""


class NoCache:
    def page(self, article_id: str, after: str | None, limit: int | None, load: Loader) -> Page[PublicComment]:
        return load()

    def approved_count(self, article_id: str, load: Callable[[], int]) -> int:
        return load()

    def invalidate(self, article_id: str) -> None:
        return None


def _dump(page: Page[PublicComment]) -> str:
    return json.dumps(
        {
            "next": page.next_cursor,
            "items": [
                [c.id, c.article_id, c.parent_id, c.name, c.text, c.created_at.isoformat(), c.lang] for c in page.items
            ],
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _load(raw: bytes | str) -> Page[PublicComment]:
    data = json.loads(raw)
    items = [
        PublicComment(id=i, article_id=a, parent_id=p, name=n, text=t, created_at=datetime.fromisoformat(c), lang=lang)
        for i, a, p, n, t, c, lang in data["items"]
    ]
    return Page(items=items, next_cursor=data["next"])


class RedisPublicCommentsCache:
    """One Redis hash per article (field = cursor and page size) plus a generation counter.

    A reader notes the generation before it reads the database and stores its page only if the
    generation is unchanged; an approval bumps the generation and drops the hash after its commit.
    So a page read before an approval can never be stored after that approval's invalidation."""

    # KEYS: page hash, generation; ARGV: field. Returns {page or false, generation}.
    _GET = """
    local page = redis.call('HGET', KEYS[1], ARGV[1])
    local gen = redis.call('GET', KEYS[2])
    return {page, gen or '0'}
    """
    # KEYS: page hash, generation; ARGV: field, page, generation seen, ttl.
    _PUT = """
    local gen = redis.call('GET', KEYS[2]) or '0'
    if gen ~= ARGV[3] then return 0 end
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
    return 1
    """

    def __init__(self, url: str, *, prefix: str = "civility:public:", ttl_s: int = PAGE_TTL_S):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._get = self.client.register_script(self._GET)
        self._put = self.client.register_script(self._PUT)
        self.hits = 0
        self.misses = 0

    def _keys(self, article_id: str) -> list[str]:
        return [f"{self.prefix}{article_id}:pages", f"{self.prefix}{article_id}:gen"]

    def page(self, article_id: str, after: str | None, limit: int | None, load: Loader) -> Page[PublicComment]:
        return self._cached(article_id, f"{after or ''}|{limit or ''}", load, _dump, _load)

    def approved_count(self, article_id: str, load: Callable[[], int]) -> int:
        return self._cached(article_id, "#approved", load, str, int)

    def _cached(
        self,
        article_id: str,
        field: str,
        load: Callable[[], Any],
        dump: Callable[[Any], str],
        parse: Callable[[Any], Any],
    ) -> Any:
        keys = self._keys(article_id)
        try:
            raw, gen = self._get(keys=keys, args=[field])
        except Exception:  # Redis down: serve from the database, never fail a read
            log.warning("public-comments cache unavailable; reading the database", exc_info=True)
            return load()
        if raw is not None:
            self.hits += 1
            return parse(raw)
        self.misses += 1
        value = load()
        try:
            self._put(keys=keys, args=[field, dump(value), gen, self.ttl_s])
        except Exception:
            log.warning("could not store a public-comments entry", exc_info=True)
        return value

    def invalidate(self, article_id: str) -> None:
        pages, gen = self._keys(article_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(gen)
        pipe.expire(gen, 7 * 24 * 3600)
        pipe.delete(pages)
        pipe.execute()

    def close(self) -> None:
        self.client.close()


def make_cache(redis_url: str) -> PublicCommentsCache:
    return RedisPublicCommentsCache(redis_url) if redis_url else NoCache()
