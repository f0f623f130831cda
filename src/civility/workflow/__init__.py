"""Workflow: submit -> store -> score -> decide, as services the web layer calls through the
Platform facade (platform.py). No web code here; storage and jobs are reached through small interfaces."""

from civility.workflow.platform import Platform
from civility.workflow.types import ArticleIn, ModeratorAccount, Page, PublicComment, QueueItem, Session, SubmitResult

__all__ = ["Platform", "ArticleIn", "ModeratorAccount", "Page", "PublicComment", "QueueItem", "Session", "SubmitResult"]
