#!/usr/bin/env bash
# Run the independent SCIM conformance checker scim2-tester (PyPI) against a real
# `scimdesk serve` on 127.0.0.1 with a temporary data folder and one source; fails on any failure.
# The checker lives in a virtualenv, .venv (created here once; python3-venv on Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
# Pinned: a new version of the checker may add checks; take it on purpose, not by surprise.
TESTER="scim2-tester[httpx2]==0.5.2"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import scim2_tester, httpx2" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$TESTER"
fi

cargo build --quiet --locked --bin scimdesk
BIN="${CARGO_TARGET_DIR:-target}/debug/scimdesk"

DATA=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

# No keychain is needed: the token is printed once, and `serve` checks tokens against their hash.
TOKEN=$("$BIN" --data-dir "$DATA" source create Conformance --slug conformance --provider other 2>/dev/null \
  | grep '^scimdesk_')
"$BIN" --data-dir "$DATA" serve --bind 127.0.0.1:0 >"$DATA/serve.out" 2>"$DATA/serve.log" &
SERVER=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$DATA/serve.out" 2>/dev/null && break
  sleep 0.1
done
PORT=$(head -n1 "$DATA/serve.out" | sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p')
if [ -z "$PORT" ]; then
  echo "conformance: scimdesk serve did not start:" >&2
  cat "$DATA/serve.log" >&2
  exit 1
fi

"$VENV/bin/python" scripts/conformance.py "http://127.0.0.1:$PORT/source/scim/conformance/v2" "$TOKEN"
