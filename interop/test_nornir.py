"""Nornir with nornir_netmiko over 20 emulated IOS devices, from a SimpleInventory written
here (not the emulator's own inventory writer): every host answers, as itself."""

import re

import pytest
import yaml
from nornir import InitNornir
from nornir_netmiko.tasks import netmiko_send_command

from realism_fleet import start_ios

DEVICES = 20


@pytest.fixture(scope="module")
def nornir(tmp_path_factory):
    fleet, by_name = start_ios(tmp_path_factory, DEVICES, "nornir")
    inv = tmp_path_factory.mktemp("nornir-inventory")
    hosts = {
        name: {
            "hostname": d.get("host") or d.get("ip"),
            "port": d["port"],
            "groups": ["emulated_ios"],
            "data": {"site": f"lab-{(i % 4) + 1}"},
        }
        for i, (name, d) in enumerate(sorted(by_name.items()))
    }
    first = next(iter(by_name.values()))
    groups = {
        "emulated_ios": {
            "platform": "cisco_ios",
            "username": first["username"],
            "password": first["password"],
            "connection_options": {
                "netmiko": {"extras": {"secret": first.get("secret", ""), "conn_timeout": 20}},
            },
        }
    }
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    (inv / "groups.yaml").write_text(yaml.safe_dump(groups))
    nr = InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": DEVICES}},
        inventory={"plugin": "SimpleInventory",
                   "options": {"host_file": str(inv / "hosts.yaml"),
                               "group_file": str(inv / "groups.yaml")}},
        logging={"enabled": False},
    )
    yield nr
    nr.close_connections()
    fleet.stop()


def test_every_host_answers_as_itself(nornir):
    assert len(nornir.inventory.hosts) == DEVICES
    result = nornir.run(task=netmiko_send_command, command_string="show version")
    assert not result.failed, {h: r.exception for h, r in result.items() if r.failed}
    assert sorted(result) == sorted(nornir.inventory.hosts)
    serials = {}
    for host, multi in result.items():
        out = multi[0].result
        assert re.search(rf"^{host} uptime is ", out, re.M), (host, out[:300])
        serial = re.search(r"^Processor board ID (\S+)", out, re.M).group(1)
        serials[serial] = host
    assert len(serials) == DEVICES, serials

    # A second task on the open connections, filtered by inventory data, parsed by
    # ntc-templates through netmiko: each host's own address table.
    lab1 = nornir.filter(site="lab-1")
    assert len(lab1.inventory.hosts) == DEVICES // 4
    result = lab1.run(task=netmiko_send_command, command_string="show ip interface brief",
                      use_textfsm=True)
    assert not result.failed
    loopbacks = set()
    for host, multi in result.items():
        rows = multi[0].result
        assert isinstance(rows, list) and rows, (host, rows)
        lo = next(r for r in rows if r["interface"] == "Loopback0")
        loopbacks.add(lo["ip_address"])
    assert len(loopbacks) == len(lab1.inventory.hosts), loopbacks
