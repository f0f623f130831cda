"""The queue interface every backend implements (`JobQueue`), and the registry of job handlers
by name. The workflow talks to a queue only through this protocol; the two implementations are
jobs/embedded.py (the jobs table of the application's database) and jobs/procrastinate_queue.py
(procrastinate on PostgreSQL). tests/scale/test_queue_contract.py runs one suite against both.

Handlers must be idempotent: a job may run more than once (a worker died after the work but
before marking it done). A batch handler receives the payloads of several jobs of its kind.
Payloads are small JSON objects of ids, never personal data: job arguments end up in worker
logs and in the queue's own tables, which an erasure does not search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from sqlalchemy import Connection

Payload = dict[str, Any]


@runtime_checkable
class JobQueue(Protocol):
    handlers: "Handlers"

    def enqueue(self, kind: str, payload: Payload, *, key: str | None = None) -> None:
        """Store a job durably now; a second enqueue with the same ``key`` while the first
        waits is a no-op."""

    def enqueue_in(self, conn: Connection, kind: str, payload: Payload, *, key: str | None = None) -> None:
        """Enqueue inside the caller's transaction: the job commits (or not) with the data it is
        about. A duplicate ``key`` neither raises nor aborts the caller's transaction."""

    def wake(self) -> None:
        """Tell a waiting worker of this process that there is new work (no-op where workers
        hear of it otherwise)."""

    def every(self, kind: str, seconds: int) -> None:
        """Run a job of ``kind`` once per period of ``seconds`` (aligned on the epoch) across all
        workers of the deployment, the current period's as soon as a worker runs. The handler
        gets ``{"period": <start of the period, epoch seconds>}``."""

    def run_pending(self, limit: int = 100) -> int:
        """Run up to ``limit`` due jobs now, in this thread; return how many were run."""

    def run_worker(self, *, on_start: Callable[[], object] | None = None, poll_interval: float = 1.0) -> None:
        """Run jobs in the foreground until the process is stopped (``civility worker``)."""

    def recover(self) -> int:
        """Put jobs left running by dead workers back in the queue; return how many."""

    def retry_failed(self, keys: Sequence[str]) -> int:
        """Give failed jobs with these keys a fresh set of attempts (an operator's retry)."""

    def prune(self, *, older_than: timedelta | None = None) -> int:
        """Forget finished jobs older than ``older_than`` (the queue's own default when None)."""

    def counts(self) -> dict[str, int]:
        """Jobs by state: ``queued``, ``running``, ``done``, ``failed``."""

    def close(self) -> None:
        """Release connections and pools this process opened."""


@dataclass(frozen=True)
class Handler:
    kind: str
    func: Callable[..., Any]
    batch: bool = False


class Handlers:
    """kind -> handler. ``register(kind, func)`` for one payload per call,
    ``register(kind, func, batch=True)`` for a list of payloads per call."""

    def __init__(self) -> None:
        self._by_kind: dict[str, Handler] = {}

    def register(self, kind: str, func: Callable[..., Any], *, batch: bool = False) -> None:
        self._by_kind[kind] = Handler(kind, func, batch)

    def get(self, kind: str) -> Handler | None:
        return self._by_kind.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def __contains__(self, kind: str) -> bool:
        return kind in self._by_kind
