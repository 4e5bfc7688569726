#!/usr/bin/env bash
# Checks the Linux packages: runs scripts/package.sh, then unpacks the .deb and the tarball
# from dist/ and checks what a user would get: the files in their places, the control
# fields, the maintainer scripts, the systemd unit and its drop-in, the desktop entry
# (desktop-file-validate), the checksums, and that each packaged binary prints its version
# and serves a request (a server on 127.0.0.1 and `zlist send ... mostrar`, which answers
# `[]`). Exits non-zero at the first thing missing or wrong.
#
# Usage: scripts/check-package.sh [--profile dev|release]   (default dev: scripts/test.sh
# runs it right after `cargo test`, whose debug build it packages without rebuilding)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=dev
case "${1:-}" in
    "") ;;
    --profile) profile="${2:?--profile needs dev or release}" ;;
    --profile=*) profile="${1#--profile=}" ;;
    *) echo "check-package.sh: unknown argument: $1" >&2; exit 2 ;;
esac

fail() {
    echo "check-package: FAIL: $*" >&2
    exit 1
}
say() { echo "check-package: $*" >&2; }

# shellcheck source=scripts/as-root.sh
. scripts/as-root.sh

# desktop-file-validate, from Debian's desktop-file-utils.
if ! command -v desktop-file-validate >/dev/null 2>&1; then
    say "installing desktop-file-utils for desktop-file-validate"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq desktop-file-utils >/dev/null \
        || { as_root apt-get update -qq \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq desktop-file-utils >/dev/null; } \
        || fail "desktop-file-validate is missing and desktop-file-utils could not be installed"
fi

bash scripts/package.sh --profile "$profile"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
host="$(rustc -vV | sed -n 's/^host: //p')"
deb_arch="$(dpkg --print-architecture)"
deb="dist/zlist_${version}-1_${deb_arch}.deb"
tarball="dist/zlist-${version}-${host}.tar.gz"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- checksums -------------------------------------------------------------------------
for archive in "$deb" "$tarball"; do
    [ -f "$archive" ] || fail "$archive was not made (dist/ has: $(ls dist))"
    [ -f "$archive.sha256" ] || fail "$archive.sha256 was not made"
    (cd dist && sha256sum --check --quiet "$(basename "$archive").sha256") \
        || fail "$archive.sha256 does not match $archive"
done

# --- the .deb: control fields ------------------------------------------------------------
dpkg-deb --info "$deb" >"$work/info" || fail "dpkg-deb cannot read $deb"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = zlist ] || fail "Package is '$(field Package)', not zlist"
[ "$(field Version)" = "$version-1" ] || fail "Version is '$(field Version)', not $version-1"
[ "$(field Architecture)" = "$deb_arch" ] || fail "Architecture is '$(field Architecture)'"
# $auto found the linked libraries (dpkg-shlibdeps ran): libc and libstdc++ (for libzmq).
depends="$(field Depends)"
for lib in libc6 libstdc++6; do
    [[ "$depends" == *"$lib"* ]] || fail "Depends ('$depends') does not name $lib"
done
[ -n "$(field Maintainer)" ] || fail "no Maintainer"

# --- the .deb: files -----------------------------------------------------------------------
root="$work/deb"
dpkg-deb --extract "$deb" "$root"
expected=(
    usr/bin/zlist
    usr/share/applications/zlist.desktop
    usr/lib/systemd/system/zlist.service
    usr/lib/systemd/system/zlist.service.d/deb.conf
    usr/share/doc/zlist/copyright
    usr/share/doc/zlist/README.md
)
for size in 16 24 32 48 64 128 256; do
    expected+=("usr/share/icons/hicolor/${size}x${size}/apps/zlist.png")
done
for file in "${expected[@]}"; do
    [ -f "$root/$file" ] || fail "$deb has no $file"
