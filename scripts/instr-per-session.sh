#!/usr/bin/env bash
# Instructions per session on each side (valgrind --tool=callgrind: load-independent, unlike
# CPU time), and system calls per session (strace -c), for a small `instant` fleet served by a
# separate `fleetbench emulate` process.
#
# Client: the emulator runs natively; the client runs under callgrind twice, on N1 and on N2
#   devices of the same fleet; (I(N2) - I(N1)) / (N2 - N1) is one session's work, start-up,
#   inventory parsing of the common part and the report cancelling out (the extra devices'
#   inventory lines do not: `saphyr` in the breakdown, about 80 k a device).
# Emulator: the emulator runs under callgrind; `callgrind_control -z` before and `-d` after a
#   native client's run over N2 devices; the dump / N2 is one session's work (accepting,
#   serving, timers and idle wake-ups in that window included).
# System calls: both natively under `strace -c -f`, client differential as above, emulator
#   attached for the run.
# Floor (SIDES=floor, the client binary's `floor` command): each part under callgrind
#   with N1 and N2 iterations, differential as above; the exchange's system calls per
#   session from `strace -c -f` (both sides' threads together).
# Valgrind's virtual CPU has no ADX, SHA-NI or AVX-512 (whatever the host has), so libcrypto,
# ring, sha2 and curve25519-dalek take their non-ADX/non-SHA-NI paths under callgrind: the
# counts are for those paths (the floor prototype, measured the same way, takes the same ones).
#
# Usage: [B=target/release/fleetbench] [EB=$B] [N1=100] [N2=300] [STRATS="sequential async"]
#        [WORKERS=100] [PORT=21001] [OUT=dir] [SIDES="client emulator syscalls floor"]
#        [EXTRA="client flags"] scripts/instr-per-session.sh
# WORKERS is the async client's --workers (fixed, so N1 and N2 run with the same concurrency).
# Keep PORT+N2 below 32768 and clear of other emulators on the machine.
set -euo pipefail
B=$(realpath "${B:-target/release/fleetbench}"); EB=$(realpath "${EB:-$B}")
N1=${N1:-100}; N2=${N2:-300}; STRATS=${STRATS:-sequential async}; WORKERS=${WORKERS:-100}
PORT=${PORT:-21001}; SIDES=${SIDES:-client emulator syscalls floor}
D=$(realpath -m "${OUT:-$(mktemp -d)}"); mkdir -p "$D"
HERE=$(dirname "$(realpath "$0")"); PY="$HERE/callgrind-per-session.py"
CG=(valgrind --tool=callgrind --compress-strings=no --compress-pos=no)
ulimit -n "$(ulimit -Hn)"
EMU=; ST=
cleanup() {
  [ -n "$ST" ] && kill -INT "$ST" 2>/dev/null || true
  [ -n "$EMU" ] && { kill -INT "$EMU" 2>/dev/null; wait "$EMU" 2>/dev/null || true; }
}
trap cleanup EXIT

# Starts the emulator (optionally under a wrapper) and waits for its inventory.
start_emu() {
  rm -f "$D/inv$N2.yaml"
  "$@" "$EB" emulate --devices "$N2" --base-port "$PORT" --profile instant \
    --write-inventory "$D/inv$N2.yaml" > "$D/emu.log" 2>&1 &
  EMU=$!
  for _ in $(seq 600); do
    [ -f "$D/inv$N2.yaml" ] && break
    kill -0 $EMU 2>/dev/null || { echo "emulator exited:"; cat "$D/emu.log"; exit 1; }
    sleep 0.2
  done
  # The first N1 devices of the same fleet.
  python3 - "$D/inv$N2.yaml" "$D/inv$N1.yaml" "$N1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
head, *devs = re.split(r"(?m)^(?=  - device_type)", text)
open(sys.argv[2], "w").write(head + "".join(devs[: int(sys.argv[3])]))
PY
}
stop_emu() { kill -INT "$EMU"; wait "$EMU" 2>/dev/null || true; EMU=; }

client_args() { # strategy devices
  local extra=()
  [ "$1" = async ] && extra=(--workers "$WORKERS")
  # shellcheck disable=SC2086
  echo run --strategy "$1" --inventory "$D/inv$2.yaml" --host-keys insecure "${extra[@]}" ${EXTRA:-}
}
check_ok() { # log devices
  grep -q "$2 devices: $2 ok, 0 failed" "$1" || { echo "run failed: $1"; tail -3 "$1"; exit 1; }
}

