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
# The inputs and the exported folders go under $TMPDIR: on a machine that reclaims its page
# cache as it runs, TMPDIR=/dev/shm keeps them in memory.
#
#   benches/export_vs_summary.sh memory [PATIENTS] [CAP_MB]    # defaults: 13000 patients, 256 MB
#
# The memory mode: an input ten times larger than the memory the export is allowed. Generated
# NDJSON is piped through standard input (`bluebutton generate ... --format ndjson | bluebutton
# export --to DIR -`, never on disk) into an export run under a cap on its address space
# (`ulimit -v`) of CAP_MB; it prints the input size and, on one thread and on all threads, the
# time, the peak memory (maximum resident set) and the exit status. The cap is on address
# space, more than the memory used (thread stacks and malloc arenas are reserved whole): the
# runs set MALLOC_ARENA_MAX=2 so that each thread's arena reservation does not count against
# it. Pick PATIENTS so that the input is at least ten times CAP_MB (a patient is about 0.21 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=throughput
if [ "${1:-}" = memory ]; then
    mode=memory
    shift
fi
patients=${1:-$([ "$mode" = memory ] && echo 13000 || echo 1000)}
runs=${2:-3}
cap_mb=${2:-256}
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
if [ "$mode" = memory ]; then
    for threads in 1 0; do
        rm -rf "$dir/tables"
        start=$(date +%s%N)
        set +e
        (
            ulimit -v $((cap_mb * 1024))
            "$bin" generate --seed 1 --patients "$patients" --format ndjson \
                | tee >(wc -c > "$dir/bytes") \
                | MALLOC_ARENA_MAX=2 /usr/bin/time -f "%M" -o "$dir/rss" \
                    "$bin" export --threads "$threads" --to "$dir/tables" - > "$dir/out" 2> "$dir/err"
        )
        status=$?
        set -e
        end=$(date +%s%N)
        sleep 1 # for `wc` to write the count
        label=$([ "$threads" = 1 ] && echo "1 thread" || echo "all threads")
        awk -v l="$label" -v ms="$(((end - start) / 1000000))" -v b="$(cat "$dir/bytes")" \
            -v k="$(tail -1 "$dir/rss")" -v cap="$cap_mb" -v s="$status" \
            'BEGIN { printf "export, %-12s input %7.1f MB (%4.1fx the cap of %d MB)  %7d ms  %6.1f MB/s  peak %6.1f MB  exit %d\n",
                     l, b / 1e6, b / 1e6 / cap, cap, ms, b / 1e6 / (ms / 1000), k / 1024, s }'
        if [ "$status" != 0 ]; then
            tail -5 "$dir/err"
        fi
        head -1 "$dir/out"
    done
    exit 0
fi
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
