#!/usr/bin/env bash
# Take screenshots of the desktop app's main screens into docs/screenshot-*.png: the real app under
# Xvfb, driven through tauri-driver, with a source that Entra-shaped requests fill. Needs the
# packages of the test list plus imagemagick (/usr/bin/import).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[[ -x /usr/bin/import ]] || { echo "screenshots: /usr/bin/import is missing; apt-get install imagemagick" >&2; exit 1; }

if [[ ! -d ui/node_modules ]]; then (cd ui && npm ci --no-audit --no-fund --loglevel=error); fi
(cd ui && npm run build --silent)
cargo build -p scimdesk-app
[[ -x .tools/bin/tauri-driver ]] || cargo install tauri-driver --locked --root "$ROOT/.tools"
if [[ ! -d e2e/node_modules ]]; then (cd e2e && npm ci --no-audit --no-fund --loglevel=error); fi

export SCIMDESK_APP_BINARY="$ROOT/target/debug/scimdesk-app" TAURI_DRIVER="$ROOT/.tools/bin/tauri-driver"
mkdir -p docs
cd e2e
./headless.sh node screenshots.mjs
./headless.sh node screenshots.mjs --dark
