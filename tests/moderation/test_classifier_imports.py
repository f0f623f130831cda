"""The domain and moderation code is pure: importing it (and scoring with it) loads no web,
database or terminal modules."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "redis", "click", "tqdm", "jinja2", "uvicorn")


def test_moderation_and_domain_import_no_web_db_or_terminal_code():
    code = (
        "import sys, pkgutil, importlib\n"
        "import civility.domain, civility.moderation\n"
        "for pkg in (civility.domain, civility.moderation):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "from civility.moderation.pipeline import ModerationEngine\n"
        "from civility.domain import ModerationInput\n"
        "ModerationEngine.load(relevance='off').verdict(ModerationInput(text='you idiot'))\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"moderation/domain pulled in: {out.stdout.strip()}"
