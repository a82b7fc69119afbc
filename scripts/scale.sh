#!/usr/bin/env bash
# Scale check: N emulated devices (default 5000) in a separate `fleetbench emulate` process,
# polled by the release client with `async` (default worker cap) and `threads --workers 500`,
# under a profile (default instant). Prints wall, failures and the client's peak RSS
# (VmHWM, from /usr/bin/time's "Maximum resident set size") per device.
# Usage: [RUNS='async;threads --workers 500'] scripts/scale.sh [N] [PROFILE] [BASE_PORT]
set -euo pipefail
N=${1:-5000}
PROFILE=${2:-instant}
BASE=${3:-10001}
B=${FLEETBENCH:-target/release/fleetbench}
DIR=$(mktemp -d)
trap 'kill -INT $EMU 2>/dev/null; wait $EMU 2>/dev/null; rm -rf "$DIR"' EXIT
"$B" emulate --devices "$N" --base-port "$BASE" --profile "$PROFILE" \
    --write-inventory "$DIR/inv.yaml" > "$DIR/emu.log" 2>&1 &
EMU=$!
while [ ! -f "$DIR/inv.yaml" ]; do
    kill -0 $EMU 2>/dev/null || { cat "$DIR/emu.log"; exit 1; }
    sleep 0.1
done
IFS=';' read -r -a RUNS <<< "${RUNS:-async;threads --workers 500}"
for run in "${RUNS[@]}"; do
    /usr/bin/time -v -o "$DIR/time" "$B" run --strategy $run --inventory "$DIR/inv.yaml" \
        --host-keys insecure --json "$DIR/r.json" > "$DIR/out" 2>&1 || true
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time")
    summary=$(grep -E '^[0-9]+ devices:' "$DIR/out")
    kinds=$(python3 -c "
import json,collections
r=json.load(open('$DIR/r.json'))['strategies'][0]['devices']
print(dict(collections.Counter((d['error'] or {}).get('kind','ok') for d in r)))")
    printf '%-22s profile=%-10s %s | peak RSS %d MiB = %.1f KiB/device | %s\n' \
        "$run" "$PROFILE" "$summary" $((rss_kb / 1024)) \
        "$(echo "$rss_kb / $N" | bc -l)" "$kinds"
done
