#!/usr/bin/env bash
# Dependency audit: pip-audit over every package installed in .venv (the project itself skipped),
# against PyPI's vulnerability data. Exit 1 on any known vulnerability or an audit error.
# Exit 0 without a verdict ONLY when the vulnerability service cannot be reached from here
# (offline CI, a registry mirror without the JSON API): the script then says so plainly.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

"$PY" -m pip_audit --skip-editable --progress-spinner off --format json --output "$out" 2>"$err"
rc=$?

"$PY" - "$out" "$err" "$rc" <<'PYEOF'
import json, sys
out, err, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
stderr = open(err, encoding="utf-8", errors="replace").read()
try:
    report = json.load(open(out, encoding="utf-8"))
except (OSError, ValueError):
    report = None
unreachable_words = ("ConnectionError", "Max retries exceeded", "Failed to establish", "Name or service not known",
                     "Temporary failure in name resolution", "timed out")
if report is None:
    if any(w in stderr for w in unreachable_words):
        print("pip-audit: the vulnerability service could not be reached from this machine;")
        print("           NO dependency was audited. Run scripts/audit.sh where PyPI's JSON API is reachable.")
        sys.exit(0)
    print(stderr[-3000:] or f"pip-audit failed with exit code {rc} and no report")
    sys.exit(1)
deps = report.get("dependencies", [])
deps = [d for d in deps if "editable" not in (d.get("skip_reason") or "")]  # the project itself
skipped = [d for d in deps if d.get("skip_reason")]
audited = [d for d in deps if not d.get("skip_reason")]
vulnerable = [d for d in audited if d.get("vulns")]
for d in vulnerable:
    for v in d["vulns"]:
        fixes = ", ".join(v.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in: {fixes})")
not_found = [d for d in skipped if "not found on PyPI" in d["skip_reason"]]
if deps and not audited and len(not_found) == len(skipped):
    print(f"pip-audit: the vulnerability service answered 'not found' for all {len(deps)} installed packages:")
    print("           it is not reachable from this machine (only a package mirror is), so NO dependency")
    print("           was audited. Run scripts/audit.sh where PyPI's JSON API is reachable.")
    sys.exit(0)
print(f"pip-audit: {len(audited)} packages audited, {len(vulnerable)} vulnerable, {len(skipped)} skipped")
for d in skipped[:20]:
    print(f"  skipped {d['name']}: {d['skip_reason']}")
sys.exit(1 if vulnerable or rc not in (0, 1) else 0)
PYEOF
