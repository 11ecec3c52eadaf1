#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and run every test: the engine's unit and black-box tests (on
# SQLite, then on PostgreSQL), the benchmark's smoke run, the SCIM conformance checker, the
# desktop app's unit and end-to-end tests, and the .deb package (built, installed with apt,
# used, purged).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo "== tidiness: no symlink out of the repository, rustfmt, clippy (warnings are errors)"
./scripts/check-symlinks.sh
cargo fmt --all --check
cargo clippy --workspace --exclude scimdesk-app --all-targets --locked -- -D warnings

echo "== engine, CLI and benchmark smoke tests (real server on 127.0.0.1, real SQLite, real gnome-keyring)"
./scripts/with-keyring.sh cargo test --workspace --exclude scimdesk-app --locked

echo "== engine on PostgreSQL: the black-box suites on a throwaway PostgreSQL 15 cluster (TLS), and several instances on one database behind nginx"
./scripts/test-postgres.sh

echo "== conformance: the independent checker scim2-tester against a real scimdesk serve on 127.0.0.1"
./scripts/conformance.sh

echo "== desktop app: front-end unit tests and end-to-end tests in a real window"
./scripts/test-app.sh

# The release build has nothing to share with the debug builds above (cargo keeps each profile's
# artefacts apart): on 2 cores a cold one takes about 11 minutes, the bundles, lintian and the
# package test one more; CI was about 17 minutes without them.
echo "== packages: build the .deb and .rpm (release), install the .deb as an admin would, use it, purge it"
./scripts/test-package.sh
