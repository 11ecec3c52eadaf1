#!/usr/bin/env bash
# Install what ScimDesk needs to build, run and test on Debian 12. Safe to run again: packages
# already present are skipped, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: WebKitGTK and friends for the Tauri window, D-Bus for the keychain and keep-awake (logind).
BUILD_PACKAGES="build-essential pkg-config file libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libgtk-3-dev
libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev"
# Tests: a headless X server, WebKit's WebDriver, a clipboard reader, private buses (dbus-daemon,
# from `dbus`: a session bus, and a system bus with a stand-in for logind for keep-awake) and a
# real Secret Service (gnome-keyring); imagemagick for screenshots; systemd for
# `systemd-analyze verify` of the unit `scimdesk service install` writes; python3-xlib to close
# the window as a window manager would (e2e/x11.py); caddy as the TLS front (the tunnel) that
# `scimdesk check` is tested through; python3-venv for the conformance checker's virtualenv
# (scripts/conformance.sh installs scim2-tester from PyPI into it). For the engine on PostgreSQL
# (scripts/test-postgres.sh): postgresql-15 and its client (createdb, psql, pg_dump), from which
# scripts/with-postgres.sh starts a throwaway cluster with TLS (openssl makes its certificates),
# and nginx, the load balancer in front of several `scimdesk serve` (tests/balancer.rs).
TEST_PACKAGES="webkit2gtk-driver xvfb xauth xdotool xclip dbus dbus-x11 gnome-keyring libsecret-tools imagemagick systemd python3-xlib caddy python3-venv
postgresql-15 postgresql-client-15 openssl nginx"
# Packages (scripts/package.sh, scripts/test-package.sh): lintian checks the .deb, rpm lists what
# the .rpm holds, curl asks the installed app's server.
PACKAGE_PACKAGES="lintian rpm curl"

missing=()
for p in $BUILD_PACKAGES $TEST_PACKAGES $PACKAGE_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  # The caddy package starts a system-wide Caddy on port 80 where systemd runs; the tests start
  # their own on 127.0.0.1 and need none.
  if [[ " ${missing[*]} " == *" caddy "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now caddy >/dev/null 2>&1 || true
  fi
  # Likewise nginx (port 80) and the cluster postgresql-15 creates and starts (15/main on port
  # 5432): the tests start their own cluster and their own nginx, on 127.0.0.1 and free ports.
  if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now postgresql postgresql@15-main >/dev/null 2>&1 || true
  fi
fi

command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
# The tests check formatting and lints: rustfmt and clippy come with the toolchain (rustup).
for tool in fmt clippy; do
  if ! cargo "$tool" --version >/dev/null 2>&1; then
    component=$([ "$tool" = fmt ] && echo rustfmt || echo clippy)
    rustup component add "$component" || { echo "setup: cargo $tool is required (rustup component add $component)" >&2; exit 1; }
  fi
done
command -v npm >/dev/null || { echo "setup: Node.js 20 and npm are required for the desktop window" >&2; exit 1; }

if [ -f ui/package-lock.json ] && [ ! -d ui/node_modules ]; then
  echo "setup: installing the window's npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -f e2e/package-lock.json ] && [ ! -d e2e/node_modules ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: done"
