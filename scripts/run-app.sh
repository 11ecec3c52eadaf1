#!/usr/bin/env bash
# Build the UI and the ScimDesk desktop app, then launch it. Arguments: --release for an optimised
# build (slower to build). SCIMDESK_DATA_DIR and SCIMDESK_BIND override the data directory and the
# listen address, as for the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_flags=()
if [[ "${1:-}" == "--release" ]]; then
  profile=release
  cargo_flags+=(--release)
fi

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules ]]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npm run build --silent)
cargo build -p scimdesk-app "${cargo_flags[@]}"
exec "target/$profile/scimdesk-app"
