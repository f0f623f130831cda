#!/usr/bin/env bash
# Create .venv and install civility with its extras. Usage: scripts/install.sh [demo|test]
#   demo: the app with semantic relevance; test: also the test and audit tools and the scale extras.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-demo}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch, pinned (an unpinned torch would pull a multi-GB CUDA build).
.venv/bin/python -m pip install -q "torch==2.13.0"
if [ "$what" = "test" ]; then
  .venv/bin/python -m pip install -q -e ".[relevance,scale,test,audit]"
else
  .venv/bin/python -m pip install -q -e ".[relevance]"
fi
