#!/usr/bin/env bash
# The benchmark of issue 11, rerunnable by anyone: builds a release binary,
# generates N records (default 10k, 100k and 1M) for each shipped contract
# with `tulos generate` (cached in $BENCH_DATA, default target/bench-data),
# and prints a markdown table of the serde_json `IgnoredAny` baseline,
# `tulos records` and `tulos calculate --format csv`: records/s, wall
# seconds, user+system CPU seconds and max RSS.
#
#   scripts/bench.sh                 # 10000 100000 1000000
#   scripts/bench.sh 10000 100000    # only these sizes
#   BENCH_DATA=/dev/shm/tulos-bench scripts/bench.sh   # data in RAM
#
# Needs GNU time (/usr/bin/time -f). 1M career-coaching records are about
# 740 MB of JSON Lines; each contract and size is one file. Never run by CI.
set -euo pipefail

cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
data=${BENCH_DATA:-target/bench-data}
seed=${BENCH_SEED:-1}
threads_column=${BENCH_THREADS:-1}   # `--threads` is not there yet: one worker

cargo build --release --quiet --bin tulos --example baseline
tulos=target/release/tulos
baseline=target/release/examples/baseline
mkdir -p "$data"

# Runs a command with stdout discarded; prints "wall cpu maxrss_kb".
measure() {
    local out
    out=$(mktemp)
    /usr/bin/time -f "%e %U %S %M" -o "$out" "$@" > /dev/null
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out"
    rm -f "$out"
}

# A markdown row: step, records, threads, and the measurement.
row() {
    local contract=$1 n=$2 step=$3 threads=$4 wall cpu rss
    read -r wall cpu rss
    awk -v c="$contract" -v n="$n" -v s="$step" -v t="$threads" -v w="$wall" -v u="$cpu" -v r="$rss" 'BEGIN {
        rate = (w > 0) ? n / w : 0
        printf "| %s | %d | %s | %s | %.0f | %.2f | %.2f | %.0f |\n", c, n, s, t, rate, w, u, r / 1024
    }'
}

echo "| contract | records | step | threads | records/s | wall s | cpu s | max RSS MiB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
for dir in contracts/*/; do
    contract=$(basename "$dir")
    [ -f "$dir/contract.toml" ] || continue
    as_of=$(sed -n 's/^as_of *= *//p' "$dir/test.toml" 2>/dev/null | head -n 1)
    as_of=${as_of:-2027-06-30}
    for n in "${sizes[@]}"; do
        file="$data/$contract-$n-seed$seed.jsonl"
        if [ ! -s "$file" ]; then
            "$tulos" generate --n "$n" --seed "$seed" --contract "$contract" --out "$file" 2> /dev/null
        fi
        measure "$baseline" "$file" | row "$contract" "$n" "serde_json IgnoredAny" 1
        measure "$tulos" records "$file" | row "$contract" "$n" "tulos records" 1
        measure "$tulos" calculate "$dir/contract.toml" --records "$file" --as-of "$as_of" --format csv \
            | row "$contract" "$n" "tulos calculate" "$threads_column"
    done
done
