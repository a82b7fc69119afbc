"""Helpers of the course and Nornir/Ansible suites: the course's pollers, and an emulated
fleet whose inventory is written in a given format (conftest's fleets are netmiko only)."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, fleetbench_bin

COURSE = ROOT / "examples" / "course"


class FormatFleet:
    """A running `fleetbench emulate` that wrote its inventory as `fmt` at `target`."""

    def __init__(self, proc, target: Path):
        self.proc = proc
        self.target = target

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_format_fleet(tmp: Path, devices: int, name: str, fmt: str, *extra: str) -> FormatFleet:
    """`emulate --write-inventory tmp/<base>/name --inventory-format fmt`; `name` ending in
    `/` is a Nornir folder, ready when its hosts.yaml appears. Retries on a busy port block."""
    last_err = ""
    for attempt in range(8):
        base = random.Random(os.getpid() * 37 + attempt + time.time_ns()).randrange(30000, 32000)
        d = tmp / str(base)
        d.mkdir(exist_ok=True)
        folder = name.endswith("/")
        target = d / name
        ready = target / "hosts.yaml" if folder else target
        log = open(d / "emulate.log", "w+")
        cmd = [fleetbench_bin(), "emulate", "--devices", str(devices), "--base-port", str(base),
               "--write-inventory", str(target) + ("/" if folder else ""), "--inventory-format", fmt, *extra]
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ready.exists() and ready.stat().st_size > 0:
                return FormatFleet(proc, target)
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        log.seek(0)
        last_err = log.read()
    raise RuntimeError(f"fleetbench emulate did not become ready: {last_err[-2000:]}")


class Poller:
    """A course poller started with this interpreter, its output captured in files."""

    def __init__(self, script: str, inventory, tmp: Path, *args: str):
        self.script = script
        self.results = tmp / f"{script}.jsonl"
        self.stderr_path = tmp / f"{script}.stderr"
        cmd = [sys.executable, str(COURSE / script), str(inventory), "show clock",
               "--results", str(self.results), "--quiet", *args]
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=tmp)

    def wait(self, timeout: float = 120):
        """(exit status, stderr text, results lines); a poller past `timeout` is killed."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise
        lines = []
        if self.results.exists():
            lines = [json.loads(line) for line in self.results.read_text().splitlines()]
        return self.proc.returncode, self.stderr_path.read_text(), lines


def run_poller(script: str, inventory, tmp: Path, *args: str):
    return Poller(script, inventory, tmp, *args).wait()


def assert_every_device_answered(rc, stderr, lines, ports, who=""):
    """Exit 0, one ok results line with the clock per device, and the course's log lines."""
    assert rc == 0, (who, stderr[-3000:])
    assert sorted(line["port"] for line in lines) == sorted(ports), (who, lines)
    for line in lines:
        assert line["ok"] and line["error"] is None, (who, line)
        assert "UTC" in line["output"], (who, line)
    for port in ports:
        assert f"Connection: 127.0.0.1:{port}\n" in stderr, (who, stderr[-3000:])
        assert f"Received:   127.0.0.1:{port}\n" in stderr, (who, stderr[-3000:])
