"""The course's pollers (examples/course/) against a 10-device emulated fleet: each one polls
every device and gets every output, logs the course's lines, and says who failed."""

import pytest
import yaml

from conftest import start_fleet
from course_fleet import Poller, assert_every_device_answered, run_poller, start_format_fleet

NETMIKO_FILE_POLLERS = [
    "netmiko_sequential.py",
    "netmiko_threading_queue.py",
    "netmiko_multiprocessing_queue.py",
    "netmiko_threadpool.py",
    "netmiko_threadpool_submit.py",
    "netmiko_processpool.py",
    "netmiko_processpool_submit.py",
    "scrapli_asyncio.py",
]


@pytest.fixture(scope="module")
def fleets(tmp_path_factory):
    fs = [start_fleet(tmp_path_factory.mktemp("course"), 10, "--profile", "instant")
          for _ in range(2)]
    yield fs
    for f in fs:
        f.stop()


@pytest.fixture(scope="module")
def fleet(fleets):
    return fleets[0]


def test_every_poller_gets_every_output(fleets, tmp_path):
    # All at once: they mostly wait on the network, so together they take about as long as
    # the slowest (sequential) alone, which keeps this suite's CI time small. Two fleets, half
    # the pollers each: an emulated IOS device has 5 vty lines, like a real one, and refuses
    # a sixth session.
    pollers = [Poller(s, fleets[i % 2].inventory, tmp_path)
               for i, s in enumerate(NETMIKO_FILE_POLLERS)]
    for i, p in enumerate(pollers):
        rc, stderr, lines = p.wait()
        ports = [d["port"] for d in fleets[i % 2].devices]
        assert_every_device_answered(rc, stderr, lines, ports, p.script)


def test_nornir_poller_reads_the_written_folder(tmp_path):
    f = start_format_fleet(tmp_path, 10, "nornir/", "nornir", "--profile", "instant")
    try:
        rc, stderr, lines = run_poller("nornir_runner.py", f.target, tmp_path)
        hosts = yaml.safe_load((f.target / "hosts.yaml").read_text())
        ports = [h["port"] for h in hosts.values()]
        assert len(ports) == 10
        assert_every_device_answered(rc, stderr, lines, ports)
        # Nornir's own log file is off: nothing is left where the poller ran.
        assert not (tmp_path / "nornir.log").exists()
    finally:
        f.stop()


def test_a_dead_device_is_reported_and_the_others_answer(fleet, tmp_path):
    """One inventory entry whose port nothing listens on: exit 1, that device failed with its
    error, every other device answered; with submit, with a process queue, with asyncio."""
    dead = dict(fleet.devices[0], port=1, name="DEAD")
    inv = tmp_path / "devices.yaml"
    inv.write_text(yaml.safe_dump({"routers": fleet.devices[:3] + [dead]}))
    scripts = ["netmiko_threadpool_submit.py", "netmiko_multiprocessing_queue.py",
               "scrapli_asyncio.py"]
    pollers = [Poller(s, inv, tmp_path, "--workers", "4") for s in scripts]
    for p in pollers:
        rc, stderr, lines = p.wait()
        assert rc == 1, (p.script, stderr[-3000:])
        by_port = {line["port"]: line for line in lines}
        assert not by_port[1]["ok"] and by_port[1]["error"], (p.script, by_port[1])
        assert all(by_port[d["port"]]["ok"] for d in fleet.devices[:3]), (p.script, lines)
        assert "1 of 4 devices failed" in stderr, p.script
