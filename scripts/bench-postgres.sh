#!/usr/bin/env bash
# The throughput benchmark (BENCHMARKS.md) on PostgreSQL: one `scimdesk serve` on a fresh
# database, then two instances on one database behind nginx, each run against its own floor as
# the SQLite run is. Release builds; a throwaway PostgreSQL 15 cluster (scripts/with-postgres.sh)
# on this machine, so the database, the servers, nginx and the load generator share its cores.
#
# Usage: scripts/bench-postgres.sh [--users N] [other scimdesk-bench options]
# Writes target/bench-postgres-1.json and target/bench-postgres-2.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SCIMDESK_TEST_POSTGRES_URL:-}" ]; then
  cargo build --release --locked -p scimdesk -p scimdesk-bench
  exec ./scripts/with-postgres.sh "$0" "$@"
fi

BIN=$PWD/target/release/scimdesk
BENCH=$PWD/target/release/scimdesk-bench
command -v nginx >/dev/null || { echo "bench-postgres: nginx is missing (./scripts/setup.sh installs it)" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A fresh database named $1; prints its URL.
database() {
  psql -q "$SCIMDESK_TEST_POSTGRES_URL/postgres" -c "CREATE DATABASE $1" >/dev/null
  echo "$SCIMDESK_TEST_POSTGRES_URL/$1"
}

# Start `serve` on data folder $1 and the database in SCIMDESK_DATABASE_URL; prints its port.
serve() {
  mkdir -p "$1"
  "$BIN" --data-dir "$1" --log warn serve --bind 127.0.0.1:0 >"$1/stdout" 2>"$1/stderr" &
  PIDS+=($!)
  for _ in $(seq 100); do
    if grep -q "listening on" "$1/stdout" 2>/dev/null; then
      sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$1/stdout" | head -1
      return
    fi
    sleep 0.1
  done
  cat "$1/stderr" >&2
  return 1
}

echo "== PostgreSQL, one instance (the benchmark starts the server, as for SQLite)"
SCIMDESK_DATABASE_URL=$(database bench_one) "$BENCH" --server-bin "$BIN" --json target/bench-postgres-1.json "$@"

echo "== PostgreSQL, two instances behind nginx"
export SCIMDESK_DATABASE_URL
SCIMDESK_DATABASE_URL=$(database bench_two)
TOKEN=$("$BIN" --data-dir "$WORK/a" --log error source create Benchmark --slug bench | grep '^scimdesk_')
PORT_A=$(serve "$WORK/a")
PORT_B=$(serve "$WORK/b")
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  # Bodies (a PATCH of 1,000 members) stay in memory, and the benchmark's keep-alive connections
  # stay open for the whole run, as they do against one server.
  client_body_buffer_size 2m;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream scimdesk {
    server 127.0.0.1:$PORT_A;
    server 127.0.0.1:$PORT_B;
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    client_max_body_size 10m;
    location / {
      proxy_pass http://scimdesk;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5
"$BENCH" --url "http://127.0.0.1:$NGINX_PORT/source/scim/bench/v2" --token "$TOKEN" \
  --json target/bench-postgres-2.json "$@"
