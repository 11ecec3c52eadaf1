#!/usr/bin/env bash
# Regenerate the window's TypeScript bindings (ui/src/bindings.ts) from the shell's Rust commands
# and events, and fail when the committed file differs: a changed command or field must come with
# its regenerated bindings, so the UI is type-checked against what the shell really sends.
#
# Builds the shell library and its small `export-bindings` example (no window, no built UI needed);
# the app build that follows reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo run --quiet --locked -p scimdesk-app --example export-bindings
if ! git ls-files --error-unmatch ui/src/bindings.ts >/dev/null 2>&1; then
  echo "check-bindings: ui/src/bindings.ts is not committed; commit it" >&2
  exit 1
fi
if ! git diff --exit-code -- ui/src/bindings.ts; then
  echo "check-bindings: ui/src/bindings.ts is stale; run scripts/check-bindings.sh and commit the result" >&2
  exit 1
fi
echo "check-bindings: ui/src/bindings.ts matches the Rust definitions"
