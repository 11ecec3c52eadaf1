#!/usr/bin/env bash
# Issue 11's "cheap when idle" benchmark: builds the window (ui/dist) and the release app and CLI,
# then runs e2e/idle-bench.mjs under Xvfb with a private session bus and keychain
# (e2e/headless.sh). Arguments go to idle-bench.mjs, e.g.:
#
#   scripts/bench-idle.sh                          # the issue's 5-minute idle spans (about 30 min)
#   scripts/bench-idle.sh --idle-seconds 60        # a quicker look
#   scripts/bench-idle.sh --only memory --cycles 10
#
# SCIMDESK_BENCH_NO_BUILD=1 skips the builds (the binaries in target/release are used as they are).
# Needs what scripts/test-app.sh needs (the system packages of scripts/setup.sh, tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

if [[ "${SCIMDESK_BENCH_NO_BUILD:-}" != 1 ]]; then
  [[ -d ui/node_modules ]] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  (cd ui && npm run build --silent)
  cargo build --release -p scimdesk-app -p scimdesk
fi
[[ -d e2e/node_modules ]] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
if [[ -z "${TAURI_DRIVER:-}" ]]; then
  TAURI_DRIVER=$ROOT/.tools/bin/tauri-driver
  [[ -x "$TAURI_DRIVER" ]] || cargo install tauri-driver --locked --root "$ROOT/.tools"
fi

export TAURI_DRIVER SCIMDESK_APP_BINARY="$TARGET/release/scimdesk-app" SCIMDESK_CLI_BINARY="$TARGET/release/scimdesk"
cd e2e
exec ./headless.sh node idle-bench.mjs "$@"
