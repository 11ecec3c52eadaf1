#!/usr/bin/env bash
# Run a command inside a private D-Bus session with a fresh, unlocked gnome-keyring, so the
# engine's keychain calls reach a real Secret Service without touching the user's own keyring.
# Usage: scripts/with-keyring.sh <command> [args...]
set -euo pipefail
if [ "${SCIMDESK_IN_KEYRING:-}" = 1 ]; then exec "$@"; fi
XDG_DATA_HOME=$(mktemp -d); XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME XDG_RUNTIME_DIR SCIMDESK_IN_KEYRING=1
# A fresh keyring every run: an old one unlocked with another password would stay locked and,
# with a DISPLAY, open a prompt that never closes.
exec dbus-run-session -- sh -c 'printf %s scimdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh "$@"
