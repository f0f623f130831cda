"""The security linters are wired up: bandit reads [tool.bandit] from pyproject.toml (shown by
its exclusions taking effect on a scratch tree) and finds nothing unjustified in the package;
scripts/audit.sh runs pip-audit and never reports success for an audit that did not happen."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _bandit() -> list[str]:
    exe = Path(sys.executable).with_name("bandit")
    if not exe.exists():
        pytest.skip("bandit is not installed (pip install -e '.[audit]')")
    return [str(exe)]


def test_bandit_reads_its_config_from_pyproject(tmp_path):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["bandit"]
    assert "bench" in config["exclude_dirs"] and config.get("skips", []) == []
    scratch = tmp_path / "scratch"
    (scratch / "bench").mkdir(parents=True)
    (scratch / "pkg").mkdir()
    (scratch / "bench" / "smelly.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    (scratch / "pkg" / "clean.py").write_text("VALUE = 1\n")
    shutil.copy(ROOT / "pyproject.toml", scratch / "pyproject.toml")
    with_config = subprocess.run(
        [*_bandit(), "-q", "-c", "pyproject.toml", "-r", "."],
        cwd=scratch,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=120,
    )
    without = subprocess.run(
        [*_bandit(), "-q", "-r", "."],
        cwd=scratch,
        capture_output=True,
        text=True,  # noqa: S603
        timeout=120,
    )
    assert without.returncode == 1, "the smell in bench/ should be found without the config"
    assert with_config.returncode == 0, with_config.stdout + with_config.stderr


def test_bandit_finds_nothing_unjustified_in_our_security_modules():
    """The modules this issue added; the whole package is linted by .ci/run."""
    paths = [
        "src/civility/workflow/privacy.py",
        "src/civility/workflow/mail.py",
        "src/civility/workflow/notify.py",
        "src/civility/web/routes_privacy.py",
        "src/civility/web/security.py",
        "src/civility/web/csrf.py",
    ]
    result = subprocess.run(
        [*_bandit(), "-q", "-c", "pyproject.toml", *paths],
        cwd=ROOT,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_audit_script_never_claims_an_audit_that_did_not_happen():
    script = (ROOT / "scripts" / "audit.sh").read_text()
    assert "pip_audit" in script and "NO dependency" in script
    result = subprocess.run(
        ["bash", "scripts/audit.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,  # noqa: S603,S607
        timeout=300,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )
    out = result.stdout + result.stderr
    if result.returncode == 0:
        assert "NO dependency was audited" in out or ("packages audited, 0 vulnerable" in out), out
    else:
        assert "VULNERABLE" in out or "pip-audit" in out, out
