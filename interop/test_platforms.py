"""netmiko and scrapli, unchanged, against each emulated platform: they log in, turn paging
off, raise privilege where the platform has it, run commands, see rejected ones as failed (scrapli)
and leave."""

import pytest
from netmiko import ConnectHandler
from scrapli.driver.core import EOSDriver, IOSXEDriver, IOSXRDriver, JunosDriver, NXOSDriver

from conftest import netmiko_args, scrapli_args
from platforms_fleet import PLATFORMS, VERSION, start_mixed

CLOCK = {"juniper_junos": ("show system uptime", "Current time: "), "linux": ("date", "UTC")}
ENABLE = {"cisco_ios", "cisco_xe", "arista_eos"}
SCRAPLI = {
    "cisco_ios": IOSXEDriver,
    "cisco_xe": IOSXEDriver,
    "cisco_nxos": NXOSDriver,
    "cisco_xr": IOSXRDriver,
    "arista_eos": EOSDriver,
    "juniper_junos": JunosDriver,
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    fleet, by_type = start_mixed(tmp_path_factory)
    yield by_type
    fleet.stop()


@pytest.mark.parametrize("device_type", PLATFORMS)
def test_netmiko(mixed, device_type):
    conn = ConnectHandler(**netmiko_args(mixed[device_type]))
    try:
        if device_type in ENABLE:
            conn.enable()
            assert conn.check_enable_mode()
        command, marker = VERSION[device_type]
        out = conn.send_command(command)
        assert marker in out, out
        clock, marker = CLOCK.get(device_type, ("show clock", "2"))
        assert marker in conn.send_command(clock)
        # The prompt netmiko found is the device's own.
        assert "R" in conn.find_prompt()
    finally:
        conn.disconnect()


@pytest.mark.parametrize("device_type", sorted(SCRAPLI))
def test_scrapli(mixed, device_type):
    d = mixed[device_type]
    conn = SCRAPLI[device_type](**scrapli_args(d, "paramiko", timeout_ops=20))
    conn.open()
    try:
        command, marker = VERSION[device_type]
        r = conn.send_command(command)
        assert not r.failed and marker in r.result, r.result
        # scrapli's own failed_when_contains for the platform recognises the emulator's
        # error messages.
        r = conn.send_command("show foo")
        assert r.failed, r.result
    finally:
        conn.close()
