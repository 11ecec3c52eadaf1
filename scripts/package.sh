#!/usr/bin/env bash
# Build the release app and CLI and bundle them, with the Tauri CLI (npm @tauri-apps/cli, in ui/),
# as a .deb and an .rpm in target/packages/ (under $CARGO_TARGET_DIR when set). Installs what is
# missing first (scripts/setup.sh); lintian then checks the .deb (errors fail the build).
#
# AppImage is left out: its bundler downloads linuxdeploy and its plugins while it runs.
#
# What a package holds (all from packaging/ but the binaries and icons):
#   /usr/bin/scimdesk-app, /usr/bin/scimdesk     the app, and the CLI next to it (the app looks for
#                                                 the CLI in its own folder first)
#   /usr/share/applications/scimdesk.desktop      the menu entry (System), icons 16 to 512 px
#   /usr/lib/systemd/user/scimdesk.service        the background service for any user who enables it
#   /usr/share/man/man1/scimdesk{,-app}.1.gz      manual pages
#   /usr/share/doc/scimdesk/{copyright,changelog.gz,third-party-licenses.gz}
#   /usr/share/lintian/overrides/scimdesk
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$SECONDS
./scripts/setup.sh

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET = /* ]] || TARGET=$ROOT/$TARGET
OUT=$TARGET/packages
# The bundler takes the binaries from <target folder>/release: it gets a target folder of its own
# holding stripped copies, so that cargo's own outputs stay as cargo built them (and the bundler's
# in-place patching of the app binary never touches them).
STAGE=$OUT/stage

step() { printf '\n== package: %s\n' "$*"; }

version=$(cargo pkgid -p scimdesk | sed 's/.*[#@]//')
# The version is the workspace's (Cargo.toml); each one needs its changelog entry.
if ! head -n1 packaging/changelog | grep -qF "scimdesk ($version) "; then
  echo "package: packaging/changelog has no entry for $version at the top; add one" >&2
  exit 1
fi

step "UI: build"
if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules ]]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npm run build --silent)

step "app and CLI: release build"
# One cargo run for both, so the engine is compiled once (with the app's features); the same
# command as `scripts/run.sh` for the app, which then reuses this build.
cargo build --release --locked -p scimdesk-app -p scimdesk --bin scimdesk-app --bin scimdesk

step "stage: stripped binaries, manual pages, changelog, copyright"
rm -rf "$STAGE"
mkdir -p "$STAGE/release" "$STAGE/files"
for bin in scimdesk-app scimdesk; do
  # As dh_strip does: no debug information, no .comment/.note sections (lintian: unstripped binary).
  strip --remove-section=.comment --remove-section=.note -o "$STAGE/release/$bin" "$TARGET/release/$bin"
done
cli_version=$("$STAGE/release/scimdesk" --version)
if [[ $cli_version != "scimdesk $version" ]]; then
  echo "package: the CLI says '$cli_version', the workspace '$version'" >&2
  exit 1
fi
F=$STAGE/files
install -m 0644 packaging/copyright packaging/scimdesk.service "$F/"
install -m 0644 packaging/lintian-overrides "$F/lintian-overrides"
for page in scimdesk.1 scimdesk-app.1; do
  gzip -9n <"packaging/$page" >"$F/$page.gz"
done
# A native package (its version has no Debian revision): the Debian changelog is changelog.gz.
gzip -9n <packaging/changelog >"$F/changelog.gz"
# What the binaries contain of others' work, each with its licence (the copyright file points here).
{
  echo "Rust crates compiled into /usr/bin/scimdesk-app and /usr/bin/scimdesk (name, version, licence):"
  cargo tree --locked --target x86_64-unknown-linux-gnu -e normal -p scimdesk-app -p scimdesk --prefix none \
    -f '{p}|{l}' | grep -v -e '(/' -e '^$' | sed 's/ (\*)//' | sort -u | awk -F'|' '{printf "  %-44s %s\n", $1, $2}'
  echo
  echo "npm packages built into the window (name, version, licence):"
  node -e 'const p = require("./ui/package-lock.json").packages;
    for (const [k, v] of Object.entries(p).sort()) if (k && !v.dev && !v.devOptional)
      console.log(`  ${k.replace(/^.*node_modules\//, "").padEnd(35)} ${v.version.padEnd(10)} ${v.license ?? "?"}`);'
} | gzip -9n >"$F/third-party-licenses.gz"
chmod 0644 "$F"/*.gz

step "dependencies: the shared libraries the binaries link"
# dpkg-shlibdeps reads each library's package and minimum version (libc6 (>= 2.34), ...). Tauri adds
# what is loaded at run time rather than linked (libayatana-appindicator3-1 for the tray), and
# repeats WebKitGTK and GTK without a version: harmless, the versioned ones found here still hold.
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$shlibs_dir"' EXIT
mkdir -p "$shlibs_dir/debian"
printf 'Source: scimdesk\n\nPackage: scimdesk\nArchitecture: any\n' >"$shlibs_dir/debian/control"
depends=$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$STAGE/release/scimdesk-app" "$STAGE/release/scimdesk" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
echo "$depends"

# Paths in the generated configuration are absolute: the target folder can be anywhere.
cat >"$STAGE/tauri.files.json" <<EOF
{
  "bundle": {
    "linux": {
      "deb": {
        "depends": ["$(printf '%s' "$depends" | sed 's/, */", "/g')"],
        "files": {
          "/usr/bin/scimdesk": "$STAGE/release/scimdesk",
          "/usr/lib/systemd/user/scimdesk.service": "$F/scimdesk.service",
          "/usr/share/man/man1/scimdesk.1.gz": "$F/scimdesk.1.gz",
          "/usr/share/man/man1/scimdesk-app.1.gz": "$F/scimdesk-app.1.gz",
          "/usr/share/doc/scimdesk/copyright": "$F/copyright",
          "/usr/share/doc/scimdesk/changelog.gz": "$F/changelog.gz",
          "/usr/share/doc/scimdesk/third-party-licenses.gz": "$F/third-party-licenses.gz",
          "/usr/share/lintian/overrides/scimdesk": "$F/lintian-overrides"
        }
      },
      "rpm": {
        "files": {
          "/usr/bin/scimdesk": "$STAGE/release/scimdesk",
          "/usr/lib/systemd/user/scimdesk.service": "$F/scimdesk.service",
          "/usr/share/man/man1/scimdesk.1.gz": "$F/scimdesk.1.gz",
          "/usr/share/man/man1/scimdesk-app.1.gz": "$F/scimdesk-app.1.gz",
          "/usr/share/licenses/scimdesk/LICENSE": "$ROOT/LICENSE",
          "/usr/share/doc/scimdesk/third-party-licenses.gz": "$F/third-party-licenses.gz"
        }
      }
    }
  }
}
EOF

