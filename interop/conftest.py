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
        stop_process(self.proc)


def netmiko_args(d, read_timeout: float = 20, **extra):
    """ConnectHandler's keyword arguments for an emulated device of an inventory."""
    return dict(
        device_type=d.get("device_type", "cisco_ios"),
        host=d.get("host") or d.get("ip"),
        port=d["port"],
        username=d["username"],
        password=d["password"],
        secret=d.get("secret", ""),
        conn_timeout=20,
        read_timeout_override=read_timeout,
        **extra,
    )


def scrapli_args(d, transport: str, timeout_ops: float):
    """A scrapli driver's keyword arguments for an emulated device (host keys not checked)."""
    return dict(
        host=d.get("host") or d.get("ip"),
        port=d["port"],
        auth_username=d["username"],
        auth_password=d["password"],
        auth_secondary=d.get("secret", ""),
        auth_strict_key=False,
        transport=transport,
        timeout_socket=20,
        timeout_transport=20,
        timeout_ops=timeout_ops,
    )


def stop_process(proc):
    """SIGTERM (fleetbench's clean stop), then SIGKILL if it has not ended within 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def launch_emulate(devices: int, ports: range, files, *args: str):
    """Starts `fleetbench emulate --devices N --base-port B *args` on a random block of
    `ports`, retrying on a busy one. `files(base)` gives (log path, path whose content means
    ready, the --write-inventory argument). Returns (process, base port, ready path)."""
    last_err = ""
    for attempt in range(8):
        base = random.Random(os.getpid() * 31 + attempt + time.time_ns()).randrange(ports.start, ports.stop)
        log_path, ready, target = files(base)
        log = open(log_path, "w+")
        cmd = [fleetbench_bin(), "emulate", "--devices", str(devices), "--base-port", str(base),
               "--write-inventory", target, *args]
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ready.exists() and ready.stat().st_size > 0:
                return proc, base, ready
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        log.seek(0)
        last_err = log.read()
    raise RuntimeError(f"fleetbench emulate did not become ready: {last_err[-2000:]}")


def start_fleet(tmp_path: Path, devices: int, *extra: str) -> Fleet:
    """Starts `fleetbench emulate` on a free block of loopback ports; retries on a busy one."""
    def files(base):
        inv = tmp_path / f"fleet-{base}.yaml"
        return tmp_path / f"emulate-{base}.log", inv, str(inv)

    proc, base, inv = launch_emulate(devices, range(20000, 30000), files, *extra)
    return Fleet(proc, inv, base)


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