per() { # strace-file-big [strace-file-small] sessions
  python3 - "$@" <<'PY'
import re, sys
def counts(p):
  c = {}
  for line in open(p):
      f = line.split()
      if len(f) >= 5 and f[-1] not in ("total", "syscall") and f[3].isdigit():
          errs = int(f[4]) if len(f) == 6 and f[4].isdigit() else 0
          c[f[-1]] = (int(f[3]), errs)
  return c
args = sys.argv[1:]
n = int(args[-1]); big = counts(args[0]); small = counts(args[1]) if len(args) == 3 else {}
rows = []
for k, (c, e) in big.items():
  c0, e0 = small.get(k, (0, 0))
  if (c - c0) / n >= 0.05:
      rows.append((-(c - c0) / n, k, (e - e0) / n))
print("  " + ", ".join(f"{k} {-c:.1f}" + (f" ({e:.1f} failed)" if e >= 0.05 else "") for c, k, e in sorted(rows)))
print(f"  total {sum(-c for c, _, _ in rows):.1f}")
PY
}

echo "client $B ${EXTRA:-}; emulator $EB; N1=$N1 N2=$N2; out $D"
if [[ " $SIDES " == *" client "* ]]; then
  start_emu
  for s in $STRATS; do
    for n in "$N1" "$N2"; do
      # shellcheck disable=SC2046
      "${CG[@]}" --callgrind-out-file="$D/cg.client.$s.$n.out" "$B" $(client_args "$s" "$n") \
        > "$D/client.$s.$n.log" 2>&1 || true
      check_ok "$D/client.$s.$n.log" "$n"
    done
    echo "== client, $s"
    python3 "$PY" $((N2 - N1)) "$D/cg.client.$s.$N2.out" "$D/cg.client.$s.$N1.out" \
      --json "$D/client.$s.json" | tee "$D/client.$s.txt"
  done
  stop_emu
fi

if [[ " $SIDES " == *" emulator "* ]]; then
  start_emu "${CG[@]}" --callgrind-out-file="$D/cg.emu.out"
  dump=0
  for s in $STRATS; do
    callgrind_control -z "$EMU" > /dev/null
    # shellcheck disable=SC2046
    "$B" $(client_args "$s" "$N2") > "$D/emu-client.$s.log" 2>&1 || true
    callgrind_control -d "$EMU" > /dev/null
    dump=$((dump + 1))
    check_ok "$D/emu-client.$s.log" "$N2"
    for _ in $(seq 50); do [ -s "$D/cg.emu.out.$dump" ] && break; sleep 0.2; done
    sleep 0.5
    echo "== emulator, client $s"
    python3 "$PY" "$N2" "$D/cg.emu.out.$dump" --json "$D/emu.$s.json" | tee "$D/emu.$s.txt"
  done
  stop_emu
fi

if [[ " $SIDES " == *" syscalls "* ]]; then
  start_emu
  for s in $STRATS; do
    strace -c -f -p "$EMU" -o "$D/strace.emu.$s" 2>/dev/null & ST=$!
    sleep 0.5
    for n in "$N1" "$N2"; do
      # shellcheck disable=SC2046
      strace -c -f -o "$D/strace.client.$s.$n" "$B" $(client_args "$s" "$n") \
        > "$D/strace-client.$s.$n.log" 2>&1 || true
      check_ok "$D/strace-client.$s.$n.log" "$n"
    done
    sleep 0.3; kill -INT $ST; wait $ST 2>/dev/null || true; ST=
    echo "== system calls per session, client $s"
    per "$D/strace.client.$s.$N2" "$D/strace.client.$s.$N1" $((N2 - N1)) | tee "$D/sys.client.$s.txt"
    echo "== system calls per session, emulator (client $s)"
    per "$D/strace.emu.$s" $((N1 + N2)) | tee "$D/sys.emu.$s.txt"
  done
  stop_emu
fi

if [[ " $SIDES " == *" floor "* ]]; then
  for part in client-crypto emulator-crypto exchange; do
    for n in "$N1" "$N2"; do
      "${CG[@]}" --callgrind-out-file="$D/cg.floor.$part.$n.out" "$B" floor --part "$part" \
        --rounds 1 --iterations "$n" > "$D/floor.$part.$n.log" 2>&1
    done
    echo "== floor, $part (per operation; the crypto parts do 3 kinds of operation)"
    python3 "$PY" $((N2 - N1)) "$D/cg.floor.$part.$N2.out" "$D/cg.floor.$part.$N1.out" \
      --json "$D/floor.$part.json" | tee "$D/floor.$part.txt"
  done
  for n in "$N1" "$N2"; do
    strace -c -f -o "$D/strace.floor.$n" "$B" floor --part exchange --rounds 1 \
      --iterations "$n" > /dev/null 2>&1
  done
  echo "== system calls per floor exchange (both sides)"
  per "$D/strace.floor.$N2" "$D/strace.floor.$N1" $((N2 - N1)) | tee "$D/sys.floor.txt"
fi
