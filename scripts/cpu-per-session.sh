#!/usr/bin/env bash
# CPU per session of both sides: N `instant` devices (default 10 000) served by a separate
# `fleetbench emulate`, polled once by `fleetbench run` under /usr/bin/time -v; the
# emulator's CPU is read from /proc/<pid>/stat before and after the run.
set -euo pipefail
# Usage: [N=10000] [STRAT=async] [EXTRA=...] [B=target/release/fleetbench] scripts/cpu-per-session.sh
B=${B:-target/release/fleetbench}; N=${N:-10000}; D=${OUT:-$(mktemp -d)}; STRAT=${STRAT:-async}
rm -f $D/inv.yaml
$B emulate --devices $N --base-port 10001 --profile instant --write-inventory $D/inv.yaml > $D/emu.log 2>&1 &
EMU=$!
trap 'kill -INT $EMU 2>/dev/null; wait $EMU 2>/dev/null || true' EXIT
while [ ! -f $D/inv.yaml ]; do sleep 0.2; done
cpu() { awk '{print $14+$15}' /proc/$EMU/stat; }
e0=$(cpu)
/usr/bin/time -v -o $D/time.txt $B run --strategy $STRAT --inventory $D/inv.yaml --host-keys insecure ${EXTRA:-} --json $D/r.json > $D/out.txt 2>&1 || true
e1=$(cpu)
tail -1 $D/out.txt
tck=$(getconf CLK_TCK)
python3 - "$D" "$N" "$e0" "$e1" "$tck" <<'PY'
import sys,re
d,n,e0,e1,tck=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]),int(sys.argv[5])
t=open(f"{d}/time.txt").read()
g=lambda k: re.search(k+r": (.*)",t).group(1)
u,s=float(g("User time \(seconds\)")),float(g("System time \(seconds\)"))
wall=g("Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)")
rss=int(g("Maximum resident set size \(kbytes\)"))
emu=(e1-e0)/tck
print(f"client: user {u:.2f} s sys {s:.2f} s = {(u+s)/n*1000:.3f} ms/session; wall {wall}; peak RSS {rss/1024:.0f} MiB")
print(f"emulator: {emu:.2f} s = {emu/n*1000:.3f} ms/session")
PY
