#!/usr/bin/env bash
# Run a command next to a throwaway PostgreSQL 15 cluster: its own data folder under /tmp, on
# 127.0.0.1 and a free port, TLS on (a certificate for 127.0.0.1 and localhost from a CA made for
# this run), password (SCRAM) login for the role `scimdesk` (LOGIN CREATEDB). The cluster is
# stopped and removed when the command ends, whatever its outcome; the command's exit code is
# this script's.
#
# The command gets:
#   SCIMDESK_TEST_POSTGRES_URL  postgres://scimdesk:<password>@127.0.0.1:<port> (no database:
#                               the test harness creates one per data folder)
#   SCIMDESK_TEST_POSTGRES_CA   the CA certificate the server's certificate is signed with
#   SCIMDESK_TEST_PG_CTL        a command line to stop/start the cluster: append
#                               `stop -m fast` or `start` (run it through `sh -c`)
#   SCIMDESK_TEST_PGDATA        the cluster's data folder
#
# Usage: scripts/with-postgres.sh <command> [args...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 <command> [args...]" >&2; exit 2; }

PG_BIN=${SCIMDESK_PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in initdb pg_ctl psql; do
  [ -x "$PG_BIN/$tool" ] || { echo "with-postgres: $PG_BIN/$tool is missing: install postgresql-15 (./scripts/setup.sh does)" >&2; exit 1; }
done
command -v openssl >/dev/null || { echo "with-postgres: openssl is missing (./scripts/setup.sh installs it)" >&2; exit 1; }

# PostgreSQL refuses to run as root. As root (CI), the cluster belongs to the `postgres` system
# user that the postgresql-15 package creates and its tools run as that user; as anyone else, the
# cluster is simply theirs.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "with-postgres: running as root needs the postgres system user (from postgresql-15)" >&2; exit 1; }
  AS=(runuser -u postgres --)
  OWNER=postgres
else
  AS=()
  OWNER=$(id -un)
fi

# Under /tmp: every parent must be traversable by the cluster's owner, which a root-only home
# folder or a 0700 TMPDIR would not be.
ROOT=$(mktemp -d /tmp/scimdesk-pg.XXXXXX)
PGDATA="$ROOT/data" SOCK="$ROOT/socket" TLS="$ROOT/tls" LOG="$ROOT/postgres.log"
PG_CTL_LINE=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$PG_CTL_LINE" ]; then
    # The command may have stopped the cluster itself (the outage test): then this says so and
    # changes nothing.
    sh -c "$PG_CTL_LINE stop -m immediate" >/dev/null 2>&1 || true
  fi
  rm -rf "$ROOT"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$SOCK" "$TLS"
# The socket folder is private to the cluster's owner: the superuser logs in there without a
# password (below), so no other local user may reach it.
chmod 700 "$SOCK"

# TLS: a CA for this run only, and a server certificate signed by it for the names clients use.
# rustls (sqlx's TLS) wants a v3 CA with basicConstraints CA:TRUE, and the server's names in
# subjectAltName (the CN is ignored), the IP address as an IP entry.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=ScimDesk test CA $(basename "$ROOT")" -keyout "$TLS/ca.key" -out "$TLS/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=127.0.0.1" -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
cat >"$TLS/server.ext" <<'EOF'
subjectAltName=IP:127.0.0.1,DNS:localhost
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EOF
openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial -days 2 \
  -extfile "$TLS/server.ext" -out "$TLS/server.crt" 2>/dev/null
rm -f "$TLS/ca.key" "$TLS/server.csr" "$TLS/ca.srl"
# PostgreSQL refuses a key file that others can read.
chmod 600 "$TLS/server.key"
chmod 644 "$TLS/ca.pem" "$TLS/server.crt"

PASSWORD=$(openssl rand -hex 16)
chown -R "$OWNER" "$ROOT"
chmod 755 "$ROOT"

# UTF-8 with a Unicode-aware ctype (C.UTF-8 is always there on Debian), as a production cluster
# would have, so case-insensitive comparisons in SQL see more than ASCII. fsync stays on: the
# tests claim that an answered write is durable.
"${AS[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 >"$ROOT/initdb.log" 2>&1 \
  || { cat "$ROOT/initdb.log" >&2; exit 1; }

cat >"$ROOT/pg_hba.conf" <<'EOF'
# The superuser only through the private socket (to create the test role); everyone else over
# TCP on 127.0.0.1 with a SCRAM password, with or without TLS (the client's sslmode decides).
local all postgres trust
host  all all      127.0.0.1/32 scram-sha-256
EOF
chown "$OWNER" "$ROOT/pg_hba.conf"
"${AS[@]}" cp "$ROOT/pg_hba.conf" "$PGDATA/pg_hba.conf"

"${AS[@]}" tee -a "$PGDATA/postgresql.conf" >/dev/null <<EOF

# scripts/with-postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
password_encryption = 'scram-sha-256'
# Every test serves its own instances, each with a pool of connections; the suites run two
# tests at a time, the balancer tests up to three instances and the CLI.
max_connections = 300
fsync = on
include = '$ROOT/port.conf'
EOF

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# -l: the server's output goes to a file, never to the caller's pipes (a test that starts the
# cluster again and reads pg_ctl's output would otherwise wait for the server to exit).
PG_CTL_LINE="$(printf '%q ' "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60)"
# A free port below the ephemeral range (32768+), so no client's outgoing connection holds it;
# another program may still take it between the check and the start: then try another.
started=""
for _ in 1 2 3 4 5 6 7 8; do
  PORT=$((20000 + RANDOM % 12000))
  port_is_free "$PORT" || continue
  echo "port = $PORT" >"$ROOT/port.conf"
  chown "$OWNER" "$ROOT/port.conf"
  if sh -c "$PG_CTL_LINE start" >/dev/null 2>&1; then started=1; break; fi
done
[ -n "$started" ] || { echo "with-postgres: the cluster did not start:" >&2; tail -n 30 "$LOG" >&2 || true; exit 1; }

"${AS[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres \
  -c "CREATE ROLE scimdesk LOGIN CREATEDB PASSWORD '$PASSWORD'" >/dev/null

export SCIMDESK_TEST_POSTGRES_URL="postgres://scimdesk:$PASSWORD@127.0.0.1:$PORT"
export SCIMDESK_TEST_POSTGRES_CA="$TLS/ca.pem"
export SCIMDESK_TEST_PG_CTL="$PG_CTL_LINE"
export SCIMDESK_TEST_PGDATA="$PGDATA"
echo "with-postgres: PostgreSQL 15 on 127.0.0.1:$PORT (TLS, data in $PGDATA)" >&2

# Not exec: the trap must remove the cluster after the command, and the command's exit code is
# kept as ours. In the background (its stdin kept) and waited for, so that a TERM or INT sent to
# this script is passed on at once rather than after the command ends on its own.
"$@" <&0 &
CHILD=$!
trap 'kill -TERM "$CHILD" 2>/dev/null || true' TERM
trap 'kill -INT "$CHILD" 2>/dev/null || true' INT
set +e
while :; do
  wait "$CHILD"
  status=$?
  # A signal ends `wait` early: wait again while the command still runs.
  kill -0 "$CHILD" 2>/dev/null || break
done
set -e
exit "$status"
