#!/usr/bin/env bash
# Times the whole `bluebutton fetch` process against the local test server process and reports
# entries per second and its peak resident memory, without and with injected faults.
#
#   client/benches/fetch_cli.sh [CLAIMS] [COUNT]    # defaults: 4000 50
#
# The server (`bluebutton-test-server`) serves one generated beneficiary with CLAIMS claims and
# writes a token file; with faults, every 5th FHIR request is answered 503 (Retry-After: 0) and
# the next one's connection is dropped, each once. Peak memory is GNU time's maximum RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
claims=${1:-4000}
count=${2:-50}
target=${CARGO_TARGET_DIR:-target}/release
cargo build --release -q -p bluebutton-cli -p bluebutton-test-server

dir=$(mktemp -d)
trap 'rm -rf "$dir"; kill "${server_pid:-}" 2>/dev/null || true' EXIT

for faults in "" "--fault-every 5"; do
    mkfifo "$dir/in"
    # shellcheck disable=SC2086
    "$target/bluebutton-test-server" --patients 1 --claims "$claims" --token-file "$dir/token.json" $faults \
        < "$dir/in" > "$dir/base" &
    server_pid=$!
    exec 3> "$dir/in"
    while [ ! -s "$dir/base" ]; do sleep 0.05; done
    base=$(head -1 "$dir/base")
    /usr/bin/time -f '%e %M' -o "$dir/time" "$target/bluebutton" fetch --base "$base" \
        --token-file "$dir/token.json" --client-id test-client --client-secret test-secret \
        --count "$count" --out "$dir/out.ndjson" 2> "$dir/err"
    read -r seconds rss_kb < "$dir/time"
    lines=$(wc -l < "$dir/out.ndjson")
    label=${faults:-"no faults"}
    awk -v l="$label" -v n="$lines" -v s="$seconds" -v m="$rss_kb" -v c="$claims" -v k="$count" \
        'BEGIN { printf "%-16s %d claims, _count=%d: %d resources in %.2f s = %.0f resources/s, peak RSS %.1f MB\n", l, c, k, n, s, n / s, m / 1024 }'
    exec 3>&-
    wait "$server_pid" || true
    rm -f "$dir/in" "$dir/base"
done
