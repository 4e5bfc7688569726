#!/usr/bin/env bash
# The history check (tests/it/history.rs), longer: RUNS runs (default 50, each with its
# own random commands and faults: ZLIST_HISTORY_SEED is the run's number) of 3 clients x
# 21 calls each (the checker's most: 64 calls a history), each through the lossy proxy
# with the server killed twice. Stops at the first history that is not linearizable.
#
#   scripts/history.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
case "$runs" in *[!0-9]* | "") echo "usage: scripts/history.sh [RUNS]" >&2; exit 2 ;; esac
cargo build --locked --tests --quiet
for run in $(seq 1 "$runs"); do
    if ! output=$(ZLIST_HISTORY_SEED="$run" ZLIST_HISTORY_CALLS=21 cargo test --locked --quiet --test it \
        history::the_history -- --nocapture 2>&1); then
        echo "$output" >&2
        echo "run $run: the history is not linearizable (or the run failed), above" >&2
        exit 1
    fi
    echo "run $run/$runs: $(grep -m1 ' calls, ' <<<"$output")"
done
echo "$runs histories checked: all linearizable"
