#!/usr/bin/env bash
# The engine on PostgreSQL: its unit tests (the store's own on fresh databases) and the
# black-box suites again, on a throwaway PostgreSQL 15 cluster (scripts/with-postgres.sh;
# tests/common gives every data folder its own database), then the tests only PostgreSQL has
# (tests/postgres.rs, tests/balancer.rs: several instances on one database, behind nginx).
# Inside a private keyring like the other engine tests. Extra arguments go to every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Once inside both wrappers (the cluster's variables are set), run the tests.
if [ -z "${SCIMDESK_TEST_PGDATA:-}" ]; then
  exec ./scripts/with-keyring.sh ./scripts/with-postgres.sh "$0" "$@"
fi

# The suites that speak only HTTP and the CLI, so they test the database through the engine.
# Left out, as they cannot apply: keychain and secrets read the SQLite file and its WAL bytes;
# crash checks the SQLite file's integrity; cycles and events open the engine in-process on the
# data folder (the window's way), which the harness cannot point at a database; the others
# (attach, handover, service, keep_awake, check, connections) are about the process, its
# folder and its socket, which the database does not change.
SUITES=(entra_users entra_groups protocol hostile hostile_load concurrency durability okta onelogin search auth cli)
# Single tests that cannot apply: most look at the SQLite files themselves (nothing of theirs
# is in PostgreSQL); one expects `source list` to need the data folder, which on PostgreSQL only
# `serve` uses (for its lock and log; it refuses an unusable one all the same). (The store's unit
# tests that look at SQLite files open a SQLite store whatever the run.)
SKIP=(
  refused_requests_are_recorded_without_the_presented_token        # auth: greps scimdesk.db and its WAL
  a_database_from_a_newer_version_is_refused_untouched             # cli: edits scimdesk.db's migrations
  a_data_dir_that_cannot_be_written_is_a_clear_error               # cli: `source list` on an unusable folder
)

# The engine's unit tests too: the store's own tests (open_for_test) take a fresh database of
# this cluster each.
targets=(--lib)
for s in "${SUITES[@]}"; do targets+=(--test "$s"); done
skips=()
for t in "${SKIP[@]}"; do skips+=(--skip "$t"); done

# --no-fail-fast and both steps always: one run reports every test that fails on PostgreSQL.
failed=0
echo "== the engine's unit tests and the black-box suites on PostgreSQL: ${SUITES[*]}"
cargo test --locked --no-fail-fast "${targets[@]}" "$@" -- "${skips[@]}" || failed=1

echo "== PostgreSQL only: shared data, CLI changes, activity, outage, TLS; two instances behind nginx"
cargo test --locked --no-fail-fast --test postgres --test balancer "$@" -- --ignored || failed=1
exit "$failed"
