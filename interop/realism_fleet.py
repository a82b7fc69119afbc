"""Helpers of the config-push, getter, Nornir and ntc-templates suites: one emulated IOS fleet a
module, and netmiko/napalm connections to its devices."""

import re

from conftest import netmiko_args as base_netmiko_args
from conftest import start_fleet

# One-word-or-more sections of an IOS running-config.
SECTION = re.compile(r"^(\S.*)$")


def start_ios(tmp_path_factory, n, name):
    """`n` emulated IOS devices (the `instant` profile: no injected latency), keyed by name."""
    fleet = start_fleet(tmp_path_factory.mktemp(name), n, "--profile", "instant")
    return fleet, {d["name"]: d for d in fleet.devices}


def netmiko_args(d, **extra):
    # Full configurations and long tables: more time per read than the platform suites.
    return base_netmiko_args(d, read_timeout=30, **extra)


def napalm_ios(d):
    from napalm import get_network_driver

    driver = get_network_driver("ios")
    return driver(
        hostname=d.get("host") or d.get("ip"),
        username=d["username"],
        password=d["password"],
        timeout=30,
        optional_args={"port": d["port"], "secret": d.get("secret", ""), "conn_timeout": 20},
    )


def sections(config: str) -> dict:
    """`{top-level line: [its indented lines]}` of an IOS configuration text."""
    out, head = {}, None
    for line in config.splitlines():
        if not line.strip() or line.startswith("!"):
            continue
        if line[0] != " ":
            head = line.rstrip()
            out.setdefault(head, [])
        elif head is not None:
            out[head].append(line.strip())
    return out


def interface_addresses(config: str) -> dict:
    """`{interface: [(address, mask)]}` from a running-config's `ip address` lines."""
    got = {}
    for head, body in sections(config).items():
        if head.startswith("interface "):
            name = head.split(None, 1)[1]
            got[name] = [tuple(l.split()[2:4]) for l in body if l.startswith("ip address ")]
    return got


def prefix_len(mask: str) -> int:
    return sum(bin(int(o)).count("1") for o in mask.split("."))


def short_if(name: str) -> str:
    """`GigabitEthernet0/1` -> `Gi0/1`, the form LLDP and CDP tables use."""
    m = re.match(r"([A-Za-z]+)(\S+)$", name)
    return f"{m.group(1)[:2]}{m.group(2)}" if m else name


def long_if(name: str) -> str:
    """`Gi0/1` (or `Gig 0/1`) -> `GigabitEthernet0/1`."""
    m = re.match(r"(?i)gi\S*?\s*(\d+/\d+)$", name)
    return f"GigabitEthernet{m.group(1)}" if m else name
