#!/usr/bin/env bash
# What `.ci/run` does: install what is missing, then `make check`, whose
# last line is the test runner's "N passed, N failed" summary.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs" check
