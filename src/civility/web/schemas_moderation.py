"""JSON shapes of the moderator API: the comment with its email (moderators only), the
machine's verdict with per-category scores and reasons, and the append-only decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class SessionOut(BaseModel):
    """A moderator session. Send ``token`` as ``Authorization: Bearer <token>``; a browser
    using the cookie instead sends ``csrf_token`` in the ``X-CSRF-Token`` header."""

    token: str
    csrf_token: str
    moderator: str
    role: str
    expires_in: int


class EvidenceOut(BaseModel):
    start: int
    end: int
    text: str


class ReasonOut(BaseModel):
    category: str
    rule: str = Field(description="the publisher's rule this category serves, in words")
    score: float
    threshold: float
    evidence: list[EvidenceOut]
    note: str | None = None


class VerdictOut(BaseModel):
    decision: str
    scores: dict[str, float | None]
    reasons: list[ReasonOut]
    model: str | None
    policy: str | None


class DecisionOut(BaseModel):
    """One entry of the audit log: who or what decided, when, and why."""

    id: int
    comment_id: int
    decision: str
    actor: str
    created_at: datetime
    reasons: list[dict[str, Any]]
    scores: dict[str, Any]
    model_version: str | None
    policy_version: str | None
    note: str | None
    categories: list[str] | None = None
    overturn: bool | None = None


class ModeratorCommentOut(BaseModel):
    id: int
    article_id: str
    parent_id: int | None
    name: str
    email: str
    text: str
    status: str
    created_at: datetime
    lang: str | None
    version: int | None


class ReportOut(BaseModel):
    """A reader's report (no reader identity is kept beyond a keyed hash of their network)."""

    reason: str
    note: str | None
    status: Literal["open", "handled"]
    created_at: datetime


class QueueItemOut(BaseModel):
    comment: ModeratorCommentOut
    article_title: str
    verdict: VerdictOut | None
    decisions: list[DecisionOut]
    reports: list[ReportOut] = Field(default_factory=list)
    open_reports: int = 0


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    next_cursor: str | None


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000, description="optional, kept in the audit log")
    expected_version: int | None = Field(
        default=None, description="the comment version you saw; a moved version answers 409"
    )
    categories: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None,
        max_length=12,
        description="the publisher's rule(s) a rejection cites (category ids); required to reject, none to approve",
    )


class DecideOut(BaseModel):
    comment_id: int
    status: Literal["approved", "rejected"]
    decision: DecisionOut
