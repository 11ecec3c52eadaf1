#!/usr/bin/env bash
# Run every fuzz target (or the ones named) for SECONDS each, one after the other, one job.
# libFuzzer through cargo-fuzz on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc take
# the nightly-only flags cargo-fuzz passes (-Z sanitizer=address, -C passes=sancov-module, ...).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 600 s, all targets)
# cargo-fuzz is installed on first use into .tools (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(filter_parse patch_path request)

export PATH="$PWD/.tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --root "$PWD/.tools"
fi
export RUSTC_BOOTSTRAP=1

cd fuzz
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    echo "== $t: ${seconds}s" >&2
    # -timeout: an input that takes longer than 10 s counts as a hang (a finding).
    # The seeds dir is read-only input; new inputs go to corpus/$t.
    cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
done
