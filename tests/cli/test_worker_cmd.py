"""`civility worker --once` runs the due jobs of a real database (the comment gets its machine decision)."""

from __future__ import annotations

from click.testing import CliRunner

from civility.cli.worker_cmd import worker
from civility.settings import load_settings
from civility.workflow import ArticleIn, Platform


def test_worker_once_scores_pending_comments(db_url):
    platform = Platform.from_settings(load_settings({"database_url": db_url, "moderation": "hold"}, environ={}))
    try:
        platform.migrate()
        article = platform.add_article(ArticleIn(title="T", body="B"))
        cid = platform.submit_comment(article.id, "Ann", "ann@example.org", "Hello", ip=None).comment_id
        result = CliRunner().invoke(
            worker, ["--once"], env={"CIVILITY_DATABASE_URL": db_url, "CIVILITY_MODERATION": "hold"}
        )
        assert result.exit_code == 0, result.output
        assert "ran 2 job(s)" in result.output  # the score job and this hour's retention job
        assert [d.actor for d in platform.comment_history(cid)] == ["machine"]
    finally:
        platform.close()


def test_requeue_pending_revives_failed_score_jobs(db_url):
    from sqlalchemy import update

    from civility.storage.schema import jobs

    env = {"CIVILITY_DATABASE_URL": db_url, "CIVILITY_MODERATION": "hold"}
    platform = Platform.from_settings(load_settings({"database_url": db_url, "moderation": "hold"}, environ={}))
    try:
        platform.migrate()
        article = platform.add_article(ArticleIn(title="T", body="B"))
        cid = platform.submit_comment(article.id, "Ann", "ann@example.org", "Hello", ip=None).comment_id
        with platform.db.write() as conn:  # as if it had failed its last attempt
            conn.execute(update(jobs).values(status="failed", attempts=5, last_error="engine down"))
        # Only this hour's retention job runs: the failed score job stays failed.
        assert "ran 1 job(s)" in CliRunner().invoke(worker, ["--once"], env=env).output
        assert [d.actor for d in platform.comment_history(cid)] == []
        result = CliRunner().invoke(worker, ["--once", "--requeue-pending"], env=env)
        assert result.exit_code == 0, result.output
        assert "ran 1 job(s)" in result.output
        assert [d.actor for d in platform.comment_history(cid)] == ["machine"]
    finally:
        platform.close()
