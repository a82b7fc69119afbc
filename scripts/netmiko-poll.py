#!/usr/bin/env python3
"""Polls every device of a fleetbench inventory with netmiko, as a user's script would: connect,
enable, one command, disconnect; WORKERS sessions at a time (a thread pool, as Nornir does).

Meant to run where the devices are, e.g. inside the link emulator's client namespace:

    fleetbench emulate --devices 20 --profile instant --network continental \\
        --write-inventory fleet.yaml -- python3 scripts/netmiko-poll.py fleet.yaml 20

Prints each session's time and the whole run's wall time; exits 1 if any device failed.
"""

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import yaml
from netmiko import ConnectHandler


def devices(path):
    with open(path) as f:
        data = yaml.safe_load(f)
    groups = data.values() if isinstance(data, dict) else [data]
    return [d for g in groups for d in g]


def poll(d, command):
    start = time.monotonic()
    try:
        with ConnectHandler(
            device_type=d["device_type"],
            host=d.get("host") or d.get("ip"),
            port=d.get("port", 22),
            username=d["username"],
            password=d["password"],
            secret=d.get("secret", ""),
            conn_timeout=30,
        ) as conn:
            conn.enable()
            out = conn.send_command(command)
        return d["name"], time.monotonic() - start, bool(out.strip()), ""
    except Exception as e:  # noqa: BLE001 (a failed device is reported, not fatal)
        return d["name"], time.monotonic() - start, False, type(e).__name__


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: netmiko-poll.py INVENTORY [WORKERS] [COMMAND]")
    fleet = devices(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    command = sys.argv[3] if len(sys.argv) > 3 else "show clock"
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda d: poll(d, command), fleet))
    wall = time.monotonic() - start
    for name, secs, ok, err in results:
        print(f"{name} {secs:.3f} s {'ok' if ok else 'FAILED ' + err}")
    failed = sum(1 for r in results if not r[2])
    secs = sorted(r[1] for r in results)
    print(f"netmiko: {len(results)} devices, {workers} workers: wall {wall:.3f} s, "
          f"session median {secs[len(secs) // 2]:.3f} s, max {secs[-1]:.3f} s, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
