"""Helpers of the course and Nornir/Ansible suites: the course's pollers, and an emulated
fleet whose inventory is written in a given format (conftest's fleets are netmiko only)."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, launch_emulate, stop_process

COURSE = ROOT / "examples" / "course"


class FormatFleet:
    """A running `fleetbench emulate` that wrote its inventory as `fmt` at `target`."""

    def __init__(self, proc, target: Path):
        self.proc = proc
        self.target = target

    def stop(self):
        stop_process(self.proc)


def start_format_fleet(tmp: Path, devices: int, name: str, fmt: str, *extra: str) -> FormatFleet:
    """`emulate --write-inventory tmp/<base>/name --inventory-format fmt`; `name` ending in
    `/` is a Nornir folder, ready when its hosts.yaml appears. Retries on a busy port block."""
    folder = name.endswith("/")

    def files(base):
        d = tmp / str(base)
        d.mkdir(exist_ok=True)
        target = d / name
        ready = target / "hosts.yaml" if folder else target
        return d / "emulate.log", ready, str(target) + ("/" if folder else "")

    proc, base, _ = launch_emulate(devices, range(30000, 32000), files, "--inventory-format", fmt, *extra)
    return FormatFleet(proc, tmp / str(base) / name)


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
