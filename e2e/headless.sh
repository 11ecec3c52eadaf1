#!/usr/bin/env bash
# Run a command with a virtual display (Xvfb, 1280x800), a private D-Bus session and a fresh,
# unlocked gnome-keyring: the desktop app then has a real window, clipboard and keychain without
# touching the user's own session. Usage: e2e/headless.sh <command> [args...]
set -euo pipefail
if [[ "${SCIMDESK_HEADLESS_INNER:-}" == 1 ]]; then
  # Inside the bus: start the Secret Service, unlocked with a throwaway password.
  printf %s scimdesk-e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"
fi
# A fresh keyring every run: one left from another run, unlocked with another password, stays
# locked and would open a password prompt that never closes.
XDG_DATA_HOME=$(mktemp -d)
XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"' EXIT
SCIMDESK_HEADLESS_INNER=1 xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- "$(readlink -f "$0")" "$@"
