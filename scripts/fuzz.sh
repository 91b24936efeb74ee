#!/usr/bin/env bash
# Run the fuzz targets of fuzz/ (cargo-fuzz + libFuzzer, nightly toolchain).
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]
#
# Runs each TARGET (default: all, one after another) for SECONDS (default
# 60) with the limits every campaign uses: 10 s per input, 2 GB of memory.
# New inputs go to fuzz/corpus/TARGET (not committed); the committed seeds
# in fuzz/seeds/TARGET are read, never written. A crash, timeout or
# out-of-memory stops the target and leaves its reproducer in
# fuzz/artifacts/TARGET/ (libFuzzer's output in fuzz/logs/TARGET.log); the
# script then goes on with the next target and
# exits 1 at the end. Reproduce one with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-…
# See TESTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
all=(records_jsonl records_csv contract table_cell tables rule)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

# Longest input per target: contracts and record files are a few KB.
max_len() {
    case "$1" in
        table_cell) echo 256 ;;
        rule) echo 2048 ;;
        *) echo 16384 ;;
    esac
}

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "needs cargo-fuzz and a nightly toolchain: cargo install cargo-fuzz" >&2
    exit 2
fi

# Build every target first (optimised, with debug assertions and overflow
# checks: cargo-fuzz's default), so fuzzing time is not spent compiling.
cargo +nightly fuzz build

failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" fuzz/logs
    echo "== $target: ${seconds}s" >&2
    # Not in artifacts/: cargo-fuzz takes every file there for a reproducer.
    log="fuzz/logs/$target.log"
    if cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
        -print_final_stats=1 2>"$log"; then
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' "$log" >&2 || true
    else
        echo "!! $target failed; reproducer in fuzz/artifacts/$target/, log in $log" >&2
        tail -n 30 "$log" >&2
        failed+=("$target")
    fi
done

# The targets' scratch folders (/dev/shm/tulos-fuzz-PID) of runs that ended.
for dir in /dev/shm/tulos-fuzz-* "${TMPDIR:-/tmp}"/tulos-fuzz-*; do
    if [ -d "$dir" ] && ! kill -0 "${dir##*-}" 2>/dev/null; then rm -rf "$dir"; fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
