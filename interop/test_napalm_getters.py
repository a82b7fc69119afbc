"""napalm's `ios` driver against emulated IOS devices: every getter returns real content, and
that content agrees with the device's own running-config (read with netmiko) and with its
neighbours (the fleet's LLDP and ARP tables are one consistent network)."""

import ipaddress

import pytest
from netmiko import ConnectHandler

from realism_fleet import (interface_addresses, long_if, napalm_ios, netmiko_args, prefix_len,
                           sections, start_ios)

NAMES = ["R1", "R2", "R3"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    fleet, by_name = start_ios(tmp_path_factory, len(NAMES), "napalm")
    # R2 gets an address pushed first: the getters must show the device as configured now.
    conn = ConnectHandler(**netmiko_args(by_name["R2"]))
    try:
        conn.enable()
        asn = conn.send_command("show running-config | include router bgp").split()[2]
        conn.send_config_set(["interface GigabitEthernet0/3", "description pushed before getters",
                              "ip address 192.0.2.41 255.255.255.0", "no shutdown",
                              f"router bgp {asn}", "neighbor 198.51.100.9 remote-as 65020",
                              "neighbor 198.51.100.9 description CORE-7"])
    finally:
        conn.disconnect()
    yield by_name
    fleet.stop()


@pytest.fixture(scope="module")
def got(fleet):
    """Every device's getter results and running-config, read once."""
    out = {}
    for name in NAMES:
        dev = napalm_ios(fleet[name])
        dev.open()
        try:
            out[name] = {
                "facts": dev.get_facts(),
                "interfaces": dev.get_interfaces(),
                "interfaces_ip": dev.get_interfaces_ip(),
                "arp": dev.get_arp_table(),
                "lldp": dev.get_lldp_neighbors(),
                "lldp_detail": dev.get_lldp_neighbors_detail(),
                "config": dev.get_config(retrieve="all"),
                "environment": dev.get_environment(),
                "snmp": dev.get_snmp_information(),
                "bgp": dev.get_bgp_neighbors(),
            }
        finally:
            dev.close()
    return out


def test_get_facts(got):
    serials = set()
    for name in NAMES:
        facts = got[name]["facts"]
        run = got[name]["config"]["running"]
        assert facts["hostname"] == name
        domain = next(l.split()[-1] for l in run.splitlines() if l.startswith("ip domain name "))
        assert facts["fqdn"] == f"{name}.{domain}"
        assert facts["vendor"] == "Cisco" and facts["model"] == "IOSv"
        assert "15.9" in facts["os_version"]
        assert facts["uptime"] > 0
        assert facts["serial_number"]
        serials.add(facts["serial_number"])
        configured = [h.split(None, 1)[1] for h in sections(run) if h.startswith("interface ")]
        assert facts["interface_list"] == configured
    assert len(serials) == len(NAMES), serials


def test_get_interfaces(got):
    for name in NAMES:
        ifaces = got[name]["interfaces"]
        secs = sections(got[name]["config"]["running"])
        assert set(ifaces) == {h.split(None, 1)[1] for h in secs if h.startswith("interface ")}
        for ifname, i in ifaces.items():
            body = secs[f"interface {ifname}"]
            desc = next((l[len("description "):] for l in body if l.startswith("description ")), "")
            assert i["description"] == desc, (name, ifname)
            assert i["is_enabled"] == ("shutdown" not in body), (name, ifname)
            if ifname.startswith("GigabitEthernet"):
                assert i["mac_address"] and i["speed"] == 1000.0 and i["mtu"] == 1500
    assert got["R2"]["interfaces"]["GigabitEthernet0/3"]["is_enabled"]
    assert got["R2"]["interfaces"]["GigabitEthernet0/3"]["description"] == \
        "pushed before getters"
    macs = [i["mac_address"] for n in NAMES for i in got[n]["interfaces"].values()
            if i["mac_address"]]
    assert len(macs) == len(set(macs)), macs


def test_get_interfaces_ip(got):
    seen = {}
    for name in NAMES:
        ips = got[name]["interfaces_ip"]
        configured = interface_addresses(got[name]["config"]["running"])
        for ifname, addrs in configured.items():
            want = {a: {"prefix_length": prefix_len(m)} for a, m in addrs}
            assert ips.get(ifname, {}).get("ipv4", {}) == want, (name, ifname)
            for a in want:
                assert a not in seen, f"{a} on {name} and {seen[a]}"
                seen[a] = name
                # Documentation and benchmarking ranges only: never a routable target.
                assert any(ipaddress.ip_address(a) in ipaddress.ip_network(n) for n in
                           ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                            "198.18.0.0/15")), a
    assert got["R2"]["interfaces_ip"]["GigabitEthernet0/3"]["ipv4"] == {
        "192.0.2.41": {"prefix_length": 24}}
    assert "ipv6" in got["R1"]["interfaces_ip"]["Loopback0"]


