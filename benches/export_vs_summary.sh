#!/usr/bin/env bash
# Export throughput beside `summary`, in one run on the same inputs (a Bundle and NDJSON of the
# same resources): MB of input per second of `bluebutton export` and `bluebutton summary`, on
# one thread and on all threads, with the peak memory (maximum resident set) of each process.
#
#   benches/export_vs_summary.sh [PATIENTS] [RUNS]    # defaults: 1000 patients, 3 runs
#
# The inputs are written by `bluebutton generate` (1000 patients: about 270 MB as a compact
# Bundle). Each command runs RUNS times after a warm-up (the file is then in the page cache); the
# median wall-clock time counts. The issue's target: export at least half as fast as summary.
# For the memory bound, run it with more patients than memory holds: the peak stays the same.
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-1000}
runs=${2:-3}
target=${CARGO_TARGET_DIR:-target}/release

cargo build --release -q -p bluebutton-cli
bin=$target/bluebutton

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# "<wall ms> <peak KiB>" of one run of the command.
measure() {
    local start end
    rm -rf "$dir/tables"
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$dir/rss" "$@" > /dev/null
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(cat "$dir/rss")"
}

median() {
    sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Prints one line: the command's median time, its MB/s and its largest peak memory.
report() {
    local label=$1
    shift
    measure "$@" > /dev/null
    local times=() peak=0
    for _ in $(seq "$runs"); do
        read -r ms kib < <(measure "$@")
        times+=("$ms")
        ((kib > peak)) && peak=$kib
    done
    local ms
    ms=$(printf '%s\n' "${times[@]}" | median)
    awk -v l="$label" -v ms="$ms" -v b="$bytes" -v k="$peak" \
        'BEGIN { printf "%-22s %8d ms  %7.1f MB/s  peak %6.1f MB\n", l, ms, b / 1e6 / (ms / 1000), k / 1024 }'
}

echo "cpu:    $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
for format in bundle ndjson; do
    file=$dir/input.$format
    "$bin" generate --seed 1 --patients "$patients" --compact --format "$format" --out "$file"
    bytes=$(stat -c %s "$file")
    echo "input:  $bytes bytes, $patients patients, $format"
    report "summary, 1 thread" "$bin" summary --threads 1 --progress never "$file"
    report "export, 1 thread" "$bin" export --threads 1 --to "$dir/tables" "$file"
    report "summary, all threads" "$bin" summary --progress never "$file"
    report "export, all threads" "$bin" export --to "$dir/tables" "$file"
    rm -f "$file"
done
