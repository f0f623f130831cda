"""The embedded queue's worker loop: a thread inside `serve` (embedded setup) or the main loop of
`civility worker`. Platform.recover() re-queues crashed jobs once before it starts; it then runs
due jobs (periodic ones included: the queue queues them, see EmbeddedQueue.every) until stopped."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from civility.jobs.embedded import EmbeddedQueue

log = logging.getLogger(__name__)


class WorkerThread:
    def __init__(
        self,
        queue: "EmbeddedQueue",
        *,
        batch: int = 32,
        poll_interval: float = 1.0,
        on_start: Callable[[], object] | None = None,
    ):
        self.queue = queue
        self.batch = batch
        self.poll_interval = poll_interval
        self.on_start = on_start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "WorkerThread":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run_forever, name="civility-worker", daemon=True)
            self._thread.start()
        return self

    def run_forever(self) -> None:
        if self.on_start is not None:
            try:
                self.on_start()
            except Exception:  # warm-up only: the jobs still run (and report their own errors)
                log.exception("worker start-up hook failed")
        while not self._stop.is_set():
            try:
                ran = self.queue.run_pending(self.batch)
            except Exception:  # the database may be briefly unavailable; keep the loop alive
                log.exception("worker loop error")
                ran = 0
            if ran == 0:
                self.queue.wait_for_work(self.poll_interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.queue.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
