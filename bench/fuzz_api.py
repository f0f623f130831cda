"""API fuzzing with schemathesis against /openapi.json, in process (ASGI) on a real SQLite file:
valid (positive) and invalid (negative) cases for every operation, with a moderator's bearer
token and the publisher token so the authenticated paths are reached too. Checks: no 5xx,
status code / content type / headers / body conform to the schema, invalid input is rejected.

    python bench/fuzz_api.py --cases 2000          # the figure in BENCHMARKS.md
    python bench/fuzz_api.py --cases 200 --json -  # what the test suite runs"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SECRET = "fuzz-secret-0123456789abcdef0123"
PUBLISHER = "fuzz-publisher-token-0123456789"


@dataclass
class FuzzReport:
    cases: int = 0
    operations: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    other_failures: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    reproduce: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.server_errors == 0 and self.schema_violations == 0 and self.other_failures == 0


def _seed(platform: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """Articles, comments in every state and a moderator, so generated ids sometimes hit."""
    from civility.workflow.types import ArticleIn

    for i in range(3):
        platform.add_article(
            ArticleIn(
                id=f"story-{i}",
                title=f"Story {i}",
                body="Body text.",
                source="desk",
                url=f"https://publisher.example/story-{i}",
            )
        )
    ids = [
        platform.submit_comment("story-0", "Reader", f"r{i}@example.org", f"Comment {i}", ip=None).comment_id
        for i in range(6)
    ]
    platform.decide(ids[0], "approve", actor="moderator:seed")
    platform.decide(ids[1], "reject", actor="moderator:seed", categories=["spam"])
    moderator = platform.add_moderator("fuzzer", "fuzz password 0123", "admin")  # reaches the admin routes too
    token, _csrf = platform.create_session(moderator.id)
    return {"Authorization": f"Bearer {token}"}, {"article_id": "story-0", "comment_id": ids[2]}


def _fresh_session(platform: Any) -> dict[str, str]:
    moderator = next(m for m in platform.list_moderators() if m.name == "fuzzer")
    token, _csrf = platform.create_session(moderator.id)
    return {"Authorization": f"Bearer {token}"}


def _checks():
    from schemathesis import checks

    conformance = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ]
    return conformance, conformance + [checks.negative_data_rejection]


def run_fuzz(cases: int, *, workdir: Path | None = None, seed: int = 0, progress: bool = False) -> FuzzReport:
    """Spread about ``cases`` generated cases over the operations, half valid and half invalid."""
    import hypothesis
    import schemathesis
    from schemathesis import GenerationMode

    from civility.settings import load_settings
    from civility.web.app import create_app
    from civility.workflow.platform import Platform

    own = tempfile.TemporaryDirectory(prefix="civility-fuzz-") if workdir is None else None
    root = Path(own.name) if own else workdir
    root.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        {
            "database_url": f"sqlite:///{root / 'fuzz.db'}",
            "secret_key": SECRET,
            "moderation": "hold",
            "relevance": "off",
            "embedded_worker": False,
            "publisher_token": PUBLISHER,
            "mail_outbox_dir": str(root / "outbox"),
            "rate_limit_ip_per_hour": 10**7,
            "rate_limit_email_per_hour": 10**7,
            "login_attempts_per_15min": 10**6,
            # Above the schema's largest field (200,000 chars), so over-long fields meet validation (422), not the 413 limit.
            "max_body_bytes": 4_000_000,
        },
        environ={},
        config_path=None,
    )
    platform = Platform.from_settings(settings)
    platform.migrate()
    auth, known = _seed(platform)
    app = create_app(settings, platform)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    report = FuzzReport(operations=len(operations))
    positive_checks, negative_checks = _checks()
    per_op = max(2, -(-cases // (2 * len(operations))))
    statuses: Counter[str] = Counter()
    began = time.monotonic()
    try:
        rounds = 0
        while report.cases < cases and rounds < 20:  # simple operations yield few distinct cases per round
            for op in operations:
                if rounds and report.cases >= cases:
                    break
                if op.path == "/api/articles" and op.method == "post":
                    headers: Any = {"Authorization": f"Bearer {PUBLISHER}"}
                elif op.path == "/api/moderator/session" and op.method == "delete":
                    headers = lambda: _fresh_session(platform)  # noqa: E731 - signing out must not end the shared session
                else:
                    headers = dict(auth)
                # Generated ids mostly miss; the same operation again with ids that exist goes deeper.
                fixed = {k: v for k, v in known.items() if "{" + k + "}" in op.path}
                variants = [None, fixed] if fixed else [None]
                modes = ((GenerationMode.POSITIVE, positive_checks), (GenerationMode.NEGATIVE, negative_checks))
                for (mode, checks), path_parameters in itertools.product(modes, variants):
                    test = _make_test(
                        op,
                        mode,
                        checks,
                        headers,
                        max(1, per_op // len(variants)),
                        report,
                        statuses,
                        seed + rounds,
                        path_parameters,
                    )
                    try:
                        test()
                    except hypothesis.errors.Unsatisfiable:
                        pass
            rounds += 1
            if progress:
                print(f"  round {rounds}: {report.cases} cases so far", file=sys.stderr, flush=True)
    finally:
        platform.close()
        if own:
            own.cleanup()
    report.statuses = dict(sorted(statuses.items()))
    report.seconds = round(time.monotonic() - began, 1)
    return report


def _make_test(op, mode, checks, headers, per_op, report, statuses, seed, path_parameters=None):
    import hypothesis
    from hypothesis import HealthCheck, Phase, given
    from schemathesis.core.failures import FailureGroup

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=per_op,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def test(case):
        report.cases += 1
        try:
            response = case.call_and_validate(headers=headers() if callable(headers) else headers, checks=checks)
            statuses[f"{op.method.upper()} {op.path} {response.status_code}"] += 1
        except (FailureGroup, AssertionError) as exc:
            _classify(report, f"{mode.value} {op.method.upper()} {op.path}", exc)
            if len(report.reproduce) < 10:
                report.reproduce.append(case.as_curl_command()[:600])

    return test


def _classify(report: FuzzReport, where: str, exc: BaseException) -> None:
    text = str(exc)
    exceptions = getattr(exc, "exceptions", [exc])
    for failure in exceptions:
        name = type(failure).__name__
        detail = " ".join(str(failure).split())[:300]
        message = f"{where}: {name}: {detail}"
        if name in ("ServerError",) or "Server error" in text:
            report.server_errors += 1
        elif name in (
            "JsonSchemaError",
            "UndefinedStatusCode",
            "UndefinedContentType",
            "MalformedMediaType",
            "MissingContentType",
            "MissingHeaders",
        ):
            report.schema_violations += 1
        else:
            report.other_failures += 1
        if len(report.failures) < 50 and message not in report.failures:
            report.failures.append(message)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="about this many generated cases in all")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON ('-' for stdout)")
    args = parser.parse_args(argv)
    report = run_fuzz(args.cases, progress=True)
    data = {**asdict(report), "ok": report.ok}
    if args.json == "-":
        print(json.dumps(data, indent=2))
    else:
        if args.json:
            Path(args.json).write_text(json.dumps(data, indent=2))
        print(
            f"{report.cases} cases over {report.operations} operations in {report.seconds}s: "
            f"{report.server_errors} server errors, {report.schema_violations} schema violations, "
            f"{report.other_failures} other failures"
        )
        for line in report.failures[:20] + report.reproduce:
            print("  " + line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
