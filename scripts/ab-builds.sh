#!/usr/bin/env bash
# Do two (or more) builds measure the same? Runs the same `compare` with each binary in
# alternated rounds (A B C, A B C, ...), so a load that drifts during the measurement falls
# on every build alike, and takes each compare's medians from its report: wall time, client
# CPU (user + system) and the in-process emulator's CPU. Then, per strategy and figure: the
# range and median of each build, the change of its median against the first build, and in
# how many of the round pairings (first build, other build) the other build was slower. On
# a noisy VM one sweep or one compare is not enough to call a change: a difference is real
# when the pairings lean clearly one way (about 20 of 25, 70 of 100), not when the medians do.
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
for r in $(seq 1 "$R"); do
  for i in "${!BINS[@]}"; do
    "${BINS[$i]}" compare "${ARGS[@]}" --json "$D/r$r-b$i.json" > "$D/r$r-b$i.log" 2>&1 \
      || { echo "build $i failed in round $r:"; tail -5 "$D/r$r-b$i.log"; exit 1; }
  done
  echo "round $r/$R done"
done
# Each round's figures are its report's own medians (the ones `compare` prints); the
# emulator's CPU has no spread in the report, so its median over the runs is taken here.
python3 - "$D" "$R" "${#BINS[@]}" <<'EOF'
import json, statistics, sys
folder, rounds, builds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = {}
for r in range(1, rounds + 1):
    for b in range(builds):
        for s in json.load(open(f"{folder}/r{r}-b{b}.json"))["strategies"]:
            server = statistics.median(run.get("server_cpu_s") or 0.0 for run in s["runs"])
            figures = [s["wall_s"]["median"], s["cpu_s"]["median"], server]
            data.setdefault(s["strategy"], {}).setdefault(b, []).append(figures)
for strategy, by_build in data.items():
    for k, name in enumerate(["wall", "client CPU", "server CPU"]):
        first = [x[k] for x in by_build[0]]
        if not any(first):
            continue
        print(f"{strategy:10} {name:10}", end="")
        for b in range(builds):
            v = [x[k] for x in by_build[b]]
            print(f" | {b}: {min(v):.3f}-{max(v):.3f} s, median {statistics.median(v):.3f}", end="")
            if b:
                change = statistics.median(v) / statistics.median(first) - 1
                slower = sum((y > x) + 0.5 * (y == x) for x in first for y in v)
                print(f" ({change:+.1%}, slower in {slower:g}/{len(first) * len(v)})", end="")
        print()
EOF
echo "reports and logs: $D"
