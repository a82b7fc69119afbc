"""`compare --external`: the results contract's documented Python example as a poller, against
a fleet fleetbench only knows from its inventory (the results file is the only per-device
truth) and against an in-process emulated fleet (the devices' record is)."""

import json
import subprocess
import sys

from conftest import ROOT, fleetbench_bin

EXAMPLE = ROOT / "examples" / "external" / "results_contract.py"


def compare(tmp_path, *fleet_args):
    report = tmp_path / "r.json"
    poller = f"contract={sys.executable} {EXAMPLE} {{inventory}} {{results}} {{command}}"
    out = subprocess.run(
        [fleetbench_bin(), "compare", *fleet_args, "--strategies", "threads", "--runs", "1",
         "--external", poller, "--json", str(report)],
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    r = json.loads(report.read_text())
    return out.stdout, next(s for s in r["strategies"] if s["strategy"] == "contract")


def test_results_contract_gives_a_real_fleet_its_row(fleet_factory, tmp_path):
    fleet = fleet_factory(3)
    stdout, row = compare(tmp_path, "--inventory", str(fleet.inventory), "--host-keys", "insecure")
    assert row["external"]["device_view"] == "results"
    assert row["runs"][0]["ok"] == 3
    for d in row["devices"]:
        assert d["ok"], d
        assert "UTC" in d["output"], d
    assert "contract" in stdout


def test_emulated_fleet_rows_come_from_the_devices_record(tmp_path):
    _, row = compare(tmp_path, "--emulate", "3", "--profile", "instant")
    assert row["external"]["device_view"] == "devices"
    assert row["runs"][0]["ok"] == 3
    for d in row["devices"]:
        # Times from the devices' side, outputs from the poller's results file.
        assert d["worker"].startswith("client 127.0.0.1:"), d
        assert "UTC" in d["output"], d


def test_tune_sets_a_netmiko_pollers_workers(tmp_path):
    """`tune --external` with `{workers}`: netmiko's thread pool searched like a strategy."""
    report = tmp_path / "tune.json"
    poller = (f"netmiko={sys.executable} {ROOT / 'examples' / 'course' / 'netmiko_threadpool.py'} "
              "{inventory} {command} -w {workers} --results {results} --quiet")
    out = subprocess.run(
        [fleetbench_bin(), "tune", "--emulate", "6", "--profile", "instant", "--strategies",
         "async", "--external", poller, "--max-workers", "4", "--no-probe", "--json", str(report)],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    t = json.loads(report.read_text())["tune"]
    search = next(s for s in t["searches"] if s["strategy"] == "netmiko")
    workers = [p["workers"] for p in search["points"]]
    assert workers[:2] == [1, 2], workers
    for p in search["points"]:
        for run in p["runs"]:
            assert run["failed"] == 0 and run["ok"] == 6, run
    assert search["answer"]["workers"] in workers
    assert "netmiko" in out.stdout, out.stdout
