"""What the moderation engine is given for one comment: its text, its article, and context
the storage side measured (repeats, posting velocity). Plain data; the engine stays pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from civility.domain.records import Article


@dataclass(frozen=True)
class SubmissionContext:
    """Facts about the submission that only storage can know, measured before scoring.

    - ``near_duplicates``: earlier comments (any article, any commenter) whose normalised
      text is the same or nearly the same, as ``(comment_id, similarity)`` pairs.
    - ``posts_by_email_last_hour`` / ``posts_by_ip_last_hour``: posting velocity.
    """

    near_duplicates: tuple[tuple[int, float], ...] = ()
    posts_by_email_last_hour: int = 0
    posts_by_ip_last_hour: int = 0


@dataclass(frozen=True)
class ModerationInput:
    text: str
    id: str | int | None = None
    article: Article | None = None
    parent_text: str | None = None
    lang: str | None = None
    context: SubmissionContext = field(default_factory=SubmissionContext)
