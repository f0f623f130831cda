"""The queue interface every backend implements, and the registry of job handlers by name.

Handlers must be idempotent: a job may run more than once (a worker died after the work but
before marking it done). A batch handler receives the payloads of several jobs of its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable


@runtime_checkable
class JobQueue(Protocol):
    def enqueue(self, kind: str, payload: dict, *, key: str | None = None) -> None:
        """Store a job durably; a second enqueue with the same ``key`` is a no-op."""

    def run_pending(self, limit: int = 100) -> int:
        """Run up to ``limit`` due jobs now, in this thread; return how many were run."""


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
