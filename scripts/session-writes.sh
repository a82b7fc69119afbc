#!/usr/bin/env bash
# The TCP payload writes of one real `instant` session, both sides, in order: the list that
# `crates/client/src/floor/exchange.rs` (SESSION_WRITES) replays over loopback for the floor's exchange. One
# `fleetbench emulate` device under `strace -p`, one `fleetbench run --strategy sequential`
# under strace, timestamps merged; prints `(C, bytes)` / `(E, bytes)` lines and the totals.
# Usage: [B=target/release/fleetbench] [PORT=21901] scripts/session-writes.sh
set -euo pipefail
B=$(realpath "${B:-target/release/fleetbench}"); PORT=${PORT:-21901}; D=$(mktemp -d)
"$B" emulate --devices 1 --base-port "$PORT" --profile instant --write-inventory "$D/inv.yaml" \
  > "$D/emu.log" 2>&1 &
EMU=$!; ST=
trap '[ -n "$ST" ] && kill -INT $ST 2>/dev/null; kill -INT $EMU 2>/dev/null; wait $EMU 2>/dev/null || true; rm -rf "$D"' EXIT
for _ in $(seq 100); do [ -f "$D/inv.yaml" ] && break; sleep 0.1; done
strace -f -ttt -e trace=sendto,write,writev,accept4 -e signal=none -p $EMU -o "$D/emu.trace" 2>/dev/null &
ST=$!; sleep 0.5
strace -f -ttt -e trace=sendto,connect -e signal=none -o "$D/cli.trace" \
  "$B" run --strategy sequential --inventory "$D/inv.yaml" --host-keys insecure > /dev/null 2>&1
sleep 0.3; kill -INT $ST; wait $ST 2>/dev/null || true; ST=
python3 - "$D/cli.trace" "$D/emu.trace" "$PORT" <<'PY'
import re, sys
def events(path):
    out = []
    for line in open(path):
        m = re.match(r"\d+ +([\d.]+) (\w+)\((\d+),.*= (-?\d+)", line)
        if m:
            out.append((float(m[1]), m[2], int(m[3]), int(m[4]), line))
    return out
cli, emu = events(sys.argv[1]), events(sys.argv[2])
cfd = [e[2] for e in cli if e[1] == "connect" and f"htons({sys.argv[3]})" in e[4]][-1]
efd = [e[3] for e in emu if e[1] == "accept4" and e[3] > 0][0]
w = [(t, "C", n) for t, c, fd, n, _ in cli if c == "sendto" and fd == cfd and n > 0]
w += [(t, "E", n) for t, c, fd, n, _ in emu if c in ("sendto", "write", "writev") and fd == efd and n > 0]
w.sort()
for _, side, n in w:
    print(f"    ({side}, {n}),")
for s in "CE":
    print(f"// {s}: {sum(1 for x in w if x[1] == s)} writes, {sum(x[2] for x in w if x[1] == s)} bytes")
PY
