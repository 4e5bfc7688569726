#!/usr/bin/env bash
# Builds what a user installs, for the platform this runs on, into dist/:
#   Linux    zlist_VERSION-1_ARCH.deb (cargo-deb) and zlist-VERSION-TARGET.tar.gz (the binary,
#            README.md, LICENSE); no AppImage (the README says why)
#   macOS    zlist-VERSION-ARCH.dmg holding zlist.app (cargo-packager; ARCH arm64 or x86_64)
#   Windows  zlist-VERSION-ARCH-setup.exe, an NSIS installer with a Start-menu entry
#            (cargo-packager), and zlist-VERSION-TARGET.zip (zlist.exe, README.md, LICENSE)
# and beside every archive a .sha256 file in sha256sum's format (`sha256sum -c` checks it).
#
# Usage: scripts/package.sh [--profile release|dev]
#   release (the default) is what a release ships. dev packages the debug build that
#   `cargo test` has already made, so scripts/check-package.sh can test the packaging cheaply.
# Honours CARGO_TARGET_DIR. Installs cargo-deb or cargo-packager (pinned versions, from
# crates.io) when missing.
set -euo pipefail

CARGO_DEB_VERSION=3.8.0
CARGO_PACKAGER_VERSION=0.11.8

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile="${2:-}"; shift 2 || shift ;;
        --profile=*) profile="${1#--profile=}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "package.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$profile" in
    release) profile_dir=release ;;
    dev) profile_dir=debug ;;
    *) echo "package.sh: --profile must be release or dev, not '$profile'" >&2; exit 2 ;;
esac

# CARGO_TARGET_DIR is relative to where the caller stands, so make it absolute before cd.
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    mkdir -p "$CARGO_TARGET_DIR"
    CARGO_TARGET_DIR="$(cd "$CARGO_TARGET_DIR" && pwd)"
    export CARGO_TARGET_DIR
fi
cd "$(dirname "$0")/.."
root="$PWD"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin_dir="$target_dir/$profile_dir"
dist="$root/dist"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
host="$(rustc -vV | sed -n 's/^host: //p')"
arch="${host%%-*}"
case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
    *) echo "package.sh: no packaging for $(uname -s)" >&2; exit 1 ;;
esac

say() { echo "package.sh: $*" >&2; }

# The checksum file for dist/NAME: dist/NAME.sha256, "HASH  NAME" as sha256sum writes it.
checksum() {
    local name
    name="$(basename "$1")"
    if command -v sha256sum >/dev/null 2>&1; then
        (cd "$dist" && sha256sum "$name" >"$name.sha256")
    else
        (cd "$dist" && shasum -a 256 "$name" >"$name.sha256")
    fi
    say "made dist/$name ($(du -k "$dist/$name" | cut -f1) KiB) and dist/$name.sha256"
}

# `cargo install` of a pinned packaging tool, unless that version is already there.
ensure_tool() {
    local crate="$1" version="$2" subcommand="$3"
    if cargo "$subcommand" --version 2>/dev/null | grep -qF "$version"; then
        return
    fi
    say "installing $crate $version from crates.io (a one-off compile of a few minutes)"
    cargo install --locked "$crate" --version "$version"
}

# shellcheck source=scripts/as-root.sh
. scripts/as-root.sh

# The binary. For dev, through `cargo test`: it resolves features with the dev-dependencies,
# as the `cargo test` run before it did, so that run's build is reused as it is (a plain
# `cargo build` would rebuild the crates whose features differ). Its --test it also
# builds target/debug/zlist, which the integration tests run.
say "building zlist ($profile profile) for $host"
if [ "$profile" = dev ]; then
    cargo test --locked --no-run --test it
else
    cargo build --locked --profile "$profile" --bin zlist
fi

rm -rf "$dist"
mkdir -p "$dist"

# dist/NAME.tar.gz or .zip of the binary with README.md and LICENSE, in a folder NAME/.
archive() {
    local name="$1" format="$2" exe="$3" stage
    stage="$(mktemp -d)"
    mkdir "$stage/$name"
    cp "$bin_dir/$exe" README.md LICENSE "$stage/$name/"
    if [ "$format" = tar.gz ]; then
        tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$dist/$name.tar.gz" "$name"
    else
        (cd "$stage" && 7z a -tzip -bd "$dist/$name.zip" "$name" >/dev/null)
    fi
    rm -rf "$stage"
    checksum "$dist/$name.$format"
}

case "$os" in
    linux)
        ensure_tool cargo-deb "$CARGO_DEB_VERSION" deb
        # cargo-deb finds the runtime dependencies ($auto) with dpkg-shlibdeps, from dpkg-dev.
        if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
            say "installing dpkg-dev for dpkg-shlibdeps (the .deb's Depends)"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null \
                || { as_root apt-get update -qq \
                    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null; } \
                || { say "error: dpkg-shlibdeps is missing and dpkg-dev could not be installed"; exit 1; }
        fi
        # --no-build: packages the binary built above. cargo-deb warns that it is meant for
        # release builds when the profile is dev; that is the point of --profile dev here.
        cargo deb --locked --no-build --profile "$profile" --output "$dist/"
        for deb in "$dist"/*.deb; do checksum "$deb"; done
        archive "zlist-$version-$host" tar.gz zlist
        say "no AppImage: appimagetool and linuxdeploy (which cargo-packager would use) are" \
            "downloaded at packaging time, not installed from a package registry, so it is skipped"
        ;;
    macos)
        ensure_tool cargo-packager "$CARGO_PACKAGER_VERSION" packager
        out="$target_dir/packager"
        rm -rf "$out"
        cargo packager --formats app,dmg --binaries-dir "$bin_dir" --out-dir "$out"
        dmgs=("$out"/*.dmg)
        [ -f "${dmgs[0]}" ] || { say "error: cargo-packager made no .dmg in $out"; exit 1; }
        # Apple's name for the architecture: arm64 (Apple silicon) or x86_64 (Intel).
        mac_arch="$arch"
        [ "$arch" = aarch64 ] && mac_arch=arm64
        cp "${dmgs[0]}" "$dist/zlist-$version-$mac_arch.dmg"
        checksum "$dist/zlist-$version-$mac_arch.dmg"
        ;;
    windows)
        ensure_tool cargo-packager "$CARGO_PACKAGER_VERSION" packager
        out="$target_dir/packager"
        rm -rf "$out"
        cargo packager --formats nsis --binaries-dir "$bin_dir" --out-dir "$out"
        installers=("$out"/*-setup.exe)
        [ -f "${installers[0]}" ] || { say "error: cargo-packager made no NSIS installer in $out"; exit 1; }
        cp "${installers[0]}" "$dist/zlist-$version-$arch-setup.exe"
        checksum "$dist/zlist-$version-$arch-setup.exe"
        archive "zlist-$version-$host" zip zlist.exe
        ;;
esac

say "done: $(cd "$dist" && echo *)"
