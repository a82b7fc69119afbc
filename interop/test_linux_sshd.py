"""`device_type: linux` against a real OpenSSH server with a bash user: the current user, a
throwaway key, an sshd of our own on 127.0.0.1 (stopped by its PID at teardown)."""

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import fleetbench_bin

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path: Path):
    if not os.path.exists(SSHD):
        pytest.skip("no sshd: .ci/interop installs openssh-server")
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)],
                       check=True)
    (tmp_path / "authorized_keys").write_text((tmp_path / "user.pub").read_text())
    port = free_port()
    cfg = tmp_path / "sshd_config"
    cfg.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {tmp_path / 'host'}
AuthorizedKeysFile {tmp_path / 'authorized_keys'}
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PidFile {tmp_path / 'sshd.pid'}
""")
    os.makedirs("/run/sshd", exist_ok=True)  # its privilege separation directory
    log = open(tmp_path / "sshd.log", "w+")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"sshd exited: {log.read()}")
            time.sleep(0.05)
    yield port, tmp_path / "user"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_linux_against_real_openssh(sshd, tmp_path):
    port, key = sshd
    inv = tmp_path / "devices.yaml"
    inv.write_text(f"""hosts:
  - host: 127.0.0.1
    port: {port}
    username: {getpass.getuser()}
    key_file: {key}
    device_type: linux
""")
    report = tmp_path / "r.json"
    started = time.monotonic()
    out = subprocess.run(
        [fleetbench_bin(), "run", "--strategy", "sequential", "--inventory", str(inv),
         "--known-hosts", str(tmp_path / "known_hosts"), "--command", "uname -a",
         "--command", "echo done", "--json", str(report), "--timeout", "10"],
        capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert out.returncode == 0, out.stdout + out.stderr
    dev = json.loads(report.read_text())["strategies"][0]["devices"][0]
    assert dev["ok"], dev
    assert "Linux" in dev["outputs"][0]["output"], dev
    assert dev["outputs"][1]["output"] == "done", dev
    # No escape sequence, no prompt left in the outputs.
    assert "\x1b" not in dev["output"] and "$ " not in dev["output"], dev
    # The prompt is found when it arrives, not after the 10 s phase deadline.
    assert took < 8, f"{took:.1f} s"
    # A command bash does not know is a rejected command, exit 1.
    out = subprocess.run(
        [fleetbench_bin(), "run", "--strategy", "threads", "--inventory", str(inv),
         "--known-hosts", str(tmp_path / "known_hosts"), "--command", "show version"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "command_rejected" in out.stdout, out.stdout + out.stderr
