#!/usr/bin/env bash
# The hostile-device figures (docs/src/measurements/2026-11-22-vm-hostile.md): peak memory of
# a client facing flooding devices and large outputs, and the mixed fleet of no-newline
# flooders and healthy devices run again and again under every strategy. The devices are
# served by a separate `fleetbench emulate` (always B's), so the client's peak RSS is its own;
# CLIENT may be another build (an older commit) to measure "before".
#
# Usage: [B=target/release/fleetbench] [CLIENT=$B] [RUNS=10] scripts/hostile.sh [flood|large|mixed|all]
set -euo pipefail
B=${B:-target/release/fleetbench}
CLIENT=${CLIENT:-$B}
RUNS=${RUNS:-10}
# The mixed fleet raises the output cap out of the way, so the flooders meet the deadline.
MAX_OUTPUT=${MAX_OUTPUT:-1GiB}
what=${1:-all}
D=$(mktemp -d)
EMU=
stop_emu() {
  if [ -n "$EMU" ]; then kill -INT "$EMU" 2>/dev/null || true; wait "$EMU" 2>/dev/null || true; EMU=; fi
}
trap 'stop_emu; rm -rf "$D"' EXIT

# emulate N PROFILE: serve N devices with PROFILE on 127.0.0.1 until stop_emu.
emulate() {
  rm -f "$D/inv.yaml"
  "$B" emulate --devices "$1" --base-port "${BASE:-24001}" --profile "$2" --write-inventory "$D/inv.yaml" > "$D/emu.log" 2>&1 &
  EMU=$!
  for _ in $(seq 300); do [ -f "$D/inv.yaml" ] && return 0; sleep 0.1; done
  echo "the emulator did not start:" >&2; cat "$D/emu.log" >&2; exit 1
}

# measure LABEL ARGS...: one `run` under /usr/bin/time; prints wall, peak RSS, ok/failed.
measure() {
  local label=$1; shift
  /usr/bin/time -v -o "$D/time.txt" "$CLIENT" run --inventory "$D/inv.yaml" --host-keys insecure \
    --json "$D/r.json" "$@" > "$D/out.txt" 2>&1 || true
  python3 - "$label" "$D" <<'PY'
import json, os, re, sys
label, d = sys.argv[1], sys.argv[2]
t = open(f"{d}/time.txt").read()
g = lambda k: re.search(k + r": (.*)", t).group(1)
rss = int(g(r"Maximum resident set size \(kbytes\)")) / 1024
wall = g(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)")
r = json.load(open(f"{d}/r.json"))
devs = r["strategies"][0]["devices"]
ok = sum(1 for x in devs if x.get("ok"))
size = os.path.getsize(f"{d}/r.json") / 2**20
print(f"{label}: wall {wall}, client peak RSS {rss:.0f} MiB, {ok} ok / {len(devs) - ok} failed, report {size:.1f} MiB")
PY
}

if [ "$what" = flood ] || [ "$what" = all ]; then
  echo "== 100 devices flooding with no newline, threads (one worker each), --timeout 2"
  emulate 100 'instant,fault=flood-no-newline'
  measure "flood x100" --strategy threads --timeout 2
  stop_emu
fi

if [ "$what" = large ] || [ "$what" = all ]; then
  echo "== 30 devices answering 15 MiB each, threads (one worker each)"
  emulate 30 'instant,fault=flood:15MiB'
  measure "15 MiB x30" --strategy threads --timeout 60
  stop_emu
fi

if [ "$what" = mixed ] || [ "$what" = all ]; then
  echo "== 4 no-newline flooders among 14 devices, --timeout 1, --max-output $MAX_OUTPUT, $RUNS runs per strategy"
  emulate 14 'instant,fault=flood-no-newline@R1+R5+R9+R13'
  for s in sequential threads processes async rayon; do
    for i in $(seq "$RUNS"); do
      "$CLIENT" run --inventory "$D/inv.yaml" --host-keys insecure --strategy "$s" \
        --timeout 1 --max-output "$MAX_OUTPUT" --json "$D/m$i.json" > "$D/m.txt" 2>&1 || true
    done
    python3 - "$s" "$D" "$RUNS" <<'PY'
import json, sys
s, d, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
flooders = {"R1", "R5", "R9", "R13"}
healthy, worst, kinds = [], 0.0, set()
for i in range(1, runs + 1):
    devs = json.load(open(f"{d}/m{i}.json"))["strategies"][0]["devices"]
    healthy.append(sum(1 for x in devs if x["name"] not in flooders and x["ok"]))
    for x in devs:
        if x["name"] in flooders:
            # The deadline is per phase: the flooder's is the prompt phase.
            worst = max([worst] + [p["secs"] for p in x["phases"] if p["phase"] == "prompt"])
            kinds.add(f'{x["error"]["kind"]}/{x["error"].get("phase")}' if x.get("error") else "ok")
full = sum(1 for n in healthy if n == 10)
print(f"{s:<10} {full}/{runs} runs with all 10 healthy devices ok (fewest {min(healthy)}); "
      f"flooders ended {', '.join(sorted(kinds))}, longest prompt phase {worst:.3f} s (deadline 1 s)")
PY
  done
  stop_emu
fi
