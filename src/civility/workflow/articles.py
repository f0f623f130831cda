"""Articles as the workflow offers them: add (validated, with a readable id), fetch, find by URL, list."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timezone

from sqlalchemy.exc import IntegrityError

from civility.domain import Article
from civility.errors import Conflict, NotFound, ValidationError
from civility.storage.engine import Database
from civility.storage.repos import articles as repo
from civility.workflow.policy_overrides import validate_overrides
from civility.workflow.types import ArticleIn, Page

_ID_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def slugify(title: str, max_len: int = 60) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:max_len].strip("-")
    return slug or "article"


class Articles:
    def __init__(self, db: Database):
        self.db = db

    def add_article(self, data: ArticleIn) -> Article:
        errors: dict[str, str] = {}
        title = (data.title or "").strip()
        body = (data.body or "").strip()
        if not title:
            errors["title"] = "required"
        if not body:
            errors["body"] = "required"
        if data.id is not None and not _ID_OK.fullmatch(data.id):
            errors["id"] = "letters, digits, '.', '_' or '-', at most 120, starting with a letter or digit"
        if data.url is not None and not re.match(r"https?://\S+$", data.url):
            errors["url"] = "an http(s) URL"
        for field, value in (("title", title), ("body", body), ("source", data.source or "")):
            if "\x00" in value:
                errors[field] = "contains a NUL character"
        if errors:
            raise ValidationError(errors)
        validate_overrides(data.policy_overrides, name="policy_overrides")
        published = data.published_at
        if published is not None and published.tzinfo is None:
            published = published.replace(tzinfo=timezone.utc)
        base_id = data.id or slugify(title)
        with self.db.write() as conn:
            if data.url and repo.find_by_url(conn, data.url) is not None:
                raise Conflict(f"an article with url {data.url} already exists")
            article_id = base_id
            if repo.id_exists(conn, article_id):
                if data.id is not None:
                    raise Conflict(f"article {article_id!r} already exists")
                article_id = f"{base_id}-{secrets.token_hex(3)}"
            article = Article(
                id=article_id,
                title=title,
                body=body,
                source=(data.source or "").strip(),
                url=data.url,
                lang=data.lang or "en",
                published_at=published,
            )
            try:
                repo.insert_article(conn, article, policy_overrides=data.policy_overrides)
            except IntegrityError:
                raise Conflict("the article already exists") from None
        return article

    def get_article(self, article_id: str) -> Article:
        with self.db.read() as conn:
            article = repo.get_article(conn, article_id)
        if article is None:
            raise NotFound(f"article {article_id!r} does not exist")
        return article

    def find_by_url(self, url: str) -> Article | None:
        with self.db.read() as conn:
            return repo.find_by_url(conn, url)

    def list_articles(self, limit: int = 20, cursor: str | None = None) -> Page[Article]:
        limit = max(1, min(int(limit), 200))
        with self.db.read() as conn:
            items, next_cursor = repo.list_page(conn, limit=limit, after=cursor)
        return Page(items=items, next_cursor=next_cursor)

    def set_policy_overrides(self, article_id: str, overrides: dict | None) -> None:
        with self.db.write() as conn:
            if not repo.set_policy_overrides(conn, article_id, overrides):
                raise NotFound(f"article {article_id!r} does not exist")
