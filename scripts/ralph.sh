#!/usr/bin/env bash
# A local ralph LRS (https://pypi.org/project/ralph-malph/, filesystem backend) on 127.0.0.1 for the
# forwarding tests and bench/bench_forwarding.py. ralph lives in its own venv so its pins never touch ours.
#
#   scripts/ralph.sh setup                               create the venv if needed (idempotent; PyPI only)
#   scripts/ralph.sh start DIR [PORT] [USER] [PASSWORD]  start a server with its data in DIR; prints the endpoint
#   scripts/ralph.sh stop DIR                            stop the server started with DIR
#
# Environment: LMS_RALPH_VENV (default .venv-ralph in the repo), PYTHON (default python3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${LMS_RALPH_VENV:-$ROOT/.venv-ralph}
PYTHON=${PYTHON:-python3}
RALPH_VERSION=5.1.0
# "requests" because ralph's OIDC module imports it even when only Basic auth is used.
PACKAGES=("ralph-malph[cli,lrs]==$RALPH_VERSION" "requests>=2")
# The versions the tests were run with. ralph does not pin its web stack, and a newer FastAPI/pydantic
# may change how statements are re-serialised; if these cannot be installed (another Python), setup
# falls back to whatever pip resolves and says so.
CONSTRAINTS="fastapi==0.114.2
starlette==0.38.6
pydantic==2.14.3
pydantic-settings==2.16.3
uvicorn==0.30.6
bcrypt==4.2.0
httpx==0.28.1"
STAMP_ID=$(printf '%s\n' "${PACKAGES[@]}" "$CONSTRAINTS" | cksum | cut -d' ' -f1)
STAMP="$VENV/.installed-$RALPH_VERSION-$STAMP_ID"
LOCK="${TMPDIR:-/tmp}/lms-ralph-venv-$(printf '%s' "$VENV" | cksum | cut -d' ' -f1).lock"

install() {
  local constraints
  if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
    echo "$VENV exists and is not a virtualenv; refusing to touch it (set LMS_RALPH_VENV)" >&2
    return 1
  fi
  # --clear empties only this virtualenv (checked above), so a half-finished earlier install cannot linger.
  "$PYTHON" -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  constraints=$(mktemp "${TMPDIR:-/tmp}/lms-ralph-constraints.XXXXXX")
  printf '%s\n' "$CONSTRAINTS" >"$constraints"
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$constraints" "${PACKAGES[@]}"; then
    echo "warning: the pinned ralph dependencies did not install; trying unpinned" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
  fi
  rm -f "$constraints"
  "$VENV/bin/python" -c 'import bcrypt, fastapi, uvicorn, ralph.backends.lrs.fs'  # fail here, not at start
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
}

setup() {
  if [ -f "$STAMP" ]; then return 0; fi
  mkdir -p "$(dirname "$VENV")"
  if command -v flock >/dev/null 2>&1; then
    # Parallel test workers share one venv: one installs, the others wait and then find the stamp.
    (
      flock 9
      if [ ! -f "$STAMP" ]; then install; fi
    ) 9>"$LOCK"
  else
    install
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir=${1:?usage: ralph.sh start DIR [PORT] [USER] [PASSWORD]}
  setup
  mkdir -p "$dir/data" "$dir/app"
  dir=$(cd "$dir" && pwd)
  local port=${2:-} user=${3:-lms-relay} password=${4:-ralph-test-password}
  [ -n "$port" ] || port=$(free_port)
  RALPH_USER="$user" RALPH_PASSWORD="$password" "$VENV/bin/python" - "$dir/auth.json" <<'PY'
import json, os, sys
import bcrypt
# Low bcrypt cost: a throwaway local test credential, checked on every request.
hashed = bcrypt.hashpw(os.environ["RALPH_PASSWORD"].encode(), bcrypt.gensalt(rounds=4)).decode()
agent = {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1", "name": os.environ["RALPH_USER"]}}
with open(sys.argv[1], "w") as fh:
    json.dump([{"agent": agent, "scopes": ["all"], "hash": hashed, "username": os.environ["RALPH_USER"]}], fh)
PY
  export RALPH_APP_DIR="$dir/app" RALPH_AUTH_FILE="$dir/auth.json" RALPH_HISTORY_FILE="$dir/app/history.json" \
    RALPH_RUNSERVER_BACKEND=fs RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH="$dir/data" \
    RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT=1000 RALPH_PORT="$port" SENTRY_DSN= \
    NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
  # Not `ralph runserver`: it starts uvicorn with a file-watching reloader. ralph's FS LRS backend writes with
  # operation type CREATE, which fails (HTTP 500) once its statements file exists and has no setting to
  # change that, so the launcher makes APPEND the backend's default before serving.
  nohup "$VENV/bin/python" -c '
import os
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(os.environ["RALPH_PORT"]), log_level="warning")
' lms-ralph-lrs >"$dir/ralph.log" 2>&1 &
  echo $! >"$dir/ralph.pid"
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/__lbheartbeat__', timeout=1)" 2>/dev/null; then
      echo "http://127.0.0.1:$port/xAPI/"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/ralph.pid")" 2>/dev/null; then
      echo "ralph exited; see $dir/ralph.log" >&2
      tail -20 "$dir/ralph.log" >&2
      rm -f "$dir/ralph.pid"
      return 1
    fi
    sleep 0.2
  done
  echo "ralph did not answer on port $port within 30 s; see $dir/ralph.log" >&2
  stop "$dir"
  return 1
}

stop() {
  local dir=${1:?usage: ralph.sh stop DIR}
  [ -f "$dir/ralph.pid" ] || return 0
  local pid
  pid=$(cat "$dir/ralph.pid")
  # Only a process we started (its command line carries our marker): a stale pid file may name another one.
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "lms-ralph-lrs"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/ralph.pid"
}

case "${1:-}" in
  setup) setup ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 setup | start DIR [PORT] [USER] [PASSWORD] | stop DIR" >&2; exit 2 ;;
esac
