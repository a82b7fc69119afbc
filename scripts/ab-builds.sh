#!/usr/bin/env bash
# Do two (or more) builds measure the same? Runs the same `compare` with each binary in
# alternated rounds (A B C, A B C, ...), so a load that drifts during the measurement falls
# on every build alike, and keeps each compare's median run: wall time, client CPU (user +
# system) and the in-process emulator's CPU. Then, per strategy and figure: the range and
# median of each build, the change of its median against the first build, and in how many
# of the round pairings (first build, other build) the other build was slower. On a noisy
# VM one sweep or one compare is not enough to call a change: a difference is real when
# the pairings lean clearly one way (about 20 of 25, 70 of 100), not when the medians do.
#
# Usage: [R=10] [OUT=dir] scripts/ab-builds.sh BIN_A BIN_B [BIN_C ...] [-- COMPARE-ARGS...]
# COMPARE-ARGS default to `--emulate 1000 --profile lan --strategies threads --runs 3
# --warmup 1`. Build the old binary in a worktree (`git worktree add ../old <commit>` and
# `cargo build --release --target-dir ../old-target`), and build nothing while this runs.
set -euo pipefail
R=${R:-10}; D=${OUT:-$(mktemp -d)}; mkdir -p "$D"
BINS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do BINS+=("$1"); shift; done
[ $# -gt 0 ] && shift
ARGS=("$@")
[ ${#ARGS[@]} -eq 0 ] && ARGS=(--emulate 1000 --profile lan --strategies threads --runs 3 --warmup 1)
if [ ${#BINS[@]} -lt 2 ]; then
  echo "usage: [R=10] scripts/ab-builds.sh BIN_A BIN_B [BIN_C ...] [-- COMPARE-ARGS...]" >&2
  exit 2
fi
for i in "${!BINS[@]}"; do
  echo "build $i: ${BINS[$i]} ($("${BINS[$i]}" --version))"
done
echo "compare ${ARGS[*]}; $R rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$D/rounds.txt"
for r in $(seq 1 "$R"); do
  for i in "${!BINS[@]}"; do
    "${BINS[$i]}" compare "${ARGS[@]}" --json "$D/r$r-b$i.json" > "$D/r$r-b$i.log" 2>&1 \
      || { echo "build $i failed in round $r:"; tail -5 "$D/r$r-b$i.log"; exit 1; }
    python3 - "$D/r$r-b$i.json" "$r" "$i" >> "$D/rounds.txt" <<'EOF'
import json, statistics, sys
report, rnd, build = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
for s in report["strategies"]:
    runs = s["runs"]
    wall = statistics.median_low(r["wall_s"] for r in runs)
    cpu = statistics.median_low(r["cpu"]["user_s"] + r["cpu"]["sys_s"] for r in runs)
    server = statistics.median_low(r.get("server_cpu_s") or 0.0 for r in runs)
    print(rnd, build, s["strategy"], f"{wall:.4f} {cpu:.4f} {server:.4f}")
EOF
  done
  echo "round $r/$R done"
done
python3 - "$D/rounds.txt" "${#BINS[@]}" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
builds = int(sys.argv[2])
data = {}
for _, build, strategy, *figures in rows:
    data.setdefault((strategy, int(build)), []).append([float(x) for x in figures])
strategies = list(dict.fromkeys(r[2] for r in rows))
for strategy in strategies:
    for k, name in enumerate(["wall", "client CPU", "server CPU"]):
        first = [x[k] for x in data[(strategy, 0)]]
        if not any(first):
            continue
        print(f"{strategy:10} {name:10}", end="")
        for b in range(builds):
            v = [x[k] for x in data[(strategy, b)]]
            print(f" | {b}: {min(v):.3f}-{max(v):.3f} s, median {statistics.median(v):.3f}", end="")
            if b:
                change = statistics.median(v) / statistics.median(first) - 1
                slower = sum((y > x) + 0.5 * (y == x) for x in first for y in v)
                print(f" ({change:+.1%}, slower in {slower:g}/{len(first) * len(v)})", end="")
        print()
EOF
echo "raw figures: $D/rounds.txt"
