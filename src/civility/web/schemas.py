"""The JSON shapes of the API: separate input and output models, so a public comment has
no email field at all and cannot leak one. Moderator shapes live in ``schemas_moderation``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    """Every error answer: a machine-readable kind, a sentence, and per-field messages on 422."""

    error: str = Field(description="validation | not_found | conflict | rate_limited | forbidden | unauthorized | ...")
    message: str
    fields: dict[str, str] | None = Field(default=None, description="field name -> what is wrong (422 only)")
    retry_after: int | None = Field(default=None, description="seconds to wait (429 only; also the Retry-After header)")


class HealthOut(BaseModel):
    status: Literal["ok"]


# --- articles -------------------------------------------------------------------------


class ArticleRequest(BaseModel):
    """The HTTP body a publisher sends to add an article (POST /api/articles, publisher token);
    validated, it becomes the workflow's ``ArticleIn``."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=200, description="slug; generated when absent")
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=200_000)
    source: str = Field(default="", max_length=200)
    url: str | None = Field(default=None, max_length=2000, description="the article's address on the publisher's site")
    lang: str = Field(default="en", max_length=20)
    published_at: datetime | None = None


class ArticleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    body: str
    source: str
    url: str | None
    lang: str
    published_at: datetime | None


class ArticleSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    source: str
    url: str | None
    lang: str
    published_at: datetime | None


class ArticlePageOut(BaseModel):
    items: list[ArticleSummaryOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


# --- comments -------------------------------------------------------------------------


class CommentIn(BaseModel):
    """A reader's comment. Name and email are required; the email is seen only by moderators."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="shown with the comment")
    email: str = Field(description="required, never shown publicly")
    text: str = Field(description="plain text; never edited after posting")
    parent_id: int | None = Field(default=None, description="the comment this one replies to")


class SubmitOut(BaseModel):
    """The truth about the comment just sent: published (201), held for review (202) or not
    published (200; ``rules`` names the community rules it breaks unless the publisher chose
    ``rejection_detail = none``). ``receipt`` can be passed to GET /api/comments/status later."""

    id: int
    status: Literal["pending", "approved", "rejected"]
    message: str = ""
    rules: list[str] = Field(default_factory=list)
    receipt: str = ""


class PublicCommentOut(BaseModel):
    """A published comment as anyone may see it. There is deliberately no email field, so
    building one from any record (attributes are read by name) can never carry an email."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    article_id: str
    parent_id: int | None
    name: str
    text: str
    created_at: datetime
    lang: str | None


class CommentPageOut(BaseModel):
    items: list[PublicCommentOut]
    next_cursor: str | None = Field(description="pass as ?after= for the next page; null on the last page")
