#!/usr/bin/env python3
"""Your poller: the script whose speed the recipe keeps from regressing.

A small netmiko poller as automation teams write them: a thread pool of --workers threads,
each connecting to one device, entering enable mode when the device has a secret, running
one command and disconnecting. It reads a netmiko devices.yaml (fleetbench writes one for
`{inventory}`) and writes one JSON line per device to --results (fleetbench's `{results}`),
so fleetbench can tell which devices were polled.

Replace it with your own poller: the recipe needs only a command that takes an inventory
and finishes (see README.md).

Two knobs exist only to evaluate the gate (evaluate.sh); leave them unset:
  POLLER_SLOWDOWN=F      after each device, sleep (F - 1) times its session: F times slower
  POLLER_FAIL_PERCENT=P  report every (100 / P)-th device failed without polling it
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import yaml
from netmiko import ConnectHandler

# Keys of fleetbench's devices.yaml that are not ConnectHandler arguments.
NOT_FOR_NETMIKO = ("name", "kex", "hostkey", "ciphers", "macs")


def load_devices(path):
    with open(path) as f:
        data = yaml.safe_load(f)
    if isinstance(data, dict):
        return [d for group in data.values() if isinstance(group, list) for d in group]
    return list(data or [])


def poll(index, device, command, slowdown, fail_every):
    host, port = str(device.get("host") or device.get("ip")), int(device.get("port", 22))
    line = {"host": host, "port": port, "ok": False, "output": None, "error": None}
    if fail_every and index % fail_every == 0:
        line["error"] = "evaluation: POLLER_FAIL_PERCENT"
        return line
    started = time.monotonic()
    params = {k: v for k, v in device.items() if k not in NOT_FOR_NETMIKO}
    params.setdefault("device_type", "cisco_ios")
    try:
        with ConnectHandler(**params) as ssh:
            if device.get("secret"):
                ssh.enable()
            line["output"] = ssh.send_command(command)
            line["ok"] = True
    except Exception as e:  # noqa: BLE001 - one device's failure is that device's result
        line["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    if slowdown > 1.0:
        time.sleep((slowdown - 1.0) * (time.monotonic() - started))
    return line


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inventory")
    p.add_argument("--results", required=True)
    p.add_argument("--workers", type=int, default=10)
    p.add_argument("--command", default="show version")
    a = p.parse_args()
    slowdown = float(os.environ.get("POLLER_SLOWDOWN", "1"))
    percent = float(os.environ.get("POLLER_FAIL_PERCENT", "0"))
    fail_every = round(100 / percent) if percent > 0 else 0
    devices = load_devices(a.inventory)
    with ThreadPoolExecutor(max_workers=max(1, a.workers)) as pool:
        lines = list(pool.map(lambda i_d: poll(i_d[0], i_d[1], a.command, slowdown, fail_every),
                              enumerate(devices)))
    with open(a.results, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    failed = sum(1 for line in lines if not line["ok"])
    if failed:
        print(f"{failed} of {len(lines)} devices failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
