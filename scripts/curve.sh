#!/usr/bin/env bash
# zlist with CURVE encryption: links the system's libzmq (built with libsodium) instead of
# the zmq crate's bundled one, which has no CURVE. Installs the library when it can.
#
#   scripts/curve.sh build           # target/release/zlist, able to encrypt
#   scripts/curve.sh run -- ARGS     # build and run it (e.g. run -- server --curve-secret-file ...)
#   scripts/curve.sh test            # the tests that need CURVE (others are run by scripts/test.sh)
#
# Exit code 3: no libzmq with CURVE could be found or installed.
# Linux (Debian/Ubuntu: libzmq3-dev) and macOS (Homebrew: zeromq) are handled here; on
# Windows, install vcpkg's zeromq with its sodium feature and use the same Cargo override
# (see the README, "Encryption").
set -euo pipefail
cd "$(dirname "$0")/.."

# 0 when a libzmq with CURVE can be linked; installs it first when a package manager can.
ensure_libzmq() {
    if pkg-config --exists libzmq 2>/dev/null; then
        return 0
    fi
    if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo -n"  # never wait for a password
        # Bounded: a mirror that does not answer must not hold the tests up for long.
        local apt=(apt-get -y -o Acquire::Retries=1 -o Acquire::http::Timeout=30)
        $sudo "${apt[@]}" install --no-install-recommends libzmq3-dev pkg-config >&2 \
            || { $sudo "${apt[@]}" update >&2 \
                 && $sudo "${apt[@]}" install --no-install-recommends libzmq3-dev pkg-config >&2; } \
            || return 1
    elif command -v brew >/dev/null 2>&1; then
        brew install zeromq pkg-config >&2 || return 1
    else
        return 1
    fi
    pkg-config --exists libzmq 2>/dev/null
}

command="${1:-build}"
[ $# -gt 0 ] && shift
if ! ensure_libzmq; then
    echo "scripts/curve.sh: no libzmq with CURVE found, and none could be installed" \
         "(install libzmq3-dev, or Homebrew's zeromq)" >&2
    exit 3
fi
# Cargo's override of the zmq-sys build script (it declares `links = "zmq"`): link this
# libzmq rather than building the bundled one.
triple="$(rustc -vV | sed -n 's/^host: //p')"
libdir="$(pkg-config --variable=libdir libzmq)"
override=(
    --config "target.${triple}.zmq.rustc-link-lib=[\"zmq\"]"
    --config "target.${triple}.zmq.rustc-link-search=[\"${libdir}\"]"
)

case "$command" in
    build)
        cargo build --locked --release "${override[@]}"
        echo "built target/release/zlist with CURVE (libzmq from ${libdir})" >&2
        ;;
    run)
        [ "${1:-}" = "--" ] && shift
        exec cargo run --locked --release "${override[@]}" -- "$@"
        ;;
    test)
        # Only the tests about encryption: the rest do not depend on the libzmq build.
        ZLIST_EXPECT_CURVE=1 cargo test --locked "${override[@]}" curve
        ;;
    *)
        echo "usage: scripts/curve.sh build | run -- ARGS | test" >&2
        exit 2
        ;;
esac
