"""One emulated fleet with a device of every platform, shared by a test module."""

from conftest import start_fleet

# netmiko device_type -> (a command, text only that platform's answer holds)
VERSION = {
    "cisco_ios": ("show version", "Cisco IOS Software, IOSv Software"),
    "cisco_xe": ("show version", "Cisco IOS XE Software"),
    "cisco_nxos": ("show version", "Cisco Nexus Operating System (NX-OS) Software"),
    "cisco_xr": ("show version", "Cisco IOS XR Software"),
    "arista_eos": ("show version", "Arista vEOS-lab"),
    "juniper_junos": ("show version", "Junos: "),
    "linux": ("uname -a", "GNU/Linux"),
}
PLATFORMS = sorted(VERSION)


def start_mixed(tmp_path_factory):
    """Seven devices, one per platform (`--platforms all` places one each)."""
    fleet = start_fleet(tmp_path_factory.mktemp("platforms"), len(VERSION),
                        "--platforms", "all", "--profile", "instant")
    by_type = {d["device_type"]: d for d in fleet.devices}
    assert sorted(by_type) == PLATFORMS, by_type
    return fleet, by_type
