#!/usr/bin/env bash
# The bastion's figures for the guide (docs/src/bastion.md): N devices (default 500, profile
# `lan`) behind the emulated jump host, polled in-process by `compare --emulate N --bastion`:
#   1. shared against per-session at a bounded concurrency W (default 8, below MaxStartups'
#      start of 10), every strategy of STRATS (default async,threads), R runs (default 3):
#      expected zero failures in both modes;
#   2. per-session at W2 (default 200) concurrent sessions, far past MaxStartups: the drops
#      appear as `dropped_at_startup`.
# Prints a table per run (the bastion table of `compare`) and keeps the reports in OUT
# (default a fresh folder under /tmp). Run it on a quiet machine; its figures are the
# machine's, not the code's.
#   scripts/bastion.sh [N] [W] [W2]
#   B=target/release/fleetbench PROFILE=lan STRATS=async,threads R=3 OUT=dir scripts/bastion.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
W=${2:-8}
W2=${3:-200}
B=${B:-target/release/fleetbench}
PROFILE=${PROFILE:-lan}
STRATS=${STRATS:-async,threads}
R=${R:-3}
OUT=${OUT:-$(mktemp -d /tmp/fleetbench-bastion-XXXXXX)}
mkdir -p "$OUT"
if [ ! -x "$B" ]; then
  cargo build --release --locked --quiet
fi

summary() {
  # One line per strategy: mode, workers, median wall, ok/failed, failures by kind.
  python3 - "$1" "$2" <<'PY'
import json, sys, collections
path, label = sys.argv[1], sys.argv[2]
r = json.load(open(path))
b = r.get("bastion") or {}
for s in r["strategies"]:
    kinds = collections.Counter(d["error"]["kind"] for d in s["devices"] if d.get("error"))
    c = s.get("bastion") or {}
    lat = s.get("latency_s", {})
    p99 = lambda k: f'{lat[k]["p99"]*1e3:.1f} ms' if k in lat else "-"
    print(f'{label:<14} {b.get("mode","-"):<12} {s["strategy"]:<9} w={s["workers"]:<4} '
          f'wall {s["wall_s"]["median"]:7.3f} s  ok {s["runs"][-1]["ok"]:>4} failed {s["runs"][-1]["failed"]:>4}  '
          f'p99 bastion {p99("bastion"):>9} channel {p99("bastion_channel"):>9}  '
          f'logins {c.get("authenticated","-"):>5} dropped {c.get("dropped_at_startup","-"):>4} '
          f'peak pending {c.get("peak_pending","-"):>3}  '
          + (" ".join(f"{k}={v}" for k, v in sorted(kinds.items())) or "no failure"))
PY
}

echo "fleetbench bastion: $N devices, profile $PROFILE, reports in $OUT"
for mode in per-session shared; do
  "$B" compare --emulate "$N" --profile "$PROFILE" --bastion --bastion-mode "$mode" \
    --strategies "$STRATS" --workers "$W" --runs "$R" --progress off \
    --json "$OUT/bounded-$mode.json" > "$OUT/bounded-$mode.txt" 2>> "$OUT/stderr.log" || true
  summary "$OUT/bounded-$mode.json" "bounded W=$W"
done
for mode in per-session shared; do
  "$B" compare --emulate "$N" --profile "$PROFILE" --bastion --bastion-mode "$mode" \
    --strategies async --workers "$W2" --runs 1 --progress off \
    --json "$OUT/over-$mode.json" > "$OUT/over-$mode.txt" 2>> "$OUT/stderr.log" || true
  summary "$OUT/over-$mode.json" "over W=$W2"
done
echo "full tables: $OUT/*.txt"
