#!/usr/bin/env bash
# The benchmark of issue 11, rerunnable by anyone: builds a release binary,
# generates N records (default 10k, 100k and 1M) for each shipped contract
# with `tulos generate` (cached in $BENCH_DATA, default target/bench-data),
# and prints a markdown table of the serde_json `IgnoredAny` baseline,
# `tulos records` and `tulos calculate --format csv` with 1 and 2 threads:
# records/s, wall seconds, user+system CPU seconds, max RSS, and the wall
# time as a multiple of the baseline's. The outputs of 1 and 2 threads are
# compared byte for byte; a difference stops the script.
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
threads=(${BENCH_THREADS:-1 2})

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

# Runs a command with stdout to $2; prints "wall cpu maxrss_kb".
measure_to() {
    local out=$1 time
    shift
    time=$(mktemp)
    /usr/bin/time -f "%e %U %S %M" -o "$time" "$@" > "$out"
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$time"
    rm -f "$time"
}

# A markdown row: step, records, threads, and the measurement; the wall
# time is also given as a multiple of the baseline's ($baseline_wall).
row() {
    local contract=$1 n=$2 step=$3 threads=$4 wall cpu rss
    read -r wall cpu rss
    awk -v c="$contract" -v n="$n" -v s="$step" -v t="$threads" -v w="$wall" -v u="$cpu" -v r="$rss" \
        -v b="${baseline_wall:-0}" 'BEGIN {
        rate = (w > 0) ? n / w : 0
        times = (b > 0) ? sprintf("%.1f×", w / b) : "—"
        printf "| %s | %d | %s | %s | %.0f | %.2f | %.2f | %.0f | %s |\n", c, n, s, t, rate, w, u, r / 1024, times
    }'
}

echo "| contract | records | step | threads | records/s | wall s | cpu s | max RSS MiB | × baseline |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
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
        measured=$(measure "$baseline" "$file")
        baseline_wall=${measured%% *}
        echo "$measured" | row "$contract" "$n" "serde_json IgnoredAny" 1
        for t in "${threads[@]}"; do
            measure "$tulos" records "$file" --threads "$t" | row "$contract" "$n" "tulos records" "$t"
        done
        for t in "${threads[@]}"; do
            measure_to "$data/statement-$t.csv" "$tulos" calculate "$dir/contract.toml" --records "$file" \
                --as-of "$as_of" --format csv --threads "$t" | row "$contract" "$n" "tulos calculate" "$t"
        done
        for t in "${threads[@]}"; do
            cmp -s "$data/statement-${threads[0]}.csv" "$data/statement-$t.csv" || {
                echo "calculate with ${threads[0]} and $t threads differ for $contract, $n records" >&2
                exit 1
            }
        done
        rm -f "$data"/statement-*.csv
    done
done
