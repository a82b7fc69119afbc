"""Every emulated output for which ntc-templates has a template parses to records, read through
netmiko as a user would. IOS-XE outputs use the cisco_ios templates (ntc-templates has no
separate cisco_xe ones)."""

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import parse_output

from conftest import netmiko_args
from platforms_fleet import start_mixed

# device_type -> (ntc-templates platform, commands with a template)
TEMPLATED = {
    "cisco_ios": ("cisco_ios", ["show version", "show ip interface brief", "show clock"]),
    "cisco_xe": ("cisco_ios", ["show version", "show ip interface brief", "show clock"]),
    "cisco_nxos": ("cisco_nxos", ["show version", "show ip interface brief",
                                  "show interface brief", "show clock"]),
    "cisco_xr": ("cisco_xr", ["show version", "show ip interface brief", "show interface brief"]),
    "arista_eos": ("arista_eos", ["show version", "show ip interface brief", "show clock",
                                  "show interfaces status"]),
    "juniper_junos": ("juniper_junos", ["show version", "show system uptime"]),
    "linux": ("linux", ["ip address show"]),
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    fleet, by_type = start_mixed(tmp_path_factory)
    got = {}
    try:
        for device_type, (_, commands) in TEMPLATED.items():
            conn = ConnectHandler(**netmiko_args(by_type[device_type]))
            try:
                if device_type in ("cisco_ios", "cisco_xe", "arista_eos"):
                    conn.enable()
                for c in commands:
                    got[(device_type, c)] = conn.send_command(c)
            finally:
                conn.disconnect()
    finally:
        fleet.stop()
    return got


@pytest.mark.parametrize("device_type,command", [
    (t, c) for t, (_, cs) in TEMPLATED.items() for c in cs
])
def test_output_parses_to_records(outputs, device_type, command):
    platform = TEMPLATED[device_type][0]
    out = outputs[(device_type, command)]
    records = parse_output(platform=platform, command=command, data=out)
    assert records, f"{device_type} {command!r} parsed to nothing:\n{out}"
    assert all(any(v for v in r.values()) for r in records), records
