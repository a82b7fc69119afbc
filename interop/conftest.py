"""Fixtures shared by the interoperability suite.

Each test starts its own `fleetbench emulate` on 127.0.0.1 and stops it at teardown. The
binary is $FLEETBENCH_BIN, else target/release/fleetbench, else target/debug/fleetbench.
"""

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def fleetbench_bin() -> str:
    env = os.environ.get("FLEETBENCH_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "fleetbench"
        if p.exists():
            return str(p)
    raise RuntimeError("no fleetbench binary: run `cargo build --release` first")


class Fleet:
    """A running `fleetbench emulate` and the inventory it wrote."""

    def __init__(self, proc, inventory: Path, base_port: int):
        self.proc = proc
        self.inventory = inventory
        self.base_port = base_port
        with open(inventory) as f:
            data = yaml.safe_load(f)
        devices = []
        if isinstance(data, dict):
            for group in data.values():
                devices.extend(group)
        else:
            devices = data
        self.devices = devices

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_fleet(tmp_path: Path, devices: int, *extra: str, fmt: str = "") -> Fleet:
    """Starts `fleetbench emulate` on a free block of loopback ports; retries on a busy one."""
    last_err = ""
    for attempt in range(8):
        base = random.Random(os.getpid() * 31 + attempt + time.time_ns()).randrange(20000, 30000)
        inv = tmp_path / f"fleet-{base}.yaml"
        log = open(tmp_path / f"emulate-{base}.log", "w+")
        cmd = [fleetbench_bin(), "emulate", "--devices", str(devices), "--base-port", str(base),
               "--write-inventory", str(inv), *extra]
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if inv.exists() and inv.stat().st_size > 0:
                return Fleet(proc, inv, base)
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        log.seek(0)
        last_err = log.read()
    raise RuntimeError(f"fleetbench emulate did not become ready: {last_err[-2000:]}")


@pytest.fixture
def fleet_factory(tmp_path):
    """`fleet_factory(n, *extra_args)` starts an emulated fleet; all are stopped at teardown."""
    started = []

    def make(devices: int = 1, *extra: str) -> Fleet:
        f = start_fleet(tmp_path, devices, *extra)
        started.append(f)
        return f

    yield make
    for f in started:
        f.stop()
