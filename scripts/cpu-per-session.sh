#!/usr/bin/env bash
# CPU per session of both sides, sessions per second and memory per session in flight:
# N `instant` devices (default 10 000) served by a separate `fleetbench emulate` process,
# polled REPS times by `fleetbench run` (one session per device per run) under
# /usr/bin/time -v. The emulator's CPU (user + system, all its threads) is read from
# /proc/<pid>/stat right before and after each run, so its start-up (key and inventory
# generation) is not counted. CPU time, not wall time, is the figure to compare on a busy
# machine; the last line gives the best and the median over the runs.
#
# Usage: [N=10000] [REPS=3] [STRAT=async] [EXTRA="--workers 500"] [PORT=10001]
#        [STRACE=1] [B=target/release/fleetbench] [EB=$B] [OUT=dir] scripts/cpu-per-session.sh
# EB is the emulator's binary (default: the client's), to compare one side's builds.
# PORT is the emulator's first port (device i listens on PORT+i-1): keep PORT+N below
# 32768 (the ephemeral range starts there) and clear of other emulators on the machine.
# STRACE=1 adds one more run with `strace -c -f` on both sides and prints the system calls
# per session (strace slows both sides: that run's times are not reported).
set -euo pipefail
B=${B:-target/release/fleetbench}; N=${N:-10000}; REPS=${REPS:-3}; STRAT=${STRAT:-async}
EB=${EB:-$B}; PORT=${PORT:-10001}; D=${OUT:-$(mktemp -d)}; mkdir -p "$D"
# One listener per device plus one socket per session in flight, on each side.
ulimit -n "$(ulimit -Hn)"
rm -f "$D/inv.yaml"
$EB emulate --devices "$N" --base-port "$PORT" --profile instant --write-inventory "$D/inv.yaml" \
  > "$D/emu.log" 2>&1 &
EMU=$!
trap 'kill -INT $EMU 2>/dev/null; wait $EMU 2>/dev/null || true' EXIT
while [ ! -f "$D/inv.yaml" ]; do
  kill -0 $EMU 2>/dev/null || { echo "emulator exited:"; cat "$D/emu.log"; exit 1; }
  sleep 0.2
done
cpu() { awk '{print $14+$15}' /proc/$EMU/stat; }
tck=$(getconf CLK_TCK)
echo "$N instant devices, strategy $STRAT ${EXTRA:-}, emulator pid $EMU on ports $PORT-$((PORT+N-1)); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$REPS"); do
  e0=$(cpu)
  /usr/bin/time -v -o "$D/time$r.txt" $B run --strategy "$STRAT" --inventory "$D/inv.yaml" \
    --host-keys insecure ${EXTRA:-} --json "$D/r$r.json" > "$D/out$r.txt" 2>&1 || true
  e1=$(cpu)
  echo "$e0 $e1" > "$D/emu$r.txt"
done
python3 - "$D" "$N" "$REPS" "$tck" <<'PY'
import re, statistics, sys
d, n, reps, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = []
for r in range(1, reps + 1):
    t = open(f"{d}/time{r}.txt").read()
    g = lambda k: re.search(k + r": (.*)", t).group(1)
    u, s = float(g(r"User time \(seconds\)")), float(g(r"System time \(seconds\)"))
    rss = int(g(r"Maximum resident set size \(kbytes\)"))
    # The summary line (older builds print "report written to ..." after it).
    out = open(f"{d}/out{r}.txt").read().strip().splitlines()
    pat = r"(\d+) ok, (\d+) failed; wall ([\d.]+) s \(\w+, (\d+) workers?\)"
    last = next((l for l in reversed(out) if re.search(pat, l)), out[-1] if out else "")
    m = re.search(pat, last)
    if not m:
        sys.exit(f"run {r}: unexpected last line: {last}")
    ok, failed, wall, workers = int(m[1]), int(m[2]), float(m[3]), int(m[4])
    e0, e1 = map(int, open(f"{d}/emu{r}.txt").read().split())
    emu = (e1 - e0) / tck
    row = dict(ok=ok, failed=failed, rate=n / wall, cli=(u + s) / n * 1000, emu=emu / n * 1000,
               rss=rss / 1024, per=rss / min(workers, n))
    rows.append(row)
    print(f"run {r}: {ok}/{n} ok, {failed} failed; wall {wall:.2f} s = {row['rate']:.0f} sessions/s; "
          f"client {row['cli']:.3f} ms/session (user {u:.2f} s + sys {s:.2f} s); "
          f"emulator {row['emu']:.3f} ms/session ({emu:.2f} s); client peak RSS {row['rss']:.0f} MiB "
          f"= {row['per']:.0f} KiB per session in flight ({workers} workers)")
f = lambda k, best: (best([x[k] for x in rows]), statistics.median([x[k] for x in rows]))
print("best/median of {}: {:.0f}/{:.0f} sessions/s; client {:.3f}/{:.3f} ms/session; "
      "emulator {:.3f}/{:.3f} ms/session; {:.0f}/{:.0f} KiB per session in flight; failed {}".format(
          reps, *f("rate", max), *f("cli", min), *f("emu", min), *f("per", min),
          sum(x["failed"] for x in rows)))
PY
if [ "${STRACE:-}" = 1 ]; then
  strace -c -f -p $EMU -o "$D/emu.strace" 2>/dev/null & ST=$!
  sleep 0.5
  strace -c -f -o "$D/cli.strace" $B run --strategy "$STRAT" --inventory "$D/inv.yaml" \
    --host-keys insecure ${EXTRA:-} > "$D/out-strace.txt" 2>&1 || true
  sleep 0.3; kill -INT $ST; wait $ST 2>/dev/null || true
  for side in cli emu; do
    awk -v n="$N" -v side="$side" '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ {
        calls = $4; err = ($5 ~ /^[0-9]+$/) ? $5 : 0
        if (calls / n >= 0.5) line = line sprintf(" %s %.1f%s", $NF, calls / n, err ? sprintf(" (%.1f failed)", err / n) : "")
      } END { print (side == "cli" ? "client" : "emulator") " syscalls per session:" line }' "$D/$side.strace"
  done
fi
