"""Articles, comments and decisions as plain records (what storage returns, what views show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class CommentStatus(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    source: str = ""
    url: str | None = None
    lang: str = "en"
    published_at: datetime | None = None
    # When it was added, and closed by hand (closing after N days is a setting); not part of equality.
    created_at: datetime | None = field(default=None, compare=False)
    comments_closed_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Comment:
    id: int
    article_id: str
    name: str
    email: str
    text: str
    status: CommentStatus
    created_at: datetime
    parent_id: int | None = None
    lang: str | None = None
    erased: bool = False


@dataclass(frozen=True)
class DecisionRecord:
    """One entry of the append-only audit log."""

    id: int
    comment_id: int
    decision: str  # approve | reject | review | erase
    actor: str  # "machine" or "moderator:<name>"
    created_at: datetime
    reasons: list[dict[str, Any]]
    scores: dict[str, Any]
    model_version: str | None
    policy_version: str | None
    note: str | None = None
    categories: list[str] | None = None  # the rules a human rejection names
    overturn: bool | None = None  # a human decision against the machine's automatic one
