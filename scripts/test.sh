#!/usr/bin/env bash
# The whole test suite: content check, then pytest on SQLite. Called by `make test` (and so by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
echo "== content check"
$BIN/flask --app lms content check
echo "== test suite on SQLite"
$BIN/python -m pytest -q -n 2 -p no:cacheprovider tests
