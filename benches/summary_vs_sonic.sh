#!/usr/bin/env bash
# Times the whole process `bluebutton summary FILE` against a process that reads FILE and builds
# a sonic-rs Value of it (examples/baseline_sonic.rs). The issue's target: a ratio of at most 1.25.
#
#   benches/summary_vs_sonic.sh [SIZE] [RUNS] [LAYOUT]    # defaults: 100MB 7 pretty
#
# The Bundle is written first by examples/stream_memory.rs from the project's example entries.
# Each command runs RUNS times, alternating, after one warm-up run each (the file is then in the
# page cache); the medians of the wall-clock times are compared.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100MB}
runs=${2:-7}
layout=${3:-pretty}
target=${CARGO_TARGET_DIR:-target}/release

cargo build --release -q -p bluebutton-cli
cargo build --release -q --example baseline_sonic --example stream_memory

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file=$dir/bundle.json
"$target/examples/stream_memory" --size "$size" "--$layout" --keep "$file" > /dev/null

summary=("$target/bluebutton" summary "$file")
sonic=("$target/examples/baseline_sonic" "$file")

# Milliseconds of one run of the command.
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

median() {
    sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

time_ms "${summary[@]}" > /dev/null
time_ms "${sonic[@]}" > /dev/null
summary_times=()
sonic_times=()
for _ in $(seq "$runs"); do
    summary_times+=("$(time_ms "${summary[@]}")")
    sonic_times+=("$(time_ms "${sonic[@]}")")
done
summary_ms=$(printf '%s\n' "${summary_times[@]}" | median)
sonic_ms=$(printf '%s\n' "${sonic_times[@]}" | median)

echo "cpu:      $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
echo "input:    $(stat -c %s "$file") bytes, $layout"
echo "summary:  ${summary_ms} ms median of ${summary_times[*]}"
echo "sonic-rs: ${sonic_ms} ms median of ${sonic_times[*]}"
awk -v a="$summary_ms" -v b="$sonic_ms" 'BEGIN { printf "ratio:    %.2f (target: at most 1.25)\n", a / b }'
