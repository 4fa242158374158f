#!/usr/bin/env bash
# Production-style serving: gunicorn with several worker processes of several threads, configured from the environment.
#   LMS_SECRET_KEY (required here), LMS_DATABASE_URL (default: SQLite in instance/), LMS_BASE_IRI,
#   LMS_WORKERS (processes, default 2 × cores + 1), LMS_THREADS (threads per process, default 32),
#   LMS_HASH_PROCESSES (low-priority password-hash helpers per worker process, default 1: lms/auth/hashing.py),
#   LMS_HASH_CONCURRENCY (password hashes at once on this machine, default half the cores: lms/auth/hash_slots.py),
#   LMS_SWITCH_INTERVAL_MS (GIL switch interval per worker, default 0.5: scripts/gunicorn_conf.py),
#   LMS_BIND (default 127.0.0.1:8000), LMS_RELAY_IN_APP (default 1), LMS_VENV (default .venv).
# gthread workers: a request that waits (a sign-in waiting for its password hash, a writer waiting for SQLite's
# write lock) ties up one thread, not a whole process, so the other threads keep serving pages. 32 threads, because on
# a busy machine many sign-ins may wait for their nice-19 hash at once; a waiting sign-in holds no database connection.
# Production mode assumes one HTTPS reverse proxy in front (see README "Security settings"):
#   LMS_SECURE_COOKIES=true, LMS_HSTS=true and LMS_TRUSTED_PROXIES=1 unless set otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LMS_SECRET_KEY:?set LMS_SECRET_KEY to a long random value}"
export LMS_RELAY_IN_APP="${LMS_RELAY_IN_APP:-1}"
export LMS_SECURE_COOKIES="${LMS_SECURE_COOKIES:-true}"
export LMS_HSTS="${LMS_HSTS:-true}"
export LMS_TRUSTED_PROXIES="${LMS_TRUSTED_PROXIES:-1}"
workers="${LMS_WORKERS:-$(( $(nproc) * 2 + 1 ))}"
threads="${LMS_THREADS:-32}"
bind="${LMS_BIND:-127.0.0.1:8000}"
bin="${LMS_VENV:-.venv}/bin"
"$bin/flask" --app lms db upgrade
exec "$bin/gunicorn" --config scripts/gunicorn_conf.py --worker-class gthread --workers "$workers" --threads "$threads" --bind "$bind" \
  --access-logfile - --graceful-timeout 20 \
  --forwarded-allow-ips "${LMS_FORWARDED_ALLOW_IPS:-127.0.0.1}" "lms:create_app()"
