#!/usr/bin/env bash
# Does the gate tell a regression from noise on this machine? Runs the recipe's check (run.sh)
# N times (default 10) for each of four conditions and counts how often it failed:
#   unchanged           the poller as it is: every failure is a false alarm
#   1.5x slower         POLLER_SLOWDOWN=1.5
#   2x slower           POLLER_SLOWDOWN=2
#   10% devices failing POLLER_FAIL_PERCENT=10
# against baseline.json as committed (record it on the same machine first for a fair
# figure: `run.sh record`). Run it on a quiet machine; about 15 s per check (4 N checks).
# Prints one line per condition and exits 1 when an expectation of the guide does not hold
# (unchanged passes N/N, 2x and 10% fail N/N; 1.5x is reported, not expected).
#
#   FLEETBENCH=... VENV=... evaluate.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=${1:-10}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
conditions=("unchanged:" "1.5x slower:POLLER_SLOWDOWN=1.5" "2x slower:POLLER_SLOWDOWN=2" "10% failing:POLLER_FAIL_PERCENT=10")
declare -A failed
for c in "${conditions[@]}"; do failed[${c%%:*}]=0; done
echo "evaluate: $N checks per condition, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$N"); do
  # Alternate the conditions within each round, so a drifting load falls on all of them.
  for c in "${conditions[@]}"; do
    name=${c%%:*}
    knob=${c#*:}
    dir="$OUT/$i-${name// /_}"
    status=0
    env ${knob:+"$knob"} OUT="$dir" "$here/run.sh" >"$dir.log" 2>&1 || status=$?
    # Exit 1 is a verdict only when the check wrote its table; anything else could not run.
    [ "$status" -ne 1 ] || [ -s "$dir/check.md" ] || status=3
    case $status in
      0) ;;
      1) failed[$name]=$((failed[$name] + 1)) ;;
      *) echo "evaluate: $name, round $i: the check could not run (exit $status): $dir.log" >&2; exit 2 ;;
    esac
  done
  echo "round $i/$N done"
done
bad=0
for c in "${conditions[@]}"; do
  name=${c%%:*}
  f=${failed[$name]}
  case $name in
    unchanged) want="0/$N failed"; [ "$f" -eq 0 ] || bad=1 ;;
    "1.5x slower") want="reported" ;;
    *) want="$N/$N failed"; [ "$f" -eq "$N" ] || bad=1 ;;
  esac
  printf '%-20s failed the gate %2d of %d   (expected: %s)\n' "$name" "$f" "$N" "$want"
done
echo "logs and reports: $OUT"
exit "$bad"
