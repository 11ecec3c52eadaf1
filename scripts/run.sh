#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and launch the ScimDesk desktop app.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# An optimised build by default: the admin runs this one; `--debug` builds faster.
if [ "${1:-}" = "--debug" ]; then shift; exec ./scripts/run-app.sh "$@"; fi
exec ./scripts/run-app.sh --release "$@"