done
[ -x "$root/usr/bin/zlist" ] || fail "usr/bin/zlist is not executable"
# A PNG's width and height: big-endian 32-bit numbers at bytes 16 and 20 of its IHDR.
png_size() {
    local b
    read -r -a b <<<"$(od -An -tu1 -j16 -N8 "$1")"
    echo "$(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]))x$(((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]))"
}
for size in 16 24 32 48 64 128 256; do
    icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/zlist.png"
    [ "$(head -c 8 "$icon" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
        || fail "the ${size}x${size} icon is not a PNG"
    [ "$(png_size "$icon")" = "${size}x${size}" ] \
        || fail "the ${size}x${size} icon is $(png_size "$icon") pixels"
done
cmp -s "$root/usr/lib/systemd/system/zlist.service" deploy/zlist.service \
    || fail "the packaged unit is not deploy/zlist.service"
grep -q "Copyright (c) 2026 the zlist developers" "$root/usr/share/doc/zlist/copyright" \
    || fail "usr/share/doc/zlist/copyright does not carry the licence"

# --- the .deb: desktop entry ---------------------------------------------------------------
desktop="$root/usr/share/applications/zlist.desktop"
desktop-file-validate "$desktop" || fail "zlist.desktop does not pass desktop-file-validate"
grep -qx 'Exec=zlist' "$desktop" || fail "zlist.desktop does not run zlist"
grep -qx 'Icon=zlist' "$desktop" || fail "zlist.desktop does not name the zlist icon"

# --- the .deb: service ---------------------------------------------------------------------
# The drop-in runs the unit's own command line, with the package's binary.
unit_exec="$(grep '^ExecStart=' deploy/zlist.service)"
dropin_exec="$(grep '^ExecStart=.' "$root/usr/lib/systemd/system/zlist.service.d/deb.conf")"
[ "$dropin_exec" = "${unit_exec/\/usr\/local\/bin\/zlist/\/usr\/bin\/zlist}" ] \
    || fail "the drop-in's '$dropin_exec' is not the unit's '$unit_exec' with /usr/bin/zlist"
grep -q '^ExecStart=$' "$root/usr/lib/systemd/system/zlist.service.d/deb.conf" \
    || fail "the drop-in does not clear the unit's ExecStart first"
# The maintainer scripts make what the unit needs (its User/Group and the token file in
# its ZLIST_TOKEN_FILE), and neither enable nor start the service.
dpkg-deb --control "$deb" "$work/control"
for script in postinst postrm prerm; do
    [ -x "$work/control/$script" ] || fail "no executable $script"
    sh -n "$work/control/$script" || fail "$script is not valid sh"
done
user="$(sed -n 's/^User=//p' deploy/zlist.service)"
token_file="$(sed -n 's/^Environment=ZLIST_TOKEN_FILE=//p' deploy/zlist.service)"
# (continuation lines joined first)
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$work/control/postinst" | grep -Eq "useradd --system .* $user\$" \
    || fail "postinst does not create the unit's user '$user'"
grep -q "$token_file" "$work/control/postinst" \
    || fail "postinst does not create the unit's token file '$token_file'"
# cargo-deb's snippets: "start" starts the unit; "enable" without the debian-installed guard
# enables it on a first install (with it, only an upgrade of an enabled unit re-enables).
if grep -q 'deb-systemd-invoke start' "$work/control/postinst"; then
    fail "postinst starts the service"
fi
if grep -q 'deb-systemd-helper enable' "$work/control/postinst" \
    && ! grep -q 'deb-systemd-helper debian-installed' "$work/control/postinst"; then
    fail "postinst enables the service on a first install"
fi

# --- a packaged binary: version and one request ---------------------------------------------
# A free loopback port, as the kernel hands them out.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        2>/dev/null || echo $((20000 + RANDOM % 30000))
}

serves() {
    local bin="$1" what="$2" port reply=""
    "$bin" --version >"$work/version" || fail "$what: --version failed"
    grep -qF "$version" "$work/version" || fail "$what: --version says '$(cat "$work/version")'"
    port="$(free_port)"
    "$bin" server --bind "tcp://127.0.0.1:$port" --memory --publish off \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    # The first tries may come before the server listens: up to 20 tries in about 10 s.
    for _ in $(seq 20); do
        if reply="$("$bin" send --connect "tcp://127.0.0.1:$port" --timeout 0.5 --tries 1 mostrar 2>/dev/null)"; then
            break
        fi
        kill -0 "$server_pid" 2>/dev/null || fail "$what: the server stopped: $(cat "$work/server.log")"
    done
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    [ "$reply" = "[]" ] || fail "$what: 'send mostrar' answered '$reply', not '[]' (server log: $(cat "$work/server.log"))"
    say "$what: $(head -n 1 "$work/version"); serves a request"
}

serves "$root/usr/bin/zlist" "the .deb's usr/bin/zlist"

# --- the tarball ------------------------------------------------------------------------------
mkdir "$work/tar"
tar -xzf "$tarball" -C "$work/tar"
top="$work/tar/zlist-$version-$host"
for file in zlist README.md LICENSE; do
    [ -f "$top/$file" ] || fail "$tarball has no zlist-$version-$host/$file"
done
[ "$(find "$work/tar" -mindepth 1 | wc -l)" -eq 4 ] || fail "$tarball holds more than its folder and three files"
cmp -s "$top/LICENSE" LICENSE || fail "the tarball's LICENSE is not ./LICENSE"
serves "$top/zlist" "the tarball's zlist"

say "OK: $(du -k "$deb" | cut -f1) KiB .deb, $(du -k "$tarball" | cut -f1) KiB tarball ($profile profile)"
