"""What the workflow services hand to the web layer: input and output shapes, kept apart so a
public comment simply has no email field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from civility.domain import Comment, CommentStatus, DecisionRecord, Verdict

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[T]
    next_cursor: str | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class ArticleIn:
    title: str
    body: str
    source: str = ""
    url: str | None = None
    lang: str = "en"
    published_at: datetime | None = None
    id: str | None = None  # a slug of the title when not given
    policy_overrides: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    """What a reader is told about their own comment: published, held, or not published (and,
    for a machine rejection, the community rules it breaks, in the rules' own words)."""

    status: CommentStatus
    rules: tuple[str, ...] = ()
    by_moderator: bool = False


@dataclass(frozen=True)
class SubmitResult:
    comment_id: int
    status: CommentStatus
    created: bool  # False when an earlier submission with the same idempotency key is returned
    rules: tuple[str, ...] = ()  # when rejected by the machine: the rules it breaks, in words


@dataclass(frozen=True)
class PublicComment:
    """A comment as anyone may see it: no email, no address, approved only."""

    id: int
    article_id: str
    parent_id: int | None
    name: str
    text: str
    created_at: datetime
    lang: str | None = None


@dataclass(frozen=True)
class ThreadEntry:
    """One comment of a discussion as shown: depth 0 (starts a thread), 1 (a reply) or 2 (a reply
    to a reply, or deeper: then ``reply_to`` names whom it answers)."""

    comment: PublicComment
    depth: int
    reply_to: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """A comment as a moderator sees it, with the machine's latest verdict and the audit trail."""

    comment: Comment
    article_title: str
    version: int
    verdict: Verdict | None
    decisions: list[DecisionRecord] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)  # reason, note, status, created_at

    @property
    def open_reports(self) -> int:
        return sum(1 for r in self.reports if r.get("status") == "open")


@dataclass(frozen=True)
class ModeratorAccount:
    id: int
    name: str
    role: str  # "moderator" | "admin"
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    moderator: ModeratorAccount
    csrf_token: str
    created_at: datetime
    expires_at: datetime
