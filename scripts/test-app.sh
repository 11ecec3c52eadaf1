#!/usr/bin/env bash
# Check the generated bindings, type-check, lint and build the UI, build the desktop app, then run
# the front-end unit tests (Vitest) and the end-to-end tests (tauri-driver + WebKitWebDriver under
# Xvfb, in a private session bus with gnome-keyring).
#
# Needs the Debian 12 packages of the build and test lists in the project's install step
# (libwebkit2gtk-4.1-dev ..., webkit2gtk-driver xvfb xauth xclip dbus dbus-x11 gnome-keyring
# python3-xlib).
# Installs what comes from npm and crates.io itself: the UI and e2e packages, and tauri-driver
# into .tools/ (skipped when present).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

missing=()
for tool in node npm cargo xvfb-run xauth dbus-run-session gnome-keyring-daemon WebKitWebDriver xclip; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
/usr/bin/python3 -c 'import Xlib' 2>/dev/null || missing+=("python3-xlib")
if ((${#missing[@]})); then
  echo "test-app: missing ${missing[*]}; install the system packages listed in docs (SETUP) first" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

step "UI: install"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)

step "Bindings: ui/src/bindings.ts matches the Rust commands and events"
./scripts/check-bindings.sh

step "UI: type-check, lint, build"
(cd ui && npm run typecheck --silent && npm run lint --silent && npm run build --silent)

step "UI: unit tests (Vitest)"
(cd ui && npx vitest run)

step "Desktop app and CLI: build (the e2e tests run both)"
cargo build -p scimdesk-app
# Apart, so the CLI keeps the engine's own features (already built by the engine's tests).
cargo build -p scimdesk --bin scimdesk

step "Desktop app: clippy (warnings are errors)"
cargo clippy -p scimdesk-app --all-targets --locked -- -D warnings

if [[ ! -x .tools/bin/tauri-driver ]]; then
  step "tauri-driver: install into .tools/"
  cargo install tauri-driver --locked --root "$ROOT/.tools"
fi

step "End-to-end tests: install the WebDriver client"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

step "End-to-end tests (Xvfb, private session bus, gnome-keyring)"
export SCIMDESK_APP_BINARY="$ROOT/target/debug/scimdesk-app" SCIMDESK_CLI_BINARY="$ROOT/target/debug/scimdesk"
export TAURI_DRIVER="$ROOT/.tools/bin/tauri-driver"
cd e2e
timeout 900 ./headless.sh npm test --silent
