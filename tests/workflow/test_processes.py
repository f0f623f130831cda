"""Several processes on one SQLite file (`serve --workers N` + `civility worker`): writers wait
for each other (BEGIN IMMEDIATE + busy_timeout) instead of failing with "database is locked"."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from civility.storage.schema import comments, decisions

_SUBMITTER = """
import sys
from civility.settings import load_settings
from civility.workflow import Platform
p = Platform.from_settings(load_settings({"database_url": sys.argv[1], "secret_key": "s" * 32,
    "moderation": "hold", "rate_limit_ip_per_hour": 10000, "rate_limit_email_per_hour": 10000}, environ={}))
for i in range(40):
    p.submit_comment("a", "N", f"p{sys.argv[2]}-{i}@example.org", f"process {sys.argv[2]} comment {i}",
                     ip="192.0.2.1", idempotency_key=f"{sys.argv[2]}-{i}")
    if i % 10 == 0:
        p.run_pending_jobs()
while p.run_pending_jobs():
    pass
p.close()
"""


def test_three_processes_write_one_sqlite_file(sqlite_url):
    from civility.settings import load_settings
    from civility.workflow import ArticleIn, Platform

    platform = Platform.from_settings(load_settings({"database_url": sqlite_url, "moderation": "hold"}, environ={}))
    try:
        platform.migrate()
        platform.add_article(ArticleIn(id="a", title="T", body="B"))
        procs = [
            subprocess.Popen([sys.executable, "-c", _SUBMITTER, sqlite_url, str(k)], stderr=subprocess.PIPE)
            for k in range(3)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err.decode()[-2000:]
        while platform.run_pending_jobs():
            pass
        with platform.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(comments)).scalar_one() == 120
            # every comment scored exactly once, whichever process ran its job
            per_comment = conn.execute(
                select(decisions.c.comment_id, func.count()).group_by(decisions.c.comment_id)
            ).all()
        assert len(per_comment) == 120 and {n for _, n in per_comment} == {1}
    finally:
        platform.close()
