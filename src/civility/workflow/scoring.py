"""The "score_comment" job: build the engine's input (article, parent, near duplicates, posting
velocity), get a verdict (or apply the hold-everything policy when no engine is configured),
append it to the audit log and apply it. Idempotent: an already-scored or already-decided
comment is left alone. The engine is loaded once per process, lazily, under a lock."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any, Sequence
from urllib.parse import urlsplit

from civility.domain import CATEGORIES, CommentStatus, Decision, ModerationInput, SubmissionContext, Verdict
from civility.moderation import neardup
from civility.settings import Settings
from civility.storage.clock import as_utc
from civility.storage.engine import Database
from civility.storage.repos import articles as article_repo
from civility.storage.repos import comments as comment_repo
from civility.storage.repos import decisions as decision_repo
from civility.storage.repos import neardup as neardup_repo
from civility.storage.repos import site as site_repo
from civility.workflow import events as ev
from civility.workflow import publish
from civility.workflow.policy_overrides import PolicyResolver

log = logging.getLogger(__name__)

MACHINE = "machine"
HOLD_ALL_POLICY = "hold-all@1"
HOLD_ALL_NOTE = "hold-all policy"
LOAD_RETRY_S = 300.0  # after a failed engine load, comments are held and the load retried this often


def hold_all_verdict(note: str = HOLD_ALL_NOTE) -> Verdict:
    return Verdict(
        decision=Decision.REVIEW,
        scores={c: None for c in CATEGORIES},
        reasons=(),
        model="none",
        policy=HOLD_ALL_POLICY,
        notes=(note,),
    )


class Scorer:
    def __init__(self, db: Database, settings: Settings, events: ev.Events):
        self.db = db
        self.settings = settings
        self.events = events
        self._lock = threading.Lock()
        self._moderator: Any = None
        self._moderator_loaded = False
        self._load_error: str | None = None
        self._loaded_at = 0.0
        self._policies = PolicyResolver(None)
        self._site: Any = None  # the active site model (moderation/site_model.py), or None
        self._site_version: int | None = None
        self._site_checked = -1e9

    # -- the engine ----------------------------------------------------------------------------
    def moderator(self) -> Any | None:
        """The engine, loaded on first use and kept for the life of the process (None: hold all)."""
        if self._moderator_loaded and not self._retry_due():
            return self._moderator
        with self._lock:
            if not self._moderator_loaded or self._retry_due():
                self._load_error = None
                self._moderator = self._load()
                self._moderator_loaded = True
                self._loaded_at = time.monotonic()
        return self._moderator

    def ready(self) -> bool:
        """True when this process has the engine loaded (scoring one comment is then quick)."""
        return self._moderator_loaded and self._moderator is not None and not self._retry_due()

    def use_engine(self, moderator: Any) -> None:
        """Score with this already-loaded engine (a test double, or one shared by a benchmark)."""
        with self._lock:
            self._moderator, self._moderator_loaded, self._load_error = moderator, True, None
            self._policies = PolicyResolver(moderator)

    def _retry_due(self) -> bool:
        """A failed load is tried again after a while (e.g. the artifact was built meanwhile)."""
        return self._load_error is not None and time.monotonic() - self._loaded_at > LOAD_RETRY_S

    def _load(self) -> Any | None:
        if self.settings.moderation != "auto":
            return None
        try:
            from civility.moderation.pipeline import ModerationEngine  # numpy/scipy: loaded by the worker only

            relevance: Any = "auto" if self.settings.relevance == "auto" else None
            moderator = ModerationEngine.load(
                self.settings.model_dir or None, relevance=relevance, link_allowlist=self._allowlist()
            )
            self._policies = PolicyResolver(moderator)
            return moderator
        except Exception as exc:  # a broken artifact must not lose comments: they are held for review
            self._load_error = f"moderation engine unavailable ({type(exc).__name__}: {exc}); held for review"
            log.error("%s", self._load_error)
            return None

    # -- the site model ------------------------------------------------------------------------
    def site_model(self) -> Any | None:
        """The promoted site model, re-checked in the database every ``site_model_check_s``
        seconds: a model promoted by any process is used here without a restart."""
        now = time.monotonic()
        if now - self._site_checked < self.settings.site_model_check_s:
            return self._site
        from civility.storage.repos import learning as learning_repo

        with self.db.read() as conn:
            version = learning_repo.active_version(conn)
            row = learning_repo.get(conn, version) if version is not None and version != self._site_version else None
        with self._lock:
            self._site_checked = now
            if version is None:
                self._site, self._site_version = None, None
            elif row is not None:
                self._site, self._site_version = self._load_site(row), version
        return self._site

    def _load_site(self, row: Any) -> Any | None:
        from civility.errors import ModelError
        from civility.moderation.site_model import SiteModel

        moderator = self.moderator()
        try:
            site = SiteModel.from_dict(row.artifact)
            if moderator is not None:
                site.check_base(moderator.model_version)
            return site
        except ModelError as exc:  # the shipped bands apply until `civility learn` runs again
            log.error("site model %s not used: %s", row.version, exc)
            return None

    def forget_site_model(self) -> None:
        """Look the active site model up again on next use (after a learning run or a rollback)."""
        with self._lock:
            self._site_checked = -1e9
            self._site_version = None

    def with_site_model(
        self, moderator: Any, inputs: Sequence[ModerationInput], policies: Sequence[Any], verdicts: list[Verdict]
    ) -> list[Verdict]:
        site = self.site_model()
        if site is None:
            return verdicts
        out = []
        for item, policy, verdict in zip(inputs, policies, verdicts):
            if verdict.model != moderator.model_version:  # held after a scoring failure
                out.append(verdict)
                continue
            out.append(
                site.apply(verdict, lang=item.lang, text=item.text, base_policy=policy or moderator.default_policy)
            )
        return out

    def _allowlist(self) -> tuple[str, ...]:
        own = urlsplit(self.settings.base_url).hostname
        return tuple(dict.fromkeys([*(self.settings.link_allowlist_domains), *([own] if own else [])]))

    # -- jobs ----------------------------------------------------------------------------------
    def score_comment(self, comment_id: int) -> None:
        self.score_many([comment_id])

    def handle_batch(self, payloads: Sequence[dict[str, Any]]) -> None:
        self.score_many([int(p["comment_id"]) for p in payloads])

    def score_many(self, comment_ids: Sequence[int]) -> None:
        todo = self._still_to_score(comment_ids)
        if not todo:
            return
        moderator = self.moderator()
        if moderator is None:
            self._store_signatures(todo)
            verdicts = [hold_all_verdict(self._load_error or HOLD_ALL_NOTE) for _ in todo]
        else:
            inputs, policies = self._inputs(todo)
            verdicts = self.with_site_model(moderator, inputs, policies, self._verdicts(moderator, inputs, policies))
        # One transaction for the whole batch: one commit (one fsync on SQLite) instead of one per
        # comment; rows are locked in id order so two workers never deadlock on PostgreSQL.
        published: list[dict[str, Any]] = []
        with self.db.write() as conn:
            for row, verdict in sorted(zip(todo, verdicts), key=lambda pair: pair[0].id):
                payload = self._apply(conn, row.id, row.version, verdict)
                if payload is not None:
                    published.append(payload)
        for payload in published:
            publish.announce(self.events, payload)

    def _still_to_score(self, comment_ids: Sequence[int]) -> list[Any]:
        out = []
        with self.db.read() as conn:
            for cid in dict.fromkeys(comment_ids):
                row = comment_repo.get_row(conn, cid)
                if row is None or row.status != CommentStatus.PENDING.value or row.erased_at is not None:
                    continue
                if decision_repo.has_machine_decision(conn, cid):
                    continue
                out.append(row)
        return out

    def build_inputs(self, comment_ids: Sequence[int]) -> list[ModerationInput]:
        """The engine's input for each still-pending comment (stores signatures as a side effect)."""
        return self._inputs(self._still_to_score(comment_ids))[0]

    def _store_signatures(self, rows: list[Any]) -> dict[int, tuple[bytes, list[str]]]:
        """Near-duplicate signatures and band keys of these comments, stored (also in hold-all mode,
        so a model switched on later sees the history). Stored before any lookup, so comments
        scored in one batch see each other (by id order)."""
        if not rows:
            return {}
        signatures: dict[int, tuple[bytes, list[str]]] = {}
        for row in rows:
            sig = neardup.signature(row.text)
            signatures[row.id] = (bytes(sig), [str(k) for k in neardup.band_keys(sig)])
        with self.db.write() as conn:
            neardup_repo.store_many(conn, signatures)
        return signatures

    def _inputs(self, rows: list[Any]) -> tuple[list[ModerationInput], list[Any]]:
        signatures = self._store_signatures(rows)
        inputs, policies = [], []
        with self.db.read() as conn:
            site_overrides = site_repo.get(conn, site_repo.POLICY_KEY)
            for row in rows:
                article = article_repo.get_article(conn, row.article_id)
                parent = comment_repo.get_row(conn, row.parent_id) if row.parent_id else None
                created = as_utc(row.created_at)
                since = created - timedelta(hours=1)
                near: list[tuple[int, float]] = []
                if row.id in signatures:
                    sig, keys = signatures[row.id]
                    near = neardup.matches(sig, neardup_repo.candidates(conn, keys, exclude=row.id))
                context = SubmissionContext(
                    near_duplicates=tuple(near),
                    posts_by_email_last_hour=max(
                        0, comment_repo.count_recent(conn, email=row.email, since=since, until=created) - 1
                    ),
                    posts_by_ip_last_hour=(
                        max(0, comment_repo.count_recent(conn, ip=row.ip, since=since, until=created) - 1)
                        if row.ip
                        else 0
                    ),
                )
                inputs.append(
                    ModerationInput(
                        text=row.text,
                        id=row.id,
                        article=article,
                        parent_text=parent.text if parent is not None and parent.erased_at is None else None,
                        lang=row.lang,
                        context=context,
                    )
                )
                policies.append(
                    self._policies.policy(site_overrides, article_repo.policy_overrides(conn, row.article_id))
                )
        return inputs, policies

    @staticmethod
    def _verdicts(moderator: Any, inputs: list[ModerationInput], policies: list[Any]) -> list[Verdict]:
        # Batch the items that share a policy (the common case: no overrides at all).
        out: list[Verdict | None] = [None] * len(inputs)
        groups: dict[int, list[int]] = {}
        keyed: dict[int, Any] = {}
        for i, policy in enumerate(policies):
            groups.setdefault(id(policy), []).append(i)
            keyed[id(policy)] = policy
        for key, idx in groups.items():
            items = [inputs[i] for i in idx]
            try:
                results = moderator.verdicts(items, keyed[key])
            except Exception:  # find the item(s) the engine cannot score; the others still get verdicts
                log.exception("batch scoring failed; scoring %d item(s) one by one", len(items))
                results = [Scorer._one_or_hold(moderator, item, keyed[key]) for item in items]
            for i, verdict in zip(idx, results):
                out[i] = verdict
        return [v for v in out if v is not None]

    @staticmethod
    def _one_or_hold(moderator: Any, item: ModerationInput, policy: Any) -> Verdict:
        """An input the engine fails on is a bug to fix, not a reason to retry forever: the comment
        is held for a human, and the audit note says why."""
        try:
            return moderator.verdict(item, policy)
        except Exception as exc:
            log.exception("scoring comment %s failed", item.id)
            return hold_all_verdict(f"scoring failed ({type(exc).__name__}: {exc}); held for review"[:500])

    def _apply(self, conn, comment_id: int, version: int, verdict: Verdict) -> dict[str, Any] | None:
        """Record the verdict and apply it inside ``conn``'s transaction; the event payload to
        announce after the commit, if the comment changed status."""
        row = comment_repo.get_row(conn, comment_id, for_update=True)
        if row is None or row.status != CommentStatus.PENDING.value or row.version != version:
            return None  # a moderator decided while we scored: their decision stands
        if decision_repo.has_machine_decision(conn, comment_id):
            return None  # another worker ran this job too
        data = verdict.to_dict()
        decision_repo.append(
            conn,
            comment_id=comment_id,
            decision=verdict.decision.value,
            actor=MACHINE,
            reasons=decision_repo.offsets_only(data["reasons"]),
            scores=data["scores"],
            model_version=verdict.model,
            policy_version=verdict.policy,
            note="; ".join(verdict.notes) or None,
            base_scores=verdict.base_scores,
        )
        scores = [float(v) for v in data["scores"].values() if v is not None]
        comment_repo.set_machine_summary(
            conn,
            comment_id,
            risk=max(scores) if scores else None,
            flags=sorted({str(r["category"]) for r in data["reasons"]}),
        )
        if verdict.decision not in publish.STATUS_OF:
            return None  # review: the comment stays pending for a moderator
        return publish.change_status(
            conn,
            self.events,
            comment_id=comment_id,
            article_id=row.article_id,
            decision=verdict.decision,
            actor=MACHINE,
            from_status=CommentStatus.PENDING,
            expected_version=version,
        )
