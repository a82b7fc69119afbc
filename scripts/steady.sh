#!/usr/bin/env bash
# `fleetbench poll`'s figures for the guide's page (docs/src/steady.md):
#   a. N emulated devices (default 1000) polled every T (10s) for FOR (10m), the emulator a
#      separate `fleetbench emulate` process (its CPU and memory read from /proc through
#      --emulator-pid), sessions kept and then renewed: cycles, lag p50/p99, latency from
#      due, CPU per poll on each side, logins and reconnects, sessions held on the devices,
#      and each process's resident memory after the first minute against its most and
#      least since (the 5% band);
#   b. the undersized setup: NU devices (100) whose command takes 3 s, WU workers (10),
#      every T, for FOR_U (2m), with --on-late skip and with queue: the backlog's
#      arithmetic (demand N/T against capacity W/s), a simulation of the schedule's rules
#      at the measured session time, and the measured counts and times beside it.
# Every figure depends on the machine: run it on a quiet machine, with nothing building,
# after `cargo build --release`. FOR and FOR_U set the durations (FOR=2m for a shorter
# run); the guide says which one each figure came from.
#
# Usage: [B=target/release/fleetbench] [N=1000] [T=10s] [FOR=10m] [PROFILE=instant]
#        [STRATEGY=async] [PORT=20001] [NU=100] [WU=10] [COMMAND_DELAY=3s] [FOR_U=2m]
#        [PARTS=ab] [SESSIONS=keep,renew] [SEED=1] [OUT=dir] scripts/steady.sh
# About 2 x FOR + 2 x FOR_U (keep then renew, skip then queue), plus start-up. OUT keeps
# every report, page, stream file and plot.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-target/release/fleetbench}
N=${N:-1000}
T=${T:-10s}
FOR=${FOR:-10m}
PROFILE=${PROFILE:-instant}
SESSIONS=${SESSIONS:-keep,renew}
STRATEGY=${STRATEGY:-async}
PORT=${PORT:-20001}
NU=${NU:-100}
WU=${WU:-10}
COMMAND_DELAY=${COMMAND_DELAY:-3s}
FOR_U=${FOR_U:-2m}
PARTS=${PARTS:-ab}
SEED=${SEED:-1}
D=${OUT:-$(mktemp -d)}
mkdir -p "$D"
[ -x "$B" ] || { echo "no binary at $B (cargo build --release, or B=...)" >&2; exit 2; }
echo "fleetbench steady: $("$B" --version); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
echo "reports in $D"

# A poll whose devices failed exits 1: its report is still what is read.
poll() {
  local out=$1; shift
  "$B" poll "$@" --json "$D/$out.json" --html "$D/$out.html" --stream "$D/$out.jsonl" \
    --plots "$D/plots-$out" > "$D/$out.txt" 2> "$D/$out.log" || {
    local rc=$?
    if [ "$rc" -ne 1 ]; then echo "failed ($rc): poll $*"; tail -5 "$D/$out.log"; exit 1; fi
  }
}

if [[ $PARTS == *a* ]]; then
  echo
  echo "a. $N devices every $T for $FOR ($STRATEGY), emulator in its own process, keep then renew"
  inv=$D/fleet.yaml
  "$B" emulate --devices "$N" --profile "$PROFILE" --seed "$SEED" --base-port "$PORT" \
    --write-inventory "$inv" > "$D/emulate.log" 2>&1 &
  epid=$!
  trap 'kill -TERM "$epid" 2>/dev/null || true; wait "$epid" 2>/dev/null || true' EXIT
  for _ in $(seq 600); do
    [ -s "$inv" ] && break
    kill -0 "$epid" 2>/dev/null || { echo "emulate exited:"; tail -5 "$D/emulate.log"; exit 1; }
    sleep 0.2
  done
  [ -s "$inv" ] || { echo "the emulator did not write $inv within 120 s"; exit 1; }
  poll steady --inventory "$inv" --known-hosts "$D/known_hosts" --emulator-pid "$epid" --yes \
    --strategy "$STRATEGY" --every "$T" --for "$FOR" --sessions "$SESSIONS"
  kill -TERM "$epid"; wait "$epid" || true; trap - EXIT
  python3 - "$D/steady.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["steady"]
ms = lambda x: f"{x * 1000:.2f} ms"
mib = lambda b: f"{b / 1048576:.1f} MiB"
print(f"  every {s['every_s']:g} s for {s['for_s']:g} s: {s['cycles']} cycles per mode")
for run in s["runs"]:
    p = run["polls"]
    print(f"  {run['sessions']:<6} cycles {run['cycles']} (over the interval: {run['cycles_over_interval']}), "
          f"polls {p['ok']} ok of {p['due']}, {p['failed']} failed, {p['skipped']} skipped, "
          f"{p['not_run']} not run")
    print(f"         lag p50 {ms(run['lag_s']['p50'])} p99 {ms(run['lag_s']['p99'])} max {ms(run['lag_s']['max'])}; "
          f"from due p50 {ms(run['latency_s']['p50'])} p99 {ms(run['latency_s']['p99'])}; "
          f"session p50 {ms(run['session_s']['p50'])}")
    srv = run.get("server") or {}
    held = run.get("device_sessions") or {}
    print(f"         CPU per poll: client {ms(run['client']['cpu_per_poll_s'])}, emulator "
          f"{ms(srv.get('cpu_per_poll_s', 0))}; logins {run['sessions_opened']}, reconnects "
          f"{run['reconnects']}; sessions held on the devices mean {held.get('mean', 0):.0f} max {held.get('max', 0)}")
    t0 = run["series"][0]["due_unix"] if run["series"] else 0
    # The last cycle's sample can be taken while the workers wind down (the report's band
    # leaves it out the same way).
    for side, key in (("client", "client_rss_bytes"), ("emulator", "server_rss_bytes")):
        after = [c[key] for c in run["series"][:-1] if c.get(key) and c["due_unix"] - t0 >= 60]
        if not after:
            print(f"         {side} RSS: no sample after the first minute (FOR too short?)")
            continue
        base = after[0]
        dev = max(abs(x - base) for x in after) / base * 100
        print(f"         {side} RSS after the first minute {mib(base)}, since then {mib(min(after))} to "
              f"{mib(max(after))}: within {dev:.1f}% ({'inside' if dev <= 5 else 'OUTSIDE'} the 5% band)")
