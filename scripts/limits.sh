#!/usr/bin/env bash
# The shared limits' figures (issue 23; the guide's page docs/src/limits.md): the model's
# prediction beside the measured figure for each of
#   1. logins per second of `async` at 8, 16, 32 and 128 workers against one AAA server
#      (`aaa=16@20ms` by default), the model being min(W / (s0 + L), C / L, X), with s0 one
#      session's time without the AAA (measured here at 1 worker) and X the client's own
#      ceiling (measured here at 128 workers without the AAA);
#   2. the failures of every built-in strategy above the AAA's capacity (128 workers, the
#      devices' AAA timeout cut to T = 100 ms so that a poller can overload it: failures
#      start once more than C (T - L) / L logins wait), by kind;
#   3. the same overload with --retries and with --connect-rate (half the AAA's capacity by
#      default), each against step 2.
# Every run is an in-process emulated fleet (`instant` delays) on this machine: run it on a
# quiet machine, with nothing building, and build the release binary first.
#
# Usage: [B=target/release/fleetbench] [AAA=16@20ms] [T=0.1] [N=2000] [N_OVER=1000]
#        [W_OVER=128] [RETRIES=4] [RATE=400] [SEED=1] [OUT=dir] scripts/limits.sh
# About 2 minutes with the defaults on a 2-core machine. OUT keeps every report.
set -euo pipefail
B=${B:-target/release/fleetbench}
AAA=${AAA:-16@20ms}
T=${T:-0.1}
N=${N:-2000}
N_OVER=${N_OVER:-1000}
W_OVER=${W_OVER:-128}
RETRIES=${RETRIES:-4}
RATE=${RATE:-400}
SEED=${SEED:-1}
D=${OUT:-$(mktemp -d)}
mkdir -p "$D"
[ -x "$B" ] || { echo "no binary at $B (cargo build --release, or B=...)" >&2; exit 2; }
C=${AAA%@*}
L_MS=$(python3 -c "import sys; s=sys.argv[1]; print(float(s[:-2]) if s.endswith('ms') else float(s[:-1])*1000)" "${AAA#*@}")
T_MS=$(python3 -c "print(float('$T')*1000)")
echo "fleetbench limits: aaa=$AAA (C=$C, L=${L_MS} ms), overload T=${T_MS} ms; $("$B" --version); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reports in $D"

# One `run` (or `compare`), its report kept; a run with failed devices exits 1, which is
# what an overload is for.
fb() {
  local out=$1; shift
  "$B" "$@" --seed "$SEED" --progress off --json "$D/$out.json" > "$D/$out.log" 2>&1 || {
    local rc=$?
    if [ "$rc" -ne 1 ]; then echo "failed ($rc): $*"; tail -5 "$D/$out.log"; exit 1; fi
  }
}

# The same reading of every report (python3; no other tool needed).
report() {
  python3 - "$@" <<'EOF'
import json, sys
what, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
if what == "s0":
    # One session's median time at one worker.
    print(r["strategies"][0]["latency_s"]["total"]["p50"])
elif what == "rate":
    s = r["strategies"][0]
    print(s["runs"][-1]["ok"] / s["wall_s"]["median"])
elif what == "kinds":
    for s in r["strategies"]:
        kinds = {}
        for d in s["devices"]:
            e = d.get("error")
            if e:
                key = e["kind"] + (f" (client saw {e['client_kind']})" if e.get("client_kind") else "")
                kinds[key] = kinds.get(key, 0) + 1
        lim = s.get("device_limits") or {}
        print(f"  {s['strategy']:<10} {s['workers']:>4} workers  {s['runs'][-1]['failed']:>4} failed  "
              f"wall {s['wall_s']['median']:.2f} s  aaa answered {lim.get('aaa_answered', 0)} "
              f"timed out {lim.get('aaa_timeouts', 0)} refused {lim.get('aaa_rejections', 0)}  "
              + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no failures"))
elif what == "failed":
    print(" ".join(f"{s['strategy']}={s['runs'][-1]['failed']}" for s in r["strategies"]))
EOF
}

echo
echo "1. logins per second, async, aaa=$AAA, $N devices"
fb s0 run --strategy async --workers 1 --emulate 200 --profile instant
S0=$(report s0 "$D/s0.json")
fb cpu run --strategy async --workers 128 --emulate "$N" --profile instant
X=$(report rate "$D/cpu.json")
printf "  s0 (one session at 1 worker, no AAA) = %.1f ms; the client's own ceiling X (128 workers, no AAA) = %.0f/s; C/L = %.0f/s\n" \
  "$(python3 -c "print($S0*1000)")" "$X" "$(python3 -c "print($C/($L_MS/1000))")"
printf "  %8s %12s %12s %10s\n" workers "model /s" "measured /s" "measured/model"
for W in 8 16 32 128; do
  fb "aaa-w$W" run --strategy async --workers "$W" --emulate "$N" --profile "instant,aaa=$AAA"
  M=$(report rate "$D/aaa-w$W.json")
  python3 - "$W" "$S0" "$L_MS" "$C" "$X" "$M" <<'EOF'
import sys
w, s0, l_ms, c, x, m = int(sys.argv[1]), *map(float, sys.argv[2:])
l = l_ms / 1000
model = min(w / (s0 + l), c / l, x)
print(f"  {w:>8} {model:>12.0f} {m:>12.0f} {m / model:>10.2f}")
EOF
done

OVER="instant,aaa=$AAA,aaa-timeout=${T_MS}ms"
ALL=sequential,threads,processes,async,rayon
LIMIT=$(python3 -c "print(int($C*($T_MS-$L_MS)/$L_MS))")
echo
echo "2. above capacity: $N_OVER devices, $W_OVER workers, profile $OVER (--aaa-timeout $T)"
echo "  model: failures once more than C (T - L) / L = $LIMIT logins wait at once; sequential (1 worker) never queues"
fb over compare --emulate "$N_OVER" --profile "$OVER" --strategies "$ALL" --workers "$W_OVER" --runs 1 --aaa-timeout "$T"
report kinds "$D/over.json"

echo
echo "3a. the same overload with --retries $RETRIES"
fb retries compare --emulate "$N_OVER" --profile "$OVER" --strategies "$ALL" --workers "$W_OVER" --runs 1 --aaa-timeout "$T" --retries "$RETRIES"
report kinds "$D/retries.json"
echo "3b. the same overload with --connect-rate $RATE/s"
echo "  model: below C/L the AAA's queue stays short (no failures); the run takes at least $N_OVER / $RATE = $(python3 -c "print(round($N_OVER/$RATE, 2))") s"
fb rate compare --emulate "$N_OVER" --profile "$OVER" --strategies "$ALL" --workers "$W_OVER" --runs 1 --aaa-timeout "$T" --connect-rate "$RATE"
report kinds "$D/rate.json"
echo
echo "failures: overload $(report failed "$D/over.json")"
echo "          retries  $(report failed "$D/retries.json")"
echo "          rate     $(report failed "$D/rate.json")"
