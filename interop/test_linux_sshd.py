"""`device_type: linux` against a real OpenSSH server with a bash user: the current user, a
throwaway key, an sshd of our own on 127.0.0.1 (stopped by its PID at teardown)."""

import getpass
import json
import os
import pty
import select
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
    # Four loopback addresses: four "devices" of one server (an inventory refuses the same
    # host and port twice).
    cfg.write_text(f"""Port {port}
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
ListenAddress 127.0.0.3
ListenAddress 127.0.0.4
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


def logins(log: Path) -> int:
    """Sessions sshd let in so far, by its own log."""
    return log.read_text(errors="replace").count("Accepted publickey")


def real_inventory(tmp_path: Path, port: int, key: Path, n: int) -> Path:
    """`n` (at most 4) devices, all this sshd: to fleetbench, a real fleet."""
    inv = tmp_path / "fleet.yaml"
    inv.write_text("hosts:\n" + "".join(f"""  - name: box{i}
    host: 127.0.0.{i + 1}
    port: {port}
    username: {getpass.getuser()}
    key_file: {key}
    device_type: linux
""" for i in range(n)))
    return inv


def ask_on_a_terminal(argv, answer: str, timeout: float = 60):
    """Runs argv with its stdin and stderr on a pty; answers the question when it comes.
    Returns (exit status, what the terminal showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    os.close(slave)
    seen, answered = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            chunk = b""
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every end of the pty's other side closed
                    chunk = b""
                seen += chunk
            if not answered and b"go ahead? [y/N]" in seen:
                os.write(master, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not chunk:
                break
        else:
            proc.kill()
            pytest.fail(f"no exit within {timeout} s: {seen!r}")
        proc.stdout.read()
        return proc.wait(timeout=10), seen.decode(errors="replace")
    finally:
        os.close(master)


def test_polling_a_real_sshd_many_times_is_said_and_asked_for(sshd, tmp_path):
    port, key = sshd
    log = tmp_path / "sshd.log"
    inv = real_inventory(tmp_path, port, key, 4)
    # 2 strategies x 2 runs x 4 devices = 16 logins, above --confirm-above 10.
    argv = [fleetbench_bin(), "compare", "--inventory", str(inv), "--known-hosts",
            str(tmp_path / "known_hosts"), "--command", "uname -a", "--strategies",
            "sequential,threads", "--runs", "2", "--timeout", "10", "--confirm-above", "10"]
    # No terminal, no --yes: refused, and sshd saw nobody.
    out = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "up to 16 logins in all" in out.stderr and "up to 4 at once" in out.stderr, out.stderr
    assert "add --yes" in out.stderr, out.stderr
    assert logins(log) == 0
    # On a terminal: asked; "n" polls nothing, "y" polls.
    code, shown = ask_on_a_terminal(argv, "n")
    assert code == 2 and "not confirmed" in shown, shown
    assert logins(log) == 0
    code, shown = ask_on_a_terminal(argv, "y")
    assert code == 0, shown
    assert logins(log) == 16
    # --yes: no question.
    out = subprocess.run(argv + ["--yes"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert logins(log) == 32


def test_tune_on_a_real_sshd_keeps_its_login_budget(sshd, tmp_path):
    port, key = sshd
    log = tmp_path / "sshd.log"
    inv = real_inventory(tmp_path, port, key, 4)
    report = tmp_path / "tune.json"
    argv = [fleetbench_bin(), "tune", "--inventory", str(inv), "--known-hosts",
            str(tmp_path / "known_hosts"), "--command", "uname -a", "--strategies", "threads",
            "--timeout", "10", "--json", str(report)]
    # A budget above the default threshold (200): refused without a terminal and --yes.
    out = subprocess.run(argv + ["--login-budget", "300"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "up to 300 logins in all" in out.stderr, out.stderr
    assert logins(log) == 0
    # 10 logins: polls of 1 and 2 workers fit (8), a third does not.
    out = subprocess.run(argv + ["--login-budget", "10", "--yes"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    seen = logins(log)
    assert 0 < seen <= 10, seen
    search = json.loads(report.read_text())["tune"]["searches"][0]
    assert search["logins"] == seen
    assert search["stopped"]["rule"] == "login_budget", search["stopped"]
    assert [p["workers"] for p in search["points"]][0] == 1
