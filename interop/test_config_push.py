"""Configuration pushes the way automation teams run them, against emulated IOS devices:
netmiko `send_config_set` + `save_config`, scrapli `send_configs` (with and without
`stop_on_failed`). Every change is read back from `show running-config` (whole, `| section`,
`interface X`), from `show startup-config` after the save, and from a fresh connection.
Each test owns one device of the module's fleet, so the order of tests does not matter."""

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException
from scrapli.driver.core import IOSXEDriver

from conftest import scrapli_args
from realism_fleet import netmiko_args, sections, start_ios


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    fleet, by_name = start_ios(tmp_path_factory, 4, "config-push")
    yield by_name
    fleet.stop()


def bgp_as(conn) -> str:
    line = conn.send_command("show running-config | include router bgp").strip()
    assert line.startswith("router bgp "), line
    return line.split()[2]


def test_netmiko_push_save_and_read_back(fleet):
    d = fleet["R1"]
    conn = ConnectHandler(**netmiko_args(d))
    try:
        conn.enable()
        asn = bgp_as(conn)
        out = conn.send_config_set([
            "interface GigabitEthernet0/3",
            "description uplink to CORE-7",
            "ip address 192.0.2.77 255.255.255.0",
            "no shutdown",
            f"router bgp {asn}",
            "neighbor 198.51.100.9 remote-as 65020",
            "neighbor 198.51.100.9 description CORE-7",
            "ntp server 192.0.2.123",
            "no ntp server 203.0.113.31",
            "banner motd ^Maintenance window Sunday 02:00 UTC^",
            "hostname EDGE-1",
        ])
        assert "% Invalid" not in out and "% Incomplete" not in out, out
        assert "(config-if)#" in out and "(config-router)#" in out, out
        # The prompt changed with the hostname: netmiko must learn it again, as on a device.
        conn.set_base_prompt()
        assert conn.find_prompt() == "EDGE-1#"
        saved = conn.save_config()
        assert "[OK]" in saved, saved

        running = conn.send_command("show running-config")
        secs = sections(running)
        gi3 = secs["interface GigabitEthernet0/3"]
        assert "description uplink to CORE-7" in gi3
        assert "ip address 192.0.2.77 255.255.255.0" in gi3
        assert "shutdown" not in gi3
        assert f"neighbor 198.51.100.9 remote-as 65020" in secs[f"router bgp {asn}"]
        assert "neighbor 198.51.100.9 description CORE-7" in secs[f"router bgp {asn}"]
        assert "hostname EDGE-1" in secs
        assert "ntp server 192.0.2.123" in secs
        assert "ntp server 203.0.113.31" not in secs
        assert "Maintenance window Sunday 02:00 UTC" in running
        assert "banner motd ^C" in running

        section = conn.send_command("show running-config | section interface GigabitEthernet0/3")
        assert section.splitlines()[0] == "interface GigabitEthernet0/3", section
        assert " description uplink to CORE-7" in section.splitlines()
        assert "GigabitEthernet0/2" not in section
        only = conn.send_command("show running-config interface GigabitEthernet0/3")
        assert "Current configuration" in only and only.rstrip().endswith("end"), only
        assert " ip address 192.0.2.77 255.255.255.0" in only.splitlines()
        assert "router bgp" not in only

        startup = conn.send_command("show startup-config")
        assert startup.startswith("Using "), startup[:200]
        assert sections(startup)["interface GigabitEthernet0/3"] == gi3
        assert "hostname EDGE-1" in startup and "ntp server 192.0.2.123" in startup
    finally:
        conn.disconnect()

    # A new session of the same device sees the changed device: state lives in the emulator.
    conn = ConnectHandler(**netmiko_args(d))
    try:
        assert conn.find_prompt() == "EDGE-1>"
        conn.enable()
        again = conn.send_command("show running-config interface GigabitEthernet0/3")
        assert " description uplink to CORE-7" in again.splitlines()
        assert "ntp server 192.0.2.123" in conn.send_command("show startup-config")
    finally:
        conn.disconnect()


def test_netmiko_invalid_line_is_rejected_as_on_ios(fleet):
    conn = ConnectHandler(**netmiko_args(fleet["R2"]))
    try:
        conn.enable()
        lines = ["interface GigabitEthernet0/3", "ip adress 192.0.2.5 255.255.255.0"]
        with pytest.raises(ConfigInvalidException) as err:
            conn.send_config_set(lines, error_pattern=r"% Invalid input")
        assert "ip adress" in str(err.value)
        # The session is still in configuration mode, as netmiko leaves a real device.
        assert conn.check_config_mode()
        conn.exit_config_mode()
        # Without error_pattern netmiko returns the text; the caret points at the bad word.
        out = conn.send_config_set(lines)
        rows = out.splitlines()
        i = next(k for k, r in enumerate(rows) if r.endswith("ip adress 192.0.2.5 255.255.255.0"))
        assert rows[i + 1].index("^") == rows[i].index("adress"), out
        assert rows[i + 2] == "% Invalid input detected at '^' marker.", out
        gi3 = sections(conn.send_command("show running-config"))["interface GigabitEthernet0/3"]
        assert not any(l.startswith("ip address") for l in gi3), gi3
    finally:
        conn.disconnect()


def scrapli(d, transport):
    return IOSXEDriver(**scrapli_args(d, transport, timeout_ops=30))


@pytest.mark.parametrize("name,transport", [("R3", "system"), ("R4", "paramiko")])
def test_scrapli_send_configs(fleet, name, transport):
    conn = scrapli(fleet[name], transport)
    conn.open()
    try:
        # A flat list: the global `ntp server` line follows interface lines with no `exit`
        # between them, as scrapli users write it; IOS applies it globally.
        r = conn.send_configs([
            "interface GigabitEthernet0/3",
            f"description pushed by scrapli over {transport}",
            "ip address 192.0.2.99 255.255.255.0",
            "ntp server 192.0.2.5",
            "interface Loopback7",
            "ip address 198.18.7.1 255.255.255.255",
        ])
        assert not r.failed, [x.result for x in r]
        run = sections(conn.send_command("show running-config").result)
        assert f"description pushed by scrapli over {transport}" in run[
            "interface GigabitEthernet0/3"]
        assert "ntp server 192.0.2.5" in run
        assert run["interface Loopback7"] == ["ip address 198.18.7.1 255.255.255.255"]

        r = conn.send_configs(
            ["interface GigabitEthernet0/3", "description before the error",
             "ip adress 192.0.2.6 255.255.255.0", "description after the error"],
            stop_on_failed=True,
        )
        assert r.failed
        assert [x.failed for x in r] == [False, False, True], [x.result for x in r]
        assert "% Invalid input detected at '^' marker." in r[2].result
        gi3 = sections(conn.send_command("show running-config").result)[
            "interface GigabitEthernet0/3"]
        assert "description before the error" in gi3
        assert "description after the error" not in gi3

        # Without stop_on_failed scrapli sends every line eagerly (an error may show in the
        # next line's response, as on a device); the push fails and the later line applies.
        r = conn.send_configs(["interface GigabitEthernet0/3", "no ip adress",
                               "description after the error"])
        assert r.failed and "% Invalid input" in r.result, r.result
        r = conn.send_command("show running-config interface GigabitEthernet0/3")
        assert " description after the error" in r.result.splitlines()
    finally:
        conn.close()