step "bundle: .deb and .rpm (Tauri CLI)"
# packaging/tauri.bundle.json is merged at this step only, so that changing a package never
# rebuilds the app. Its productName, "scimdesk", names the packages (the bundler kebab-cases it:
# "ScimDesk" would give "scim-desk") and the menu entry's file; the app keeps the one compiled in.
(cd src-tauri && CARGO_TARGET_DIR=$STAGE ../ui/node_modules/.bin/tauri bundle --ci --bundles deb,rpm \
  --config ../packaging/tauri.bundle.json --config "$STAGE/tauri.files.json")

rm -f "$OUT"/*.deb "$OUT"/*.rpm
deb=$OUT/ScimDesk_${version}_amd64.deb
cp "$STAGE/release/bundle/deb/scimdesk_${version}_amd64.deb" "$deb"
cp "$STAGE/release/bundle/rpm/scimdesk-${version}-1.x86_64.rpm" "$OUT/ScimDesk-${version}-1.x86_64.rpm"

if command -v lintian >/dev/null; then
  step "lintian"
  # Errors fail the build. There are no warnings; the info-level remarks kept on purpose are
  # explained in packaging/lintian-overrides (shipped in the package, where lintian reads them).
  lintian --info --display-info "$deb" || { echo "package: lintian found errors in $deb" >&2; exit 1; }
fi

step "done in $((SECONDS - started)) s"
ls -l "$OUT"/*.deb "$OUT"/*.rpm
