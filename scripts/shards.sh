#!/usr/bin/env bash
# Sharded-run proof on one machine: an N-device fleet (default 4000) in one separate
# `fleetbench emulate` process, polled as S shards (default 8) in parallel `fleetbench run`
# processes and merged, then polled R times (default 3) in one process with the same total
# number of sessions in flight. Compares the merge with the single runs: device set, order and
# outputs, histogram counts per phase, and the percentiles against the histogram precision
# (3 significant digits) plus the single runs' own run-to-run spread.
# Usage: [OUT=dir] [WORKERS=1000] [STRATEGY=async] [COMMAND='show ip interface brief']
#        scripts/shards.sh [N] [S] [PROFILE] [R] [BASE_PORT]
set -euo pipefail
N=${1:-4000}
S=${2:-8}
PROFILE=${3:-lan}
R=${4:-3}
BASE=${5:-10001}
W=${WORKERS:-1000}
STRATEGY=${STRATEGY:-async}
COMMAND=${COMMAND:-show ip interface brief}
B=${FLEETBENCH:-target/release/fleetbench}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# No job engine's index from the caller's environment: the shards here are given by --shard.
unset JOB_COMPLETION_INDEX FLEETBENCH_SHARD_COUNT SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT
trap 'kill -INT $EMU 2>/dev/null; wait $EMU 2>/dev/null || true' EXIT
"$B" emulate --devices "$N" --base-port "$BASE" --profile "$PROFILE" \
    --write-inventory "$OUT/inv.yaml" > "$OUT/emu.log" 2>&1 &
EMU=$!
while [ ! -f "$OUT/inv.yaml" ]; do
    kill -0 $EMU 2>/dev/null || { cat "$OUT/emu.log"; exit 1; }
    sleep 0.1
done
poll() { "$B" run --inventory "$OUT/inv.yaml" --host-keys insecure --strategy "$STRATEGY" \
    --command "$COMMAND" "$@"; }
echo "== $S shards of $N devices ($PROFILE), $((W / S)) workers each, in parallel"
pids=()
for i in $(seq 0 $((S - 1))); do
    poll --workers $((W / S)) --shard "$i/$S" --json "$OUT/shard-$i.json" \
        > "$OUT/shard-$i.out" 2> "$OUT/shard-$i.err" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
"$B" merge "$OUT"/shard-*.json -o "$OUT/merged.json" | tee "$OUT/merge.out"
for k in $(seq 1 "$R"); do
    echo "== single run $k/$R: $N devices, $W workers"
    poll --workers "$W" --json "$OUT/single-$k.json" | tail -1
done
python3 - "$OUT" "$R" <<'PY'
import json, sys
out, R = sys.argv[1], int(sys.argv[2])
load = lambda f: json.load(open(f"{out}/{f}"))
m = load("merged.json")["strategies"][0]
singles = [load(f"single-{k}.json")["strategies"][0] for k in range(1, R + 1)]
devs = lambda s: [(d["name"], d["ok"], d["output"]) for d in s["devices"]]
print(f"merged: {len(m['devices'])} devices, {sum(d['ok'] for d in m['devices'])} ok; "
      f"merged wall {m['wall_s']['median']:.3f} s; single walls "
      + ", ".join(f"{s['wall_s']['median']:.3f}" for s in singles) + " s")
same = all(devs(m) == devs(s) for s in singles)
print(f"device set, order, ok and outputs equal to every single run: {same}")
counts = lambda s: {k: v["count"] for k, v in s["latency_s"].items()}
print(f"histogram counts per phase equal: {all(counts(m) == counts(s) for s in singles)} "
      f"({counts(m)})")
print(f"{'phase':<10} {'q':<4} {'merged':>9} {'single min':>10} {'median':>9} {'max':>9} "
      f"{'|diff|':>9} {'allowed':>9}  ok")
allok = same
for phase in ["total", "connect", "handshake", "auth", "command"]:
    for q in ["p50", "p90", "p99"]:
        v = [s["latency_s"][phase][q] for s in singles]
        v.sort()
        med, mv = v[len(v) // 2], m["latency_s"][phase][q]
        # 3 significant digits: each value is within 0.1% of the sample; two values, 0.2%.
        allowed = 0.002 * max(mv, med) + (v[-1] - v[0])
        ok = abs(mv - med) <= allowed
        allok &= ok
        ms = lambda x: f"{x * 1000:.2f}ms"
        print(f"{phase:<10} {q:<4} {ms(mv):>9} {ms(v[0]):>10} {ms(med):>9} {ms(v[-1]):>9} "
              f"{ms(abs(mv - med)):>9} {ms(allowed):>9}  {ok}")
print("ALL AGREE" if allok else "SOME DIFFER")
PY
