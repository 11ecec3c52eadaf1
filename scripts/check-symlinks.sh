#!/usr/bin/env bash
# Fail when a tracked symbolic link points outside the repository (an absolute path, or a
# relative one that climbs out): such a link dangles on every other machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)
bad=0
while IFS= read -r -d '' entry; do
  mode=${entry%% *}
  path=${entry#*$'\t'}
  [[ $mode == 120000 ]] || continue
  target=$(git cat-file -p "$(git rev-parse ":$path")")
  if [[ $target == /* ]]; then
    echo "check-symlinks: $path points to the absolute path $target" >&2
    bad=1
    continue
  fi
  resolved=$(realpath -m "$(dirname "$root/$path")/$target")
  if [[ $resolved != "$root" && $resolved != "$root"/* ]]; then
    echo "check-symlinks: $path points outside the repository ($target)" >&2
    bad=1
  fi
done < <(git ls-files -s -z)
exit $bad
