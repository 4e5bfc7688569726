#!/usr/bin/env bash
# Issue 13's attack at full size, against a `zlist server` process: a list of ELEMENTS
# short elements (default 1,000,000); 20 DEALER sockets x 20 `mostrar` and one socket with
# 1,000 `mostrar`, none reading, while an ordinary REQ client asks `pesquisar`; then 5
# sockets that alternate `append` and `mostrar` (every reply a new rendering). Prints the
# server's resident memory before and at its peak, the slowest `pesquisar`, and what
# `zlist.status` says; fails when the bounds are passed (the server's memory before the
# attack + 300 MB per million elements; `pesquisar` under 1 s).
#
#   scripts/attack.sh [ELEMENTS] [--release]
#
# CI runs the same test at 200,000 elements (tests/it/exhaustion.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
elements=1000000
profile=()
for arg in "$@"; do
    case "$arg" in
        --release) profile=(--release) ;;
        *[!0-9]* | "") echo "usage: scripts/attack.sh [ELEMENTS] [--release]" >&2; exit 2 ;;
        *) elements="$arg" ;;
    esac
done
ZLIST_ATTACK_ELEMENTS="$elements" cargo test --locked "${profile[@]}" --test it exhaustion \
    -- --nocapture --test-threads 1
