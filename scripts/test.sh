#!/usr/bin/env bash
# The whole test suite, as `make test` (and so CI) runs it:
#   1. content check, 2. pytest on SQLite, 3. the wheel installed outside the checkout (scripts/wheel-smoke.sh),
#   4. every benchmark in its smoke size on SQLite, 5. the same pytest suite and the database-bound benchmarks
#   (smoke size) on a throwaway PostgreSQL 15 cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export FLASK_APP=lms
echo "== content check"
$BIN/flask content check

echo "== test suite on SQLite"
$BIN/python -m pytest -q -n 2 -p no:cacheprovider tests "$@"

echo "== the wheel outside the checkout: build, install into a fresh venv, smoke test in the example host app"
scripts/wheel-smoke.sh

echo "== benchmarks in smoke size on SQLite (each must run and print its figures)"
$BIN/python bench/run_all.py --smoke --quiet --postgres none

if [ -x /usr/lib/postgresql/15/bin/initdb ] && [ "${LMS_SKIP_POSTGRES:-0}" != 1 ]; then
  echo "== test suite on PostgreSQL 15"
  pgdir=$(mktemp -d /tmp/lms-pg.XXXXXX)
  chmod 755 "$pgdir"
  trap 'scripts/pg-cluster.sh stop "$pgdir"' EXIT
  url=$(scripts/pg-cluster.sh start "$pgdir")
  LMS_TEST_POSTGRES_URL="$url" $BIN/python -m pytest -q -n 2 -p no:cacheprovider -m "not sqlite_only" tests "$@"
  echo "== database-bound benchmarks in smoke size on PostgreSQL 15"
  $BIN/python bench/run_all.py --smoke --quiet --postgres "$url" --database-only
else
  echo "PostgreSQL 15 server not installed: PostgreSQL run skipped (scripts/system-deps.sh installs it)" >&2
  exit 1
fi
