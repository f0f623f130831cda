"""schemathesis against /openapi.json (about 200 valid and invalid cases over every operation,
authenticated where needed): no 5xx, every response conforms to the documented schema, and
invalid input is rejected. The 2,000-case run is bench/fuzz_api.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "bench" / "fuzz_api.py"


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("fuzz_api", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_api"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_schemathesis_finds_no_5xx_and_no_schema_violation(tmp_path):
    report = _fuzz_module().run_fuzz(200, workdir=tmp_path / "fuzz", seed=3)
    assert report.cases >= 200
    assert report.operations >= 10
    assert report.server_errors == 0, report.failures + report.reproduce
    assert report.schema_violations == 0, report.failures + report.reproduce
    assert report.other_failures == 0, report.failures + report.reproduce
