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

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked

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
