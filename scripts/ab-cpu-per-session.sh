#!/usr/bin/env bash
# Alternated A/B (A B C, A B C, ...) of CPU per session on both sides, the issue 29 way:
# N `instant` devices in a separate `fleetbench emulate` and one `run`, through
# scripts/cpu-per-session.sh (REPS=1 per round), each build serving as its own emulator
# (EB = the same binary) unless EB is set. Per build: the median and range over the rounds of
# sessions/s, client and emulator CPU per session, and how many rounds the build was below
# the first build on each side. Run it on a quiet machine, building nothing meanwhile.
#
# Usage: [R=9] [N=10000] [STRAT=async] [EB=bin] [OUT=dir] scripts/ab-cpu-per-session.sh BIN_A BIN_B [...]
set -euo pipefail
R=${R:-9}; D=$(realpath -m "${OUT:-$(mktemp -d)}"); mkdir -p "$D"
HERE=$(dirname "$(realpath "$0")")
[ $# -ge 2 ] || { echo "usage: scripts/ab-cpu-per-session.sh BIN_A BIN_B [...]" >&2; exit 2; }
BINS=("$@")
echo "$R rounds, N=${N:-10000}, strategy ${STRAT:-async}; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$R"); do
  for i in "${!BINS[@]}"; do
    B="${BINS[$i]}" EB="${EB:-${BINS[$i]}}" REPS=1 OUT="$D/r$r-b$i" "$HERE/cpu-per-session.sh" \
      | tail -1 > "$D/r$r-b$i.txt"
  done
  echo "round $r/$R: $(cut -c1-160 "$D/r$r-b0.txt")"
done
python3 - "$D" "$R" "${BINS[@]}" <<'PY'
import re, statistics, sys
d, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pat = r"best/median of 1: (\d+)/\d+ sessions/s; client ([\d.]+)/[\d.]+ ms/session; emulator ([\d.]+)/"
rows = {}
for i in range(len(bins)):
    for r in range(1, rounds + 1):
        m = re.search(pat, open(f"{d}/r{r}-b{i}.txt").read())
        if not m:
            sys.exit(f"round {r} build {i}: no result line")
        rows.setdefault(i, []).append(tuple(float(x) for x in m.groups()))
for i, b in enumerate(bins):
    cols = list(zip(*rows[i]))
    line = f"build {i} {b}: "
    for name, c in zip(("sessions/s", "client ms", "emulator ms"), cols):
        line += f"{name} {statistics.median(c):.3f} [{min(c):.3f}-{max(c):.3f}]  "
    if i:
        lower = [sum(1 for a, x in zip(rows[0], rows[i]) if x[k] < a[k]) for k in (1, 2)]
        line += f"lower than build 0 in {lower[0]}/{rounds} rounds (client), {lower[1]}/{rounds} (emulator)"
    print(line)
PY
