"""Named lifecycle events ("comment.saved", "comment.approved", "comment.rejected", "comment.erased",
"comment.withdrawn", "comment.requeued", "comment.reported").

Two kinds of subscribers: transactional ones run inside the transaction that caused the event
(so a notification job commits together with the approval, or not at all); after-commit ones
run once the data is durable (cache invalidation, waking a worker)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy import Connection

log = logging.getLogger(__name__)

COMMENT_SAVED = "comment.saved"
COMMENT_APPROVED = "comment.approved"
COMMENT_REJECTED = "comment.rejected"
COMMENT_ERASED = "comment.erased"
COMMENT_WITHDRAWN = "comment.withdrawn"  # a published comment taken down by a moderator
COMMENT_REQUEUED = "comment.requeued"  # a published comment back in the queue after readers' reports
COMMENT_REPORTED = "comment.reported"
NAMES = (
    COMMENT_SAVED,
    COMMENT_APPROVED,
    COMMENT_REJECTED,
    COMMENT_ERASED,
    COMMENT_WITHDRAWN,
    COMMENT_REQUEUED,
    COMMENT_REPORTED,
)

InTransaction = Callable[[Connection, dict[str, Any]], None]
AfterCommit = Callable[[dict[str, Any]], None]


class Events:
    def __init__(self) -> None:
        self._in_tx: dict[str, list[InTransaction]] = {n: [] for n in NAMES}
        self._after: dict[str, list[AfterCommit]] = {n: [] for n in NAMES}

    def subscribe(self, name: str, func: InTransaction) -> None:
        """``func(conn, payload)`` runs inside the publishing transaction; an error aborts it."""
        self._check(name)
        self._in_tx[name].append(func)

    def subscribe_after_commit(self, name: str, func: AfterCommit) -> None:
        """``func(payload)`` runs after the commit; its errors are logged, never raised."""
        self._check(name)
        self._after[name].append(func)

    def publish(self, conn: Connection, name: str, payload: dict[str, Any]) -> None:
        self._check(name)
        for func in self._in_tx[name]:
            func(conn, payload)

    def committed(self, name: str, payload: dict[str, Any]) -> None:
        for func in self._after.get(name, []):
            try:
                func(payload)
            except Exception:  # the data is already durable; a failing listener must not undo the answer
                log.exception("after-commit subscriber of %s failed", name)

    @staticmethod
    def _check(name: str) -> None:
        if name not in NAMES:
            raise ValueError(f"unknown event {name!r}; known: {', '.join(NAMES)}")
