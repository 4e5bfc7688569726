#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 60) with
# cargo-fuzz (libFuzzer), on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass
# its few unstable flags, and `-s none` leaves out AddressSanitizer, which needs a nightly
# standard library (zlist has no unsafe code of its own to check but the zero-copy send,
# which these targets do not reach). New inputs the fuzzer keeps go to
# fuzz/corpus/TARGET/, which `cargo test` replays (tests/it/fuzz_corpus.rs); a crash is
# saved under fuzz/artifacts/TARGET/ and stops the script.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Installs cargo-fuzz (from crates.io) when it is missing; needs a C++ compiler for
# libFuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
case "$seconds" in *[!0-9]* | "") echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
shift || true
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz/fuzz_targets && ls ./*.rs | sed 's|^\./||; s|\.rs$||')
fi
export RUSTC_BOOTSTRAP=1
# Built first, on its own: a build that fails must stop the script, not read as a quiet
# run (the runs' output below is filtered down to their statistics).
if ! cargo fuzz build -s none; then
    echo "the fuzz targets do not build (see above)" >&2
    exit 1
fi
for target in "${targets[@]}"; do
    echo "== $target: $seconds s"
    # One process per target; -max_len keeps inputs near what a request or file can be.
    cargo fuzz run -s none "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 2>&1 \
        | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY|.*panicked)" \
        || true
    if [ -n "$(ls -A "fuzz/artifacts/$target" 2>/dev/null)" ]; then
        echo "$target found a crash: fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
