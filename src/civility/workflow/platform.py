"""The Platform facade: the one object the web layer and the CLI talk to. It holds the
database, the job queue, the scorer (engine loaded lazily) and the services, and wires the
events to jobs ("comment.approved" -> a "notify" job in the same transaction)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any, Callable

from civility.domain import Article, CommentStatus, DecisionRecord
from civility.errors import Conflict, NotFound, ValidationError
from civility.jobs.base import Handlers, JobQueue
from civility.jobs.embedded import EmbeddedQueue
from civility.jobs.worker import WorkerThread
from civility.settings import Settings
from civility.storage import migrate as migrations
from civility.storage.clock import utcnow
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import commenters as commenter_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import site as site_repo
from civility.workflow import events as ev
from civility.workflow import publish
from civility.workflow.accounts import Accounts
from civility.workflow.articles import Articles
from civility.workflow.cache import make_cache
from civility.workflow.decide import Decider
from civility.workflow.learning import LEARN_JOB, Learner
from civility.workflow.notify import PublishedNotifier
from civility.workflow.policy_overrides import validate_overrides
from civility.workflow.privacy import RETENTION_JOB, Privacy
from civility.workflow.publish import NOTIFY_JOB, PublicComments
from civility.workflow.ratelimit import address_bucket, hashed_key, make_rate_limiter
from civility.workflow.reports import Reports
from civility.workflow.review import ReviewQueue
from civility.workflow.scoring import Scorer
from civility.workflow.submit import SCORE_JOB, Submitter, comments_closed
from civility.workflow.types import (
    ArticleIn,
    ModeratorAccount,
    Outcome,
    Page,
    PublicComment,
    QueueItem,
    Session,
    SubmitResult,
    ThreadEntry,
)
from civility.workflow.webhooks import Webhooks

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 3600  # the retention job: once an hour across all workers
Notifier = Callable[[dict[str, Any]], None]


def make_queue(settings: Settings, db: Database, handlers: Handlers) -> JobQueue:
    """The configured JobQueue: the embedded one, or procrastinate on PostgreSQL."""
    if settings.queue == "procrastinate":
        from civility.jobs.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue(settings.database_url, handlers)
    return EmbeddedQueue(db, handlers)


class Platform:
    def __init__(self, settings: Settings, db: Database, queue: JobQueue | None = None, *, password_hasher: Any = None):
        self.settings = settings
        self.db = db
        self.events = ev.Events()
        self.handlers = Handlers()
        self.queue: JobQueue = queue if queue is not None else make_queue(settings, db, self.handlers)
        self.notifiers: list[Notifier] = []
        self.limiter = make_rate_limiter(settings.redis_url)
        self.cache = make_cache(settings.redis_url)  # public pages in Redis, dropped on approval
        self.articles = Articles(db)
        self.public = PublicComments(db, self.cache, settings.page_size)
        self.review = ReviewQueue(db)
        self.accounts = Accounts(db, settings, password_hasher)
        self.decider = Decider(db, self.events)
        self.scorer = Scorer(db, settings, self.events)
        self.submitter = Submitter(db, settings, self.queue, self.events, self.limiter, settle=self._settle)
        self.reports = Reports(db, settings, self.events, self.limiter)
        self.learner = Learner(db, settings, self.scorer, self.queue)
        self._worker: WorkerThread | None = None

        # Export/erasure by mailed link and address retention (workflow/privacy.py).
        self.privacy = Privacy(db, settings, self.queue, self.decider, self.limiter)
        self.privacy.register(self.handlers)
        self.notifiers.append(PublishedNotifier(db, settings))
        self.handlers.register(SCORE_JOB, self.scorer.handle_batch, batch=True)
        self.handlers.register(NOTIFY_JOB, self._notify)
        # approval -> notify job (same transaction), cached pages dropped, worker woken
        publish.wire(self.events, self.queue, self.cache)
        self.webhooks = Webhooks(db, settings, self.queue)
        self.webhooks.register(self.events, self.handlers)
        # Retention (addresses, sessions, privacy links, old jobs): a periodic job of the queue
        # itself, so it runs once per period whichever and however many workers there are.
        self.handlers.register(RETENTION_JOB, self.maintain)
        self.queue.every(RETENTION_JOB, MAINTENANCE_INTERVAL_S)
        self.handlers.register(LEARN_JOB, self.learner.handle_job)
        for name in (ev.COMMENT_APPROVED, ev.COMMENT_REJECTED):
            self.events.subscribe_after_commit(name, self._after_decision)
        self.events.subscribe_after_commit(ev.COMMENT_ERASED, self.learner.forget)

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
        self.queue.retry_failed([f"score:{cid}" for cid in ids])
        with self.db.write() as conn:
            for cid in ids:
                self.queue.enqueue_in(conn, SCORE_JOB, {"comment_id": cid}, key=f"score:{cid}")
        self.queue.wake()
        return len(ids)

    def start_worker(self, *, poll_interval: float = 1.0) -> WorkerThread:
        """The in-process worker thread (embedded setup only); recovers crashed jobs before its
        first run."""
        if not isinstance(self.queue, EmbeddedQueue):
            raise TypeError("the in-process worker thread runs the embedded queue; run `civility worker`")
        if self._worker is None or not self._worker.alive:
            self.recover()
            # The engine is loaded in the worker thread before its first job (not in the web
            # start-up, and not on the first comment's clock).
            self._worker = WorkerThread(self.queue, poll_interval=poll_interval, on_start=self.scorer.moderator).start()
        return self._worker

    def run_worker_forever(self, *, poll_interval: float = 1.0) -> None:
        """`civility worker`: recover, then run jobs in this thread until interrupted."""
        self.recover()
        self.queue.run_worker(on_start=self.scorer.moderator, poll_interval=poll_interval)

    def maintain(self, payload: dict[str, Any] | None = None) -> dict[str, int]:
        """The periodic retention job (hourly, one run per hour across all workers): forget
        commenters' network addresses older than ``ip_retention_days``, drop expired sessions
        and privacy links, and finished jobs past the queue's keeping time; queue the nightly learning run."""
        self.learner.schedule_nightly()
        return {
            "addresses_purged": self.purge_addresses(),
            "sessions_deleted": self.accounts.purge_expired_sessions(),
            "privacy_links_deleted": self.privacy.purge_expired_links(),
            "jobs_pruned": self.queue.prune(),
        }

    def stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def close(self) -> None:
        self.stop_worker()
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
    def submit_comment(
        self,
        article_id: str,
        name: str,
        email: str,
        text: str,
        *,
        ip: str | None,
        idempotency_key: str | None = None,
        parent_id: int | None = None,
    ) -> SubmitResult:
        return self.submitter.submit(
            article_id, name, email, text, ip=ip, idempotency_key=idempotency_key, parent_id=parent_id
        )

    def public_comments(
        self, article_id: str, *, after: str | None = None, limit: int | None = None, newest_first: bool = False
    ) -> Page[PublicComment]:
        """Approved comments, oldest first (cached) or newest first (feeds): see PublicComments."""
        return self.public.page(article_id, after=after, limit=limit, newest_first=newest_first)

    def public_threads(
        self, article_id: str, *, after: str | None = None, limit: int | None = None
    ) -> Page[list[ThreadEntry]]:
        """The discussion as threads (the article page and the embed): see Reader.public_threads."""
        return self.public.threads(article_id, after=after, limit=limit)

    def commenter_history(self, email: str, *, limit: int = 50) -> dict:
        """Moderators only: a commenter's comments per status, rejection rate, latest comments."""
        return self.review.commenter(email, limit=limit)

    def ban(self, email: str, reason: str, *, actor: str, days: int | None = None) -> dict:
        """Ban an address (moderators): its new comments are held or rejected (``banned_comments``)
        until ``days`` have passed (None: until lifted). The reason is required and kept."""
        email = (email or "").strip()
        reason = (reason or "").strip()
        errors_: dict[str, str] = {}
        if not email or "@" not in email or len(email) > 254:
            errors_["email"] = "an email address"
        if not reason or len(reason) > 1000:
            errors_["reason"] = "Say why (at most 1000 characters)."
        if days is not None and not 1 <= days <= 3650:
            errors_["days"] = "1 to 3650 days, or empty for no end"
        if errors_:
            raise ValidationError(errors_)
        now = utcnow()
        with self.db.write() as conn:
            commenter_repo.add_ban(
                conn,
                email=email,
                reason=reason,
                actor=actor,
                at=now,
                expires_at=now + timedelta(days=days) if days else None,
            )
            return commenter_repo.active_ban(conn, email, now=now)

    def lift_ban(self, email: str) -> int:
        with self.db.write() as conn:
            return commenter_repo.lift_bans(conn, email, at=utcnow())

    def active_ban(self, email: str) -> dict | None:
        with self.db.read() as conn:
            return commenter_repo.active_ban(conn, email, now=utcnow())

    def stats(self, days: int = 30) -> dict:
        """The moderators' stats page numbers (workflow/stats.py)."""
        from civility.workflow import stats

        return stats.compute(self.db, days=max(1, min(int(days), 365)))

    def submission_outcome(self, comment_id: int) -> Outcome:
        """Published, held or not published (with the rules broken): what the poster is told."""
        return self.review.outcome(comment_id)

    def _settle(self, comment_id: int) -> Outcome:
        """Called by the submitter after the commit: within ``submit_wait_ms``, get the machine's
        verdict so the first answer is already the truth. The comment is scored right here when this
        process has the engine loaded (the queued job then finds it done); when only a local worker
        has it, the answer waits for that worker. Otherwise (hold mode, separate workers) it is
        "held" now, and the page's receipt shows the truth on reload."""
        budget = self.settings.submit_wait_ms / 1000.0
        if budget <= 0 or self.settings.moderation != "auto":
            return self.review.outcome(comment_id)  # a ban or trust rule may have decided already
        try:
            if self.scorer.ready():
                self.scorer.score_many([comment_id])
            elif self._worker is not None and self._worker.alive:
                deadline = time.monotonic() + budget
                while time.monotonic() < deadline:
                    with self.db.read() as conn:
                        if decision_repo.has_machine_decision(conn, comment_id):
                            break
                    time.sleep(0.05)
            return self.review.outcome(comment_id)
        except Exception:  # the comment is stored and its job queued: never fail the answer
            log.exception("could not settle comment %s inline; answering held", comment_id)
            return Outcome(status=CommentStatus.PENDING)

    def report_comment(self, comment_id: int, reason: str, note: str | None = None, *, ip: str | None) -> bool:
        """A reader's report; True when it sent the comment back to the review queue."""
        return self.reports.report(comment_id, reason, note, ip=ip)

    def count_public_request(self, kind: str, ip: str | None, *, limit: int, message: str) -> None:
        """Rate-limit a public endpoint per network address (raises RateLimited over ``limit``/hour)."""
        key = hashed_key(self.settings.secret_key, f"{kind}-ip", address_bucket(ip) if ip else "unknown")
        with self.db.write() as conn:
            self.limiter.hit(conn, key, limit=limit, window=timedelta(hours=1), message=message)

    def comments_open(self, article: Article) -> bool:
        return not comments_closed(article, self.settings)

    def close_comments(self, article_id: str, closed: bool = True) -> Article:
        """Close (or reopen) an article's comments by hand."""
        with self.db.write() as conn:
            if not article_repo.set_closed(conn, article_id, utcnow() if closed else None):
                raise NotFound(f"article {article_id!r} does not exist")
        return self.get_article(article_id)

    def approved_counts(self, article_ids: list[str]) -> dict[str, int]:
        with self.db.read() as conn:
            return comment_repo.approved_counts(conn, article_ids)

    def review_queue(
        self,
        *,
        status: str = "pending",
        article_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
        sort: str | None = None,
        category: str | None = None,
        lang: str | None = None,
        email: str | None = None,
        q: str | None = None,
    ) -> Page[QueueItem]:
        return self.review.review_queue(
            status=status,
            article_id=article_id,
            after=after,
            limit=limit,
            sort=sort,
            category=category,
            lang=lang,
            email=email,
            q=q,
        )

    def bulk_decide(
        self,
        comment_ids: list[int],
        decision: str,
        *,
        actor: str,
        reason: str | None = None,
        categories: list[str] | None = None,
    ) -> dict[str, list[int]]:
        """Decide several pending comments (each its own audit row); those decided meanwhile by
        someone else are skipped and named. Returns {"done": [...], "skipped": [...]}."""
        done, skipped = [], []
        for cid in dict.fromkeys(comment_ids):
            try:
                self.decider.decide(cid, decision, actor=actor, reason=reason, categories=categories)
                done.append(cid)
            except (Conflict, NotFound):
                skipped.append(cid)
        return {"done": done, "skipped": skipped}

    def undo_decisions(self, comment_ids: list[int], *, actor: str) -> dict[str, list[int]]:
        """Take back one's own recent decisions (within decide.UNDO_WINDOW_S): back to the queue."""
        done, skipped = [], []
        for cid in dict.fromkeys(comment_ids):
            try:
                self.decider.undo(cid, actor=actor)
                done.append(cid)
            except (Conflict, NotFound):
                skipped.append(cid)
        return {"done": done, "skipped": skipped}

    def queue_item(self, comment_id: int) -> QueueItem:
        return self.review.queue_item(comment_id)

    def approved_count(self, article_id: str) -> int:
        return self.public.approved_count(article_id)

    def comment_counts(self, article_id: str | None = None) -> dict[str, int]:
        return self.review.counts(article_id)

    def decide(
        self,
        comment_id: int,
        decision: str,
        *,
        actor: str,
        reason: str | None = None,
        expected_version: int | None = None,
        categories: list[str] | None = None,
    ) -> DecisionRecord:
        """A moderator's decision; a rejection names the rule(s) broken (``categories``)."""
        return self.decider.decide(
            comment_id, decision, actor=actor, reason=reason, expected_version=expected_version, categories=categories
        )

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

    # -- learning from the site's decisions ------------------------------------------------------
    def _after_decision(self, payload: dict[str, Any]) -> None:
        if payload.get("actor") not in (None, "machine"):
            try:
                if self.learner.maybe_schedule(payload):
                    self.queue.wake()
            except Exception:  # scheduling must never undo or fail a moderator's decision
                log.exception("could not schedule a learning run")

    def learn(self) -> dict[str, Any]:
        """One learning run now (the CLI; the worker runs the same as a job)."""
        return self.learner.run()

    def rollback_site_model(self) -> tuple[int | None, int | None]:
        return self.learner.rollback()

    # -- notifications (only after approval) -----------------------------------------------------
    def _notify(self, payload: dict[str, Any]) -> None:
        for notifier in self.notifiers:
            notifier(payload)
