#!/usr/bin/env bash
# `fleetbench tune`'s figures for the guide's page (docs/src/tune.md), each beside its model:
#   1. N emulated devices (default 500, `instant` delays) behind one AAA server (`aaa=16@20ms`
#      by default): the knee of `async`, `threads` and netmiko in a thread pool
#      (examples/course/netmiko_threadpool.py, `ThreadPoolExecutor(max_workers={workers})`),
#      against the model (1 - tolerance) x ceiling x s1, the ceiling being the lower of the
#      AAA's C / L and the CPU ceiling (cores over both sides' CPU per session, measured), or
#      the measured plateau when the poller is its own limit (limit `poller`), s1 one session
#      at the lowest count; where failures start; the runs each search spent against a grid
#      of the same resolution;
#   2. the same fleet with no limits: the client-CPU knee of `async` and `threads`.
# Every fleet runs in the fleetbench process on this machine: run it on a quiet machine, with
# nothing building, and build the release binary first.
#
# Usage: [B=target/release/fleetbench] [N=500] [AAA=16@20ms] [START=4] [NETMIKO=1]
#        [VENV=.venv-interop] [SEED=1] [OUT=dir] scripts/tune.sh
#   START    the first worker count of step 1 (netmiko's session is ~0.4 s: at 1 worker the
#            first point alone takes N x 0.4 s); step 2 starts at 1
#   NETMIKO  0 leaves the netmiko poller out (no Python venv needed)
#   VENV     a venv with netmiko and PyYAML (.ci/interop makes .venv-interop; scripts/course.sh
#            makes examples/course/.venv)
# About 10 minutes with the defaults on a 2-core machine (netmiko's search is most of it);
# OUT keeps the reports and pages.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-target/release/fleetbench}
N=${N:-500}
AAA=${AAA:-16@20ms}
START=${START:-4}
NETMIKO=${NETMIKO:-1}
VENV=${VENV:-.venv-interop}
SEED=${SEED:-1}
D=${OUT:-$(mktemp -d)}
mkdir -p "$D"
[ -x "$B" ] || { echo "no binary at $B (cargo build --release, or B=...)" >&2; exit 2; }
external=()
if [ "$NETMIKO" = 1 ]; then
  py=$VENV/bin/python
  "$py" -c 'import netmiko, yaml' 2>/dev/null || {
    echo "no netmiko in $VENV (run .ci/interop once, or VENV=..., or NETMIKO=0)" >&2; exit 2; }
  py=$(cd "$VENV/bin" && pwd)/python
  external=(--external "netmiko=$py examples/course/netmiko_threadpool.py {inventory} {command} -w {workers} --results {results} --quiet")
fi
echo "fleetbench tune: $N devices, aaa=$AAA; $("$B" --version); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reports in $D"

# One tune, its report and page kept; failed devices (exit 1) are what a limit is for.
tune() {
  local out=$1; shift
  "$B" tune "$@" --seed "$SEED" --progress off --json "$D/$out.json" --html "$D/$out.html" \
    > "$D/$out.txt" 2> "$D/$out.log" || {
    local rc=$?
    if [ "$rc" -ne 1 ]; then echo "failed ($rc): $*"; tail -5 "$D/$out.log"; exit 1; fi
  }
  echo "  verdict:"
  sed -n '1,/^$/p' "$D/$out.txt" | sed '/^$/d; s/^/    /'
  python3 - "$D/$out.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tune"]
print(f"  {'strategy':<10} {'found':>6} {'model':>7} {'found/model':>11} {'limit':>6} "
      f"{'ceiling':>9} {'s1':>9} {'failures from':>20} {'runs':>5} {'grid':>5} {'logins':>7}")
for s in t["searches"]:
    a, m, f = s.get("answer"), s.get("model"), s.get("failures")
    found = str(a["workers"]) if a else "-"
    model = ratio = limit = ceiling = s1 = "-"
    if m:
        model, limit = f"{m['workers']:.1f}", m["limit"]
        ceiling, s1 = f"{m['ceiling_per_s']:.0f}/s", f"{m['session_s'] * 1000:.1f} ms"
        if a and m["workers"] > 0:
            ratio = f"{a['workers'] / m['workers']:.2f}"
    fail = "-"
    if f:
        kind = max(f["kinds"].items(), key=lambda kv: kv[1])[0] if f["kinds"] else "?"
        span = f">{f['clean_up_to']}" if f["settled"] else f"{f['clean_up_to']}..{f['failing_from']}"
        fail = f"{span} {kind}"
    print(f"  {s['strategy']:<10} {found:>6} {model:>7} {ratio:>11} {limit:>6} {ceiling:>9} "
          f"{s1:>9} {fail:>20} {s['runs']:>5} {s['grid_runs']:>5} {s['logins']:>7}")
    settled = f"answer settled by {a['reason']['rule']}" if a else "no answer"
    print(f"  {'':<10} stopped: {s['stopped']['rule']}; {settled}")
    if m and m.get("plateau_per_s") is not None:
        cores = lambda k: f"{m[k]:.2f}" if m.get(k) is not None else "-"
        print(f"  {'':<10} plateau {m['plateau_per_s']:.1f}/s; cores busy at the best point: "
              f"{cores('poller_cores')} client, {cores('busy_cores')} with the emulator, of {t['cores']}")
EOF
}

echo
echo "1. $N devices behind aaa=$AAA: async, threads${external:+, netmiko} (start $START)"
tune aaa --emulate "$N" --profile "instant,aaa=$AAA" --strategies async,threads \
  --start-workers "$START" "${external[@]}"

echo
echo "2. $N devices, no limits: the client-CPU knee"
tune cpu --emulate "$N" --profile instant --strategies async,threads

echo
echo "pages: $D/aaa.html $D/cpu.html"
