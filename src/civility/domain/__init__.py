"""Plain data of the comment domain: articles, comments, categories, verdicts. No I/O."""

from civility.domain.categories import CATEGORIES, Category
from civility.domain.inputs import ModerationInput, SubmissionContext
from civility.domain.records import Article, Comment, CommentStatus, DecisionRecord
from civility.domain.verdict import Decision, Evidence, Reason, Verdict

__all__ = [
    "CATEGORIES",
    "Category",
    "ModerationInput",
    "SubmissionContext",
    "Article",
    "Comment",
    "CommentStatus",
    "DecisionRecord",
    "Decision",
    "Evidence",
    "Reason",
    "Verdict",
]
