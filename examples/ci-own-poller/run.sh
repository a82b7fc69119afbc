#!/usr/bin/env bash
# The recipe's steps, without GitHub: what the workflow (github-workflow.yml) runs, for a
# laptop, another CI system, or fleetbench's own CI (which runs it on every change).
#
#   run.sh            measure the poller against an emulated fleet and gate it against
#                     baseline.json: exit 0 pass, 1 regression, 2 could not compare
#   run.sh record     measure the same way and keep the report as the new baseline.json
#
# Environment: FLEETBENCH (the binary; default `fleetbench` from PATH), VENV (a venv with
# requirements.txt; made here if missing, default .venv beside this file), OUT (where the
# report, the page and the table go; default out/ beside this file), BASELINE (default
# baseline.json beside this file), GITHUB_STEP_SUMMARY (the table is appended there when it
# is set, as GitHub Actions sets it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
FLEETBENCH=${FLEETBENCH:-fleetbench}
VENV=${VENV:-$here/.venv}
OUT=${OUT:-$here/out}
BASELINE=${BASELINE:-$here/baseline.json}
mode=${1:-check}
case "$mode" in check | record) ;; *)
  echo "usage: run.sh [check|record]" >&2
  exit 2
  ;;
esac

# 1. The poller's Python, from the pinned requirements (reused while they are unchanged).
stamp="$VENV/.ci-own-poller-requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" >"$stamp"
fi

# 2. The measurement: 20 emulated routers on a LAN profile, the poller at 10 workers beside
#    fleetbench's own async strategy (a reference row, not gated), 5 measured runs after one
#    warm-up. The setup is the baseline's: change it and record a new baseline.
mkdir -p "$OUT"
# Exit 1 means some device failed: the report is written, and judging it is the gate's job.
measured=0
"$FLEETBENCH" compare --emulate 20 --profile lan --command "show version" \
  --strategies async --workers 10 --runs 5 --warmup 1 \
  --external "mypoller='$VENV/bin/python' '$here/poller.py' {inventory} --results {results} --workers {workers} --command {command}" \
  --json "$OUT/report.json" --html "$OUT/report.html" --progress lines || measured=$?
if [ "$measured" -gt 1 ]; then
  echo "run.sh: the measurement could not run (exit $measured)" >&2
  exit 2
fi

if [ "$mode" = record ]; then
  if [ "$measured" -ne 0 ]; then
    echo "run.sh: a device failed; a baseline must poll every device" >&2
    exit 1
  fi
  cp "$OUT/report.json" "$BASELINE"
  echo "recorded $BASELINE: commit it"
  exit 0
fi

# 3. The gate: only the poller's row. The thresholds leave room for a CI runner that is not
#    the machine the baseline came from, and still catch a poller 1.5x slower (the guide's
#    CI page has the evaluation).
status=0
"$FLEETBENCH" check --baseline "$BASELINE" "$OUT/report.json" --rows mypoller \
  --threshold wall=25% --threshold p99=40% --threshold cpu=100% --threshold rss=50% \
  >"$OUT/check.md" || status=$?
cat "$OUT/check.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$OUT/check.md" >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
