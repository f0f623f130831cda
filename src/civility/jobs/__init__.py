"""Durable background work behind one interface (base.JobQueue): the embedded queue on the jobs
table with an in-process worker thread by default, or procrastinate on PostgreSQL
(jobs/procrastinate_queue.py, imported only when configured)."""

from civility.jobs.base import Handlers, JobQueue
from civility.jobs.embedded import EmbeddedQueue
from civility.jobs.worker import WorkerThread

__all__ = ["Handlers", "JobQueue", "EmbeddedQueue", "WorkerThread"]
