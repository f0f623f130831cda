"""The domain and moderation code is pure: importing it (and scoring with it) loads no web,
database or terminal modules. And scoring runs in one direction: ``civility.moderation`` is
everything that runs when a comment is scored and never imports ``civility.models`` (training,
building, evaluation, band choosing), which imports it; scoring never loads scikit-learn."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import civility.moderation

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "redis", "click", "tqdm", "jinja2", "uvicorn")
TRAINING_ONLY = ("sklearn",)

SCORE_IN_A_FRESH_PROCESS = (
    "import sys, pkgutil, importlib\n"
    "import civility.domain, civility.moderation\n"
    "for pkg in (civility.domain, civility.moderation):\n"
    "    for m in pkgutil.iter_modules(pkg.__path__):\n"
    "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
    "from civility.moderation.pipeline import ModerationEngine\n"
    "from civility.domain import ModerationInput\n"
    "engine = ModerationEngine.load(relevance='off')\n"
    "verdict = engine.verdict(ModerationInput(text='you idiot, check out my channel www.example.com'))\n"
    "assert verdict.reasons, verdict\n"
    "print(','.join(sorted(sys.modules)))\n"
)


def _modules_loaded_by_scoring() -> set[str]:
    out = subprocess.run([sys.executable, "-c", SCORE_IN_A_FRESH_PROCESS], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.strip().split(","))


def test_moderation_and_domain_import_no_web_db_or_terminal_code():
    bad = sorted(m for m in _modules_loaded_by_scoring() if m.split(".")[0] in FORBIDDEN)
    assert bad == [], f"moderation/domain pulled in: {bad}"


def test_scoring_loads_neither_the_training_package_nor_scikit_learn():
    loaded = _modules_loaded_by_scoring()
    assert sorted(m for m in loaded if m == "civility.models" or m.startswith("civility.models.")) == []
    assert sorted(m for m in loaded if m.split(".")[0] in TRAINING_ONLY) == []


def _imported_names(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (lazy imports and TYPE_CHECKING blocks too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
            if node.module == "civility":
                out += [(node.lineno, f"civility.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "files",
            "find_spec",
        ):
            out += [
                (node.lineno, a.value) for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return out


def test_moderation_source_never_names_the_training_package_or_scikit_learn():
    root = Path(civility.moderation.__file__).parent
    offenders = [
        f"{path.relative_to(root.parent)}:{line} imports {name}"
        for path in sorted(root.rglob("*.py"))
        for line, name in _imported_names(path)
        if name == "civility.models" or name.startswith("civility.models.") or name.split(".")[0] in TRAINING_ONLY
    ]
    assert offenders == []
