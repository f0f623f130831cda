"""The Platform facade: the one object the web layer and the CLI talk to. It holds the
database, the job queue, the scorer (engine loaded lazily) and the services, and wires the
events to jobs ("comment.approved" -> a "notify" job in the same transaction)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from civility.domain import Article, DecisionRecord
from civility.jobs.base import Handlers
from civility.jobs.embedded import EmbeddedQueue
from civility.jobs.worker import WorkerThread
from civility.settings import Settings
from civility.storage import migrate as migrations
from civility.storage.engine import Database
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import site as site_repo
from civility.workflow import events as ev
from civility.workflow import publish
from civility.workflow.accounts import Accounts
from civility.workflow.articles import Articles
from civility.workflow.cache import make_cache
from civility.workflow.decide import Decider
from civility.workflow.notify import PublishedNotifier
from civility.workflow.policy_overrides import validate_overrides
from civility.workflow.privacy import Privacy
from civility.workflow.publish import NOTIFY_JOB, PublicComments
from civility.workflow.ratelimit import make_rate_limiter
from civility.workflow.review import ReviewQueue
from civility.workflow.scoring import Scorer
from civility.workflow.submit import SCORE_JOB, Submitter
from civility.workflow.types import ArticleIn, ModeratorAccount, Page, PublicComment, QueueItem, Session, SubmitResult

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 3600.0
Notifier = Callable[[dict[str, Any]], None]


def make_queue(settings: Settings, db: Database, handlers: Handlers) -> Any:
    """The configured JobQueue: the embedded one, or procrastinate on PostgreSQL."""
    if settings.queue == "procrastinate":
        from civility.jobs.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue(settings.database_url, handlers)
    return EmbeddedQueue(db, handlers)


class Platform:
    def __init__(self, settings: Settings, db: Database, queue: Any = None, *, password_hasher: Any = None):
        self.settings = settings
        self.db = db
        self.events = ev.Events()
        self.handlers = Handlers()
        self.queue = queue if queue is not None else make_queue(settings, db, self.handlers)
        self.notifiers: list[Notifier] = []
        self.limiter = make_rate_limiter(settings.redis_url)
        self.cache = make_cache(settings.redis_url)  # public pages in Redis, dropped on approval
        self.articles = Articles(db)
        self.public = PublicComments(db, self.cache, settings.page_size)
        self.review = ReviewQueue(db)
        self.accounts = Accounts(db, settings, password_hasher)
        self.decider = Decider(db, self.events)
        self.scorer = Scorer(db, settings, self.events)
        self.submitter = Submitter(db, settings, self.queue, self.events, self.limiter)
        self._worker: WorkerThread | None = None

        # Export/erasure by mailed link and address retention (workflow/privacy.py).
        self.privacy = Privacy(db, settings, self.queue, self.decider, self.limiter)
        self.privacy.register(self.handlers)
        self.notifiers.append(PublishedNotifier(db, settings))
        self.handlers.register(SCORE_JOB, self.scorer.handle_batch, batch=True)
        self.handlers.register(NOTIFY_JOB, self._notify)
        # approval -> notify job (same transaction), cached pages dropped, worker woken
        publish.wire(self.events, self.queue, self.cache)

    @classmethod
    def from_settings(cls, settings: Settings, *, password_hasher: Any = None) -> "Platform":
        """Connect to the configured database. Does NOT migrate: call ``migrate()`` (serve does).
        ``password_hasher``: an argon2 PasswordHasher with other parameters (default: argon2-cffi's)."""
        db = Database.from_url(settings.database_url, synchronous=settings.sqlite_synchronous)
        return cls(settings, db, password_hasher=password_hasher)

    # -- lifecycle -------------------------------------------------------------------------------
    def migrate(self) -> str | None:
        return migrations.upgrade(self.db.engine)

    def schema_is_current(self) -> bool:
        return migrations.is_current(self.db.engine)

    def recover(self) -> int:
        """Start-up recovery: re-queue jobs of dead workers and re-create score jobs for pending
        comments that have none (the database is the source of truth). Returns jobs re-queued."""
        requeued = self.queue.recover()
        with self.db.write() as conn:
            for comment_id in comment_repo.pending_without_machine_decision(conn):
                self.queue.enqueue_in(conn, SCORE_JOB, {"comment_id": comment_id}, key=f"score:{comment_id}")
        return requeued

    def requeue_pending(self) -> int:
        """Operator's retry: every pending comment without a machine verdict gets a runnable score
        job again, also when its last one failed for good. Returns how many comments that covers."""
        with self.db.read() as conn:
            ids = comment_repo.pending_without_machine_decision(conn, limit=100_000)
        if hasattr(self.queue, "retry_failed"):
            self.queue.retry_failed([f"score:{cid}" for cid in ids])
        with self.db.write() as conn:
            for cid in ids:
                self.queue.enqueue_in(conn, SCORE_JOB, {"comment_id": cid}, key=f"score:{cid}")
        self.queue.wake()
        return len(ids)

    def start_worker(self, *, poll_interval: float = 1.0) -> WorkerThread:
        """The in-process worker thread (embedded setup); recovers crashed jobs before its first run."""
        if self._worker is None or not self._worker.alive:
            self.recover()
            # The engine is loaded in the worker thread before its first job (not in the web
            # start-up, and not on the first comment's clock).
            self._worker = WorkerThread(self.queue, poll_interval=poll_interval, on_start=self.scorer.moderator,
                                        periodic=[(MAINTENANCE_INTERVAL_S, self.maintain)]).start()
        return self._worker

    def run_worker_forever(self, *, poll_interval: float = 1.0) -> None:
        """`civility worker`: recover, then run jobs in this thread until interrupted."""
        if hasattr(self.queue, "run_worker"):
            self.recover()
            self.queue.run_worker()
            return
        self.recover()
        WorkerThread(self.queue, poll_interval=poll_interval, on_start=self.scorer.moderator,
                     periodic=[(MAINTENANCE_INTERVAL_S, self.maintain)]).run_forever()

    def maintain(self) -> dict[str, int]:
        """Run hourly by the worker loop: queue the day's retention job (commenters' addresses
        older than ``ip_retention_days``; one per day by its dedupe key), drop expired sessions
        and finished jobs older than a week."""
        self.privacy.schedule_retention()
        out = {"sessions_deleted": self.accounts.purge_expired_sessions()}
        if hasattr(self.queue, "prune"):
            out["jobs_pruned"] = self.queue.prune()
        return out

    def stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def close(self) -> None:
        self.stop_worker()
        if hasattr(self.queue, "close"):
            self.queue.close()
        if hasattr(self.cache, "close"):
            self.cache.close()
        if hasattr(self.limiter, "close"):
            self.limiter.close()
        self.db.dispose()

    def run_pending_jobs(self, limit: int = 100) -> int:
        return self.queue.run_pending(limit)

    # -- articles --------------------------------------------------------------------------------
    def list_articles(self, limit: int = 20, cursor: str | None = None) -> Page[Article]:
        return self.articles.list_articles(limit, cursor)

    def get_article(self, article_id: str) -> Article:
        return self.articles.get_article(article_id)

    def add_article(self, data: ArticleIn) -> Article:
        return self.articles.add_article(data)

    def find_by_url(self, url: str) -> Article | None:
        return self.articles.find_by_url(url)

    def set_article_policy(self, article_id: str, overrides: dict | None) -> None:
        """Per-article policy overrides: ``{"hold_all": bool, "thresholds": {category: {approve_below, reject_above}}}``."""
        validate_overrides(overrides, name="article")
        self.articles.set_policy_overrides(article_id, overrides)

    def site_policy(self) -> dict | None:
        with self.db.read() as conn:
            return site_repo.get(conn, site_repo.POLICY_KEY)

    def set_site_policy(self, overrides: dict | None) -> None:
        """Site-wide policy overrides (same shape as per-article ones, which win over them)."""
        validate_overrides(overrides, name="site")
        with self.db.write() as conn:
            site_repo.put(conn, site_repo.POLICY_KEY, overrides or {})

    # -- comments --------------------------------------------------------------------------------
    def submit_comment(self, article_id: str, name: str, email: str, text: str, *, ip: str | None,
                       idempotency_key: str | None = None, parent_id: int | None = None) -> SubmitResult:
        return self.submitter.submit(article_id, name, email, text, ip=ip, idempotency_key=idempotency_key,
                                     parent_id=parent_id)

    def public_comments(self, article_id: str, *, after: str | None = None,
                        limit: int | None = None, newest_first: bool = False) -> Page[PublicComment]:
        """Approved comments, oldest first (cached) or newest first (feeds): see PublicComments."""
        return self.public.page(article_id, after=after, limit=limit, newest_first=newest_first)

    def review_queue(self, *, status: str = "pending", article_id: str | None = None, after: str | None = None,
                     limit: int = 50, lang: str | None = None) -> Page[QueueItem]:
        return self.review.review_queue(status=status, article_id=article_id, after=after, limit=limit, lang=lang)

    def queue_item(self, comment_id: int) -> QueueItem:
        return self.review.queue_item(comment_id)

    def approved_count(self, article_id: str) -> int:
        return self.public.approved_count(article_id)

    def comment_counts(self, article_id: str | None = None) -> dict[str, int]:
        return self.review.counts(article_id)

    def decide(self, comment_id: int, decision: str, *, actor: str, reason: str | None = None,
               expected_version: int | None = None) -> DecisionRecord:
        return self.decider.decide(comment_id, decision, actor=actor, reason=reason, expected_version=expected_version)

    def comment_history(self, comment_id: int) -> list[DecisionRecord]:
        return self.decider.history(comment_id)

    def erase_comment(self, comment_id: int, *, actor: str) -> DecisionRecord:
        return self.decider.erase(comment_id, actor=actor)

    def purge_addresses(self, days: int | None = None) -> int:
        return self.decider.purge_addresses(days=self.settings.ip_retention_days if days is None else days)

    # -- moderators and sessions -----------------------------------------------------------------
    def add_moderator(self, name: str, password: str, role: str = "moderator") -> ModeratorAccount:
        return self.accounts.add_moderator(name, password, role)

    def authenticate(self, name: str, password: str, ip: str | None = None) -> ModeratorAccount | None:
        return self.accounts.authenticate(name, password, ip)

    def list_moderators(self) -> list[ModeratorAccount]:
        return self.accounts.list_moderators()

    def create_session(self, moderator_id: int) -> tuple[str, str]:
        return self.accounts.create_session(moderator_id)

    def get_session(self, token: str | None) -> Session | None:
        return self.accounts.get_session(token)

    def delete_session(self, token: str | None) -> None:
        self.accounts.delete_session(token)

    # -- notifications (only after approval) -----------------------------------------------------
    def _notify(self, payload: dict[str, Any]) -> None:
        for notifier in self.notifiers:
            notifier(payload)
