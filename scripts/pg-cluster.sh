#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL 15 cluster on loopback, owned by a non-root user.
#   scripts/pg-cluster.sh start DIR   -> prints the SQLAlchemy URL (without database name) on stdout
#   scripts/pg-cluster.sh stop DIR    -> stops the cluster and removes DIR
set -euo pipefail
action=$1 dir=$2
PGBIN=/usr/lib/postgresql/15/bin
run_as() {
  if [ "$(id -u)" = 0 ]; then
    id lmspg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin lmspg
    chown -R lmspg "$dir"
    runuser -u lmspg -- "$@"
  else
    "$@"
  fi
}
case "$action" in
  start)
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    run_as "$PGBIN/initdb" -D "$dir/data" -U lms --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    run_as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=200" \
      start >/dev/null
    echo "$port" > "$dir/port"
    echo "postgresql+psycopg://lms@127.0.0.1:$port"
    ;;
  stop)
    [ -d "$dir/data" ] && run_as "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
