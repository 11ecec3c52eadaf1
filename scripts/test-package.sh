#!/usr/bin/env bash
# Test the .deb as an admin uses it: build it (scripts/package.sh; `--no-build` takes the one in
# target/packages/), `apt-get install ./ScimDesk_<v>_amd64.deb`, use the installed CLI and app
# (a source on a temporary data folder, the keychain, the service definition, the window under
# Xvfb and its SCIM server), then `apt-get remove --purge` and check that nothing of the package
# is left but the admin's data. Needs root (or sudo) and the packages of scripts/setup.sh.
# Only this machine's 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
PKG=scimdesk

if [[ "${SCIMDESK_PACKAGE_TEST_INNER:-}" == 1 ]]; then
  # Inside e2e/headless.sh: Xvfb, a private session bus and an unlocked gnome-keyring.
  fail() { echo "test-package: $*" >&2; exit 1; }
  data=$WORK/data
  export SCIMDESK_DATA_DIR=$data HOME=$WORK/home
  unset XDG_CONFIG_HOME
  mkdir -p "$HOME"

  echo "-- the installed CLI creates a source, its token goes to the keychain"
  scimdesk source create "Entra ID" >"$WORK/create.out"
  grep -q "entra-id" "$WORK/create.out" || fail "source create: $(cat "$WORK/create.out")"
  token=$(scimdesk source token entra-id)
  [[ $token == scimdesk_* ]] || fail "source token printed '$token'"

  echo "-- service install writes a unit that runs the installed CLI"
  scimdesk service install --no-start >/dev/null
  unit=$HOME/.config/systemd/user/scimdesk.service
  grep -qx "ExecStart=/usr/bin/scimdesk --data-dir $data serve" "$unit" ||
    fail "$unit runs: $(grep ExecStart "$unit")"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
  # The packaged unit (/usr/lib/systemd/user) is a copy for the default data folder: same sandbox.
  settings() { grep -E '^(Type|Restart|RestartSec|NoNewPrivileges|Private|Protect|Restrict|Lock|System|Memory|UMask|WantedBy)' "$1"; }
  diff <(settings "$unit") <(settings /usr/lib/systemd/user/scimdesk.service) ||
    fail "packaging/scimdesk.service and the unit service install writes (src/cli/service/systemd.rs) differ"
  scimdesk service uninstall >/dev/null
  [[ ! -e $unit ]] || fail "service uninstall left $unit"

  echo "-- the installed app opens its window and serves SCIM"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SCIMDESK_BIND=127.0.0.1:$port scimdesk-app >"$WORK/app.log" 2>&1 &
  app=$!
  stop_app() { kill "$app" 2>/dev/null && { timeout 10 tail --pid="$app" -f /dev/null || kill -9 "$app"; } || true; }
  trap stop_app EXIT
  window=""
  answer=""
  for _ in $(seq 1 120); do
    kill -0 "$app" 2>/dev/null || fail "the app ended: $(cat "$WORK/app.log")"
    [[ -n $window ]] || window=$(xdotool search --onlyvisible --pid "$app" --name '^ScimDesk$' 2>/dev/null | head -n1 || true)
    [[ -n $answer ]] || answer=$(curl -fsS --max-time 2 -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port/source/scim/entra-id/v2/ServiceProviderConfig" 2>/dev/null || true)
    [[ -n $window && -n $answer ]] && break
    sleep 0.5
  done
  [[ -n $window ]] || fail "no visible window named ScimDesk of the app after 60 s; app log: $(cat "$WORK/app.log")"
  [[ $answer == *urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig* ]] ||
    fail "127.0.0.1:$port did not answer ServiceProviderConfig with the token: '$answer'"
  echo "window $window is open, 127.0.0.1:$port answers"
  stop_app
  trap - EXIT
  exit 0
fi

started=$SECONDS
if [[ "${1:-}" != "--no-build" ]]; then
  ./scripts/package.sh
fi
OUT=${CARGO_TARGET_DIR:-$ROOT/target}/packages
[[ $OUT = /* ]] || OUT=$ROOT/$OUT
deb=$(ls "$OUT"/ScimDesk_*_amd64.deb)
version=$(cargo pkgid -p scimdesk | sed 's/.*[#@]//')
step() { printf '\n== test-package: %s\n' "$*"; }

WORK=$(mktemp -d)
export WORK
cleanup() {
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then
    $SUDO apt-get remove --purge -y -qq "$PKG" >/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "the .rpm holds the same files"
if command -v rpm >/dev/null; then
  rpm_files=$(rpm -qlp "$OUT"/*.rpm)
  for f in /usr/bin/scimdesk-app /usr/bin/scimdesk /usr/lib/systemd/user/scimdesk.service \
    /usr/share/man/man1/scimdesk.1.gz /usr/share/applications/scimdesk.desktop; do
    grep -qx "$f" <<<"$rpm_files" || { echo "test-package: the .rpm lacks $f" >&2; exit 1; }
  done
  rpm -qp --requires "$OUT"/*.rpm | grep -q 'libwebkit2gtk-4.1.so.0' ||
    { echo "test-package: the .rpm does not require WebKitGTK 4.1" >&2; exit 1; }
fi

step "apt-get install $deb"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then
  # A package left by an interrupted run would hide what this one installs and leaves.
  $SUDO apt-get remove --purge -y -qq "$PKG" >/dev/null
fi
# Which of the package's folders exist already (shared ones such as /usr/share/man/man1).
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -E 's|^\./||; s|/$||; s|^|/|' | grep -vx / | sort >"$WORK/contents"
while read -r p; do [[ -d $p ]] && echo "$p"; done <"$WORK/contents" >"$WORK/dirs-before"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$deb" >/dev/null
# Every path the package installed, as dpkg knows them.
dpkg -L "$PKG" | grep -vx '/\.' | sort >"$WORK/paths"
cmp -s "$WORK/paths" "$WORK/contents" || { echo "test-package: dpkg -L differs from the .deb's contents" >&2; exit 1; }
[[ $(grep -c . "$WORK/paths") -gt 20 && $(head -n1 "$WORK/paths") == /* ]]

step "installed: the CLI next to the app, the version, the menu entry, icons, the unit"
[[ $(command -v scimdesk) == /usr/bin/scimdesk && -x /usr/bin/scimdesk-app ]] ||
  { echo "test-package: scimdesk and scimdesk-app are not both in /usr/bin" >&2; exit 1; }
[[ $(scimdesk --version) == "scimdesk $version" ]] ||
  { echo "test-package: scimdesk --version says '$(scimdesk --version)', expected $version" >&2; exit 1; }
[[ $(dpkg-query -W -f='${Version}' "$PKG") == "$version" ]]
# The menu entry starts the app, and desktops match its window (WM_CLASS scimdesk-app) to the entry.
grep -qx 'Exec=scimdesk-app' /usr/share/applications/scimdesk.desktop
grep -qx 'StartupWMClass=scimdesk-app' /usr/share/applications/scimdesk.desktop
for size in 16 24 32 48 64 128 256 512; do
  [[ -f /usr/share/icons/hicolor/${size}x${size}/apps/scimdesk-app.png ]] ||
    { echo "test-package: no ${size}x${size} icon" >&2; exit 1; }
done
systemd-analyze verify /usr/lib/systemd/user/scimdesk.service
[[ -f /usr/share/doc/$PKG/copyright && -f /usr/share/doc/$PKG/changelog.gz && -f /usr/share/man/man1/scimdesk.1.gz ]]

step "the installed CLI and app, as the admin (Xvfb, session bus, keychain)"
SCIMDESK_PACKAGE_TEST_INNER=1 timeout 300 e2e/headless.sh "$ROOT/scripts/test-package.sh"

step "apt-get remove --purge: nothing of the package is left but the admin's data"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq -o DPkg::Lock::Timeout=600 "$PKG" >/dev/null
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "installed"; then
  echo "test-package: $PKG is still installed after the purge" >&2; exit 1
fi
left=()
while read -r p; do
  [[ -e $p || -L $p ]] || continue
  grep -qxF "$p" "$WORK/dirs-before" || left+=("$p")
done <"$WORK/paths"
if ((${#left[@]})); then
  printf 'test-package: left after the purge: %s\n' "${left[@]}" >&2
  exit 1
fi
[[ -f $WORK/data/scimdesk.db ]] || { echo "test-package: the admin's data folder went with the package" >&2; exit 1; }
echo "all $(wc -l <"$WORK/paths") paths of the package are gone but the $(wc -l <"$WORK/dirs-before") shared folders that were there before; the data folder stays"

step "passed in $((SECONDS - started)) s"