k = {x["sessions"]: x for x in s["runs"]}
if "keep" in k and "renew" in k:
    a, b = k["keep"], k["renew"]
    ratio = lambda x, y: f"{x / y:.2f}x" if y else "-"
    print(f"  keep/renew: client CPU per poll {ratio(a['client']['cpu_per_poll_s'], b['client']['cpu_per_poll_s'])}, "
          f"emulator {ratio((a.get('server') or {}).get('cpu_per_poll_s', 0), (b.get('server') or {}).get('cpu_per_poll_s', 0))}, "
          f"session p50 {ratio(a['session_s']['p50'], b['session_s']['p50'])}")
EOF
fi

if [[ $PARTS == *b* ]]; then
  echo
  echo "b. undersized: $NU devices, command=$COMMAND_DELAY, $WU workers, every $T for $FOR_U"
  for policy in skip queue; do
    poll "under-$policy" --emulate "$NU" --profile "instant,command=$COMMAND_DELAY" --seed "$SEED" \
      --strategy threads --workers "$WU" --every "$T" --for "$FOR_U" --on-late "$policy"
    python3 - "$D/under-$policy.json" <<'EOF'
import json, sys, heapq
r = json.load(open(sys.argv[1]))
s = r["steady"]; run = s["runs"][0]; p = run["polls"]
n, T, C, W = r["fleet"]["devices"], s["every_s"], s["cycles"], run["workers"]
sess = run["session_s"]["p50"]

def simulate(policy):
    """The schedule's rules (strategy/schedule.rs) with every session lasting `sess`:
    burst releases at k*T, earliest due first, skip or queue behind a device's poll, a poll
    starts until max(the last interval's end, its due + T), else it is not run."""
    end = C * T
    ready, running, behind = [], [], [[] for _ in range(n)]
    busy = [False] * n
    lags, c = [], dict(ok=0, skipped=0, queued=0, not_run=0)
    t, k = 0.0, 0
    def place(d, now):
        if behind[d]:
            due = behind[d].pop(0)
            heapq.heappush(ready, (due, d, True)); busy[d] = True
        else:
            busy[d] = False
    while True:
        while running and running[0][0] <= t:
            _, d = heapq.heappop(running); place(d, t)
        while k < C and k * T <= t:
            for d in range(n):
                if not busy[d]:
                    heapq.heappush(ready, (k * T, d, False)); busy[d] = True
                elif policy == "skip":
                    c["skipped"] += 1
                else:
                    behind[d].append(k * T)
            k += 1
        while ready and len(running) < W:
            due, d, queued = heapq.heappop(ready)
            if t >= max(end, due + T):
                c["not_run"] += 1; place(d, t); continue
            lags.append(t - due); c["ok"] += 1; c["queued"] += queued
            heapq.heappush(running, (t + sess, d))
        nxt = [x for x in ((k * T) if k < C else None, running[0][0] if running else None) if x is not None]
        if not nxt:
            break
        t = max(t, min(nxt))
    return lags, c

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")

lags, c = simulate(s["on_late"])
demand, capacity = n / T, W / sess
print(f"  --on-late {s['on_late']}: demand {n} / {T:g} s = {demand:.2f} polls/s; capacity {W} workers / "
      f"{sess:.3f} s (the measured median session, the closed-loop time) = {capacity:.2f} polls/s")
if capacity < demand:
    print(f"    queued, a poll due t s in starts about t x {demand / capacity:.2f} s in: its lag grows "
          f"{demand / capacity - 1:.2f} s per second of run; the j-th poll in due order starts at "
          f"floor(j / {W}) x {sess:.3f} s, so cycle k's median poll waits about "
          f"(k + 1/2) x {n} x {sess:.3f} / {W} - k x {T:g} s; skipped, about {capacity / demand:.0%} of due polls run")
print(f"    {'':<10} {'ok':>6} {'skipped':>8} {'queued':>7} {'not run':>8} {'lag p50':>9} {'lag p99':>9} "
      f"{'due->end p50':>13} {'due->end p99':>13}")
print(f"    {'predicted':<10} {c['ok']:>6} {c['skipped']:>8} {c['queued']:>7} {c['not_run']:>8} "
      f"{pct(lags, .5):>8.2f}s {pct(lags, .99):>8.2f}s {pct(lags, .5) + sess:>12.2f}s {pct(lags, .99) + sess:>12.2f}s")
print(f"    {'measured':<10} {p['ok']:>6} {p['skipped']:>8} {p['queued']:>7} {p['not_run']:>8} "
      f"{run['lag_s']['p50']:>8.2f}s {run['lag_s']['p99']:>8.2f}s {run['latency_s']['p50']:>12.2f}s "
      f"{run['latency_s']['p99']:>12.2f}s")
print(f"    latency from due p50 - closed-loop time: measured {run['latency_s']['p50'] - sess:.2f} s, "
      f"predicted by the backlog {pct(lags, .5):.2f} s")
EOF
  done
fi
