#!/usr/bin/env bash
# Set up a fresh Debian 12 machine and launch the ScimDesk desktop app.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec ./scripts/run-app.sh "$@"
