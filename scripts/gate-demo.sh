#!/usr/bin/env bash
# Shows that the regression gate (`fleetbench check`) neither cries wolf nor misses a real
# slowdown, on this machine, with the CI gate's setup (.ci/gate) and check's default
# thresholds (same machine, so no cross-machine allowance):
#   1. records a fresh baseline;
#   2. N times: measures the same code again and checks it (expect exit 0: no false alarm);
#   3. N times: measures with FLEETBENCH_DEBUG_SLOWDOWN=0.2 (every session 20% longer in the
#      client) and checks it (expect exit 1: caught);
#   4. once: checks a FLEETBENCH_DEBUG_SLOWDOWN=1.0 run (2x) against the checked-in CI baseline
#      with the CI gate's wide thresholds, i.e. exactly what .ci/gate does (expect exit 1).
# Prints one line per check (exit code and each strategy's median wall change) and a tally.
#
#   scripts/gate-demo.sh [N]        N defaults to 10; about 25 s per measurement
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
out=${FLEETBENCH_DEMO_OUT:-target/gate-demo}
mkdir -p "$out"
cargo build --release --locked --quiet
bin=target/release/fleetbench
# Keep in step with .ci/gate.
setup=(--emulate 20 --profile 'login=50ms,command=100ms' --runs 5 --warmup 1)

measure() { # measure FILE [SLOWDOWN]
  local rc=0
  FLEETBENCH_DEBUG_SLOWDOWN=${2:-0} "$bin" compare "${setup[@]}" --json "$1" \
    >/dev/null 2>"$1.log" || rc=$?
  if [ "$rc" -gt 1 ]; then cat "$1.log" >&2; exit "$rc"; fi
}

check() { # check LABEL REPORT BASELINE [ARGS...]  -> prints a line, returns check's exit code
  local label=$1 report=$2 base=$3 rc=0
  shift 3
  "$bin" check --baseline "$base" "$report" "$@" >"$report.md" 2>/dev/null || rc=$?
  local walls
  walls=$(awk -F'|' '$3 ~ /median wall/ {gsub(/ /, "", $2); gsub(/ /, "", $6); printf "%s %s  ", $2, $6}' "$report.md")
  local regs
  regs=$(grep -c 'REGRESSION' "$report.md" || true)
  printf '%-12s exit %d  regressions %-2s wall: %s\n' "$label" "$rc" "$regs" "$walls"
  return "$rc"
}

echo "== baseline (fresh, this machine)"
measure "$out/baseline.json"

false_alarms=0
echo "== $n checks of unchanged code (default thresholds), expect exit 0"
for i in $(seq 1 "$n"); do
  measure "$out/same-$i.json"
  rc=0; check "same #$i" "$out/same-$i.json" "$out/baseline.json" || rc=$?
  [ "$rc" -eq 0 ] || false_alarms=$((false_alarms + 1))
done

caught=0
echo "== $n checks with FLEETBENCH_DEBUG_SLOWDOWN=0.2 (default thresholds), expect exit 1"
for i in $(seq 1 "$n"); do
  measure "$out/slow-$i.json" 0.2
  rc=0; check "slow20 #$i" "$out/slow-$i.json" "$out/baseline.json" || rc=$?
  [ "$rc" -eq 1 ] && caught=$((caught + 1))
done

echo "== FLEETBENCH_DEBUG_SLOWDOWN=1.0 against results/baseline-ci.json with .ci/gate's thresholds, expect exit 1"
measure "$out/slow2x.json" 1.0
thresholds=$(grep -o -- '--threshold [a-z0-9]*=[0-9]*%' .ci/gate | awk '{print $2}')
targs=()
for t in $thresholds; do targs+=(--threshold "$t"); done
rc=0; check "2x vs CI" "$out/slow2x.json" results/baseline-ci.json "${targs[@]}" || rc=$?
two_x=$([ "$rc" -eq 1 ] && echo caught || echo MISSED)

echo
echo "false alarms: $false_alarms/$n   20% slowdown caught: $caught/$n   2x vs the CI baseline: $two_x"
echo "reports and markdown verdicts: $out/"
[ "$false_alarms" -eq 0 ] && [ "$caught" -eq "$n" ] && [ "$two_x" = caught ]