def test_get_arp_table(got):
    # {mac: (device, interface)} of every emulated interface.
    owner = {i["mac_address"].upper(): (n, ifname) for n in NAMES
             for ifname, i in got[n]["interfaces"].items() if i["mac_address"]}
    for name in NAMES:
        arp = got[name]["arp"]
        assert arp, name
        ips = got[name]["interfaces_ip"]
        for e in arp:
            assert e["interface"] in got[name]["interfaces"], e
            own = e["ip"] in ips.get(e["interface"], {}).get("ipv4", {})
            if own:
                assert owner[e["mac"].upper()] == (name, e["interface"]), e
            elif e["mac"].upper() in owner:
                # A neighbour's entry: its address is on the neighbour's interface that owns
                # the MAC.
                peer, peer_if = owner[e["mac"].upper()]
                assert e["ip"] in got[peer]["interfaces_ip"][peer_if]["ipv4"], e
        assert any(not e["ip"] in ips.get(e["interface"], {}).get("ipv4", {})
                   and e["mac"].upper() in owner for e in arp), arp


def test_get_lldp_neighbors_agree_across_the_fleet(got):
    links = 0
    for name in NAMES:
        lldp = got[name]["lldp"]
        assert lldp, name
        for local, neighbors in lldp.items():
            for n in neighbors:
                peer = n["hostname"].split(".")[0]
                back = got[peer]["lldp"][long_if(n["port"])]
                assert any(b["hostname"].split(".")[0] == name and long_if(b["port"]) == local
                           for b in back), (name, local, n, back)
                # The link's description in the config names the same neighbour.
                body = sections(got[name]["config"]["running"])[f"interface {local}"]
                assert any(peer in l for l in body if l.startswith("description")), body
                links += 1
        detail = got[name]["lldp_detail"]
        assert set(detail) == set(lldp)
        for local, rows in detail.items():
            peer = rows[0]["remote_system_name"].split(".")[0]
            peer_if = long_if(rows[0]["remote_port"])
            assert rows[0]["remote_chassis_id"]
            assert rows[0]["remote_port_description"] == \
                got[peer]["interfaces"][peer_if]["description"]
    assert links == 2 * len(NAMES)  # a ring of three: each link seen from both ends


def test_get_config(got, fleet):
    for name in NAMES:
        cfg = got[name]["config"]
        assert f"hostname {name}" in cfg["running"] and f"hostname {name}" in cfg["startup"]
        assert cfg["candidate"] == ""
    # R2's push is in its running-config, not (unsaved) in its startup-config.
    assert "ip address 192.0.2.41" in got["R2"]["config"]["running"]
    assert "192.0.2.41" not in got["R2"]["config"]["startup"]
    conn = ConnectHandler(**netmiko_args(fleet["R3"]))
    try:
        conn.enable()
        conn.send_config_set(["interface GigabitEthernet0/3", "description saved for napalm"])
        conn.save_config()
    finally:
        conn.disconnect()
    dev = napalm_ios(fleet["R3"])
    dev.open()
    try:
        startup = dev.get_config(retrieve="startup")["startup"]
    finally:
        dev.close()
    assert " description saved for napalm" in startup.splitlines()


def test_get_environment_and_snmp(got):
    for name in NAMES:
        env = got[name]["environment"]
        assert env["memory"]["used_ram"] > 0 and env["memory"]["available_ram"] > 0
        assert all(0 <= c["%usage"] <= 100 for c in env["cpu"].values()), env["cpu"]
        snmp = got[name]["snmp"]
        assert snmp["chassis_id"] == got[name]["facts"]["serial_number"], snmp
        assert snmp["location"] and snmp["community"]


def test_get_bgp_neighbors(got):
    for name in NAMES:
        bgp = got[name]["bgp"]["global"]
        secs = sections(got[name]["config"]["running"])
        head = next(h for h in secs if h.startswith("router bgp "))
        body = secs[head]
        assert bgp["router_id"] == next(l.split()[-1] for l in body
                                        if l.startswith("bgp router-id "))
        configured = {l.split()[1]: int(l.split()[3]) for l in body if " remote-as " in l}
        assert {a: p["remote_as"] for a, p in bgp["peers"].items()} == configured
        for addr, p in bgp["peers"].items():
            assert p["local_as"] == int(head.split()[2])
            if addr == "198.51.100.9":
                # Configured, but no such router in the fleet: never comes up.
                assert not p["is_up"] and p["description"] == "CORE-7"
                continue
            # A ring neighbour: up, and its remote router-id is that device's own.
            peer = p["description"]
            assert p["is_up"] and p["address_family"]["ipv4 unicast"]["accepted_prefixes"] == 1
            assert p["remote_id"] == got[peer]["bgp"]["global"]["router_id"]
            assert any(p2["remote_id"] == bgp["router_id"]
                       for p2 in got[peer]["bgp"]["global"]["peers"].values())
    assert "198.51.100.9" in got["R2"]["bgp"]["global"]["peers"]
