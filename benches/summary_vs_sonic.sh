#!/usr/bin/env bash
# Times whole processes on one Bundle: `bluebutton parse FILE` (the file read into memory and
# parsed as one typed Bundle), `bluebutton summary --threads 1 FILE` and `bluebutton summary FILE`
# (streamed, typed entries, all threads), against a process that reads FILE and builds a sonic-rs
# Value of it (examples/baseline_sonic.rs). Prints each median and its ratio to sonic-rs, with
# the peak memory (maximum resident set) of each process.
#
#   benches/summary_vs_sonic.sh [SIZE] [RUNS] [LAYOUT] [SHAPE]
#       defaults: 100MB 7 pretty generated; LAYOUT pretty|minified; SHAPE generated|recorded
#
# The Bundle is written first by examples/stream_memory.rs: generated claims (every field
# filled), or `recorded`: the server's own claims of every type, repeated (needs ../shared).
# Each command runs RUNS times, in turn, after one warm-up run each (the file is then in the
# page cache); the medians of the wall-clock times are compared. The Bundle is written under
# $TMPDIR: on a machine that reclaims its page cache as it runs, TMPDIR=/dev/shm keeps it in
# memory.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100MB}
runs=${2:-7}
layout=${3:-pretty}
shape=${4:-generated}
target=${CARGO_TARGET_DIR:-target}/release

cargo build --release -q -p bluebutton-cli
cargo build --release -q --example baseline_sonic --example stream_memory

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file=$dir/bundle.json
shape_flag=()
[[ $shape == recorded ]] && shape_flag=(--recorded)
"$target/examples/stream_memory" --size "$size" "--$layout" "${shape_flag[@]}" --keep "$file" > /dev/null

labels=("parse" "summary, 1 thread" "summary, all threads" "sonic-rs Value")
commands=(
    "$target/bluebutton parse $file"
    "$target/bluebutton summary --threads 1 --progress never $file"
    "$target/bluebutton summary --progress never $file"
    "$target/examples/baseline_sonic $file"
)

# "<wall ms> <peak KiB>" of one run of the command.
measure() {
    local start end
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    /usr/bin/time -f "%M" -o "$dir/rss" $1 > /dev/null
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(cat "$dir/rss")"
}

median() {
    sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

declare -A times peaks
for i in "${!commands[@]}"; do
    measure "${commands[$i]}" > /dev/null
    times[$i]=""
    peaks[$i]=0
done
for _ in $(seq "$runs"); do
    for i in "${!commands[@]}"; do
        read -r ms kib < <(measure "${commands[$i]}")
        times[$i]+="$ms "
        ((kib > peaks[$i])) && peaks[$i]=$kib
    done
done

bytes=$(stat -c %s "$file")
echo "cpu:    $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
echo "input:  $bytes bytes, $layout, $shape"
sonic_ms=$(printf '%s\n' ${times[3]} | median)
for i in "${!commands[@]}"; do
    ms=$(printf '%s\n' ${times[$i]} | median)
    awk -v l="${labels[$i]}" -v ms="$ms" -v s="$sonic_ms" -v b="$bytes" -v k="${peaks[$i]}" \
        'BEGIN { printf "%-22s %7.0f ms  %7.1f MB/s  %5.2f x sonic-rs time  peak %7.1f MB (%.2f x input)\n", l, ms, b / 1e6 / (ms / 1000), ms / s, k / 1024, k * 1024 / b }'
done
