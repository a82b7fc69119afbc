"""ntc-templates parses every emulated IOS `show` output that has a template, and the parsed
fields are this device's: its config, its serial, its neighbours (read from their configs).

The outputs are read through netmiko from R2 of a ring of three (R1-R2-R3), so R2 has two
neighbours of each kind. `test_every_templated_command_is_checked` keeps the list complete: an
emulated command that gains a template in a new ntc-templates release fails it until checked.
"""

import ipaddress

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import _get_template_dir, parse_output
from textfsm import clitable

from realism_fleet import interface_addresses, netmiko_args, prefix_len, sections, start_ios

# Every command the emulated IOS answers (crates/emulator/src/ios.rs SHOWS, plus `dir`).
EMULATED = [
    "dir", "show arp", "show cdp neighbors", "show cdp neighbors detail", "show clock",
    "show hosts", "show interfaces", "show interfaces GigabitEthernet0/1", "show inventory",
    "show ip bgp summary", "show ip bgp neighbors", "show bgp all summary",
    "show bgp ipv4 unicast neighbors", "show ip interface", "show ip interface brief",
    "show ip ospf neighbor", "show ip route", "show ipv6 interface", "show lldp",
    "show lldp neighbors", "show lldp neighbors detail", "show logging", "show memory statistics",
    "show ntp associations", "show ntp status", "show privilege", "show processes cpu",
    "show running-config", "show running-config interface Loopback0", "show snmp chassis",
    "show startup-config", "show users", "show version",
]

# Commands whose template cannot parse the real IOS output, with why (checked against
# ntc-templates' own test fixtures): not the emulator's to change.
NOT_PARSEABLE = {
    # The index's `sh[[ow]] st[[andby]]` matches `show startup-config`: the HSRP template.
    "show startup-config": "matched to the show standby template",
    # The template knows neither the `end` that closes every real `show running-config
    # interface` nor IOSv's `duplex`/`media-type` lines; its fixture has neither.
    "show running-config interface Loopback0": "template has no rule for the closing `end`",
}

# The commands the tests below parse and check.
CHECKED = {
    "dir", "show arp", "show cdp neighbors", "show cdp neighbors detail", "show clock",
    "show interfaces", "show interfaces GigabitEthernet0/1", "show inventory",
    "show ip bgp summary", "show ip bgp neighbors", "show ip interface",
    "show ip interface brief", "show ip ospf neighbor", "show ip route", "show lldp neighbors",
    "show lldp neighbors detail",
    "show logging", "show processes cpu", "show users", "show version",
}

DUT = "R2"


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    """R2's output of every emulated command, and the running-config of all three."""
    fleet, by_name = start_ios(tmp_path_factory, 3, "ntc")
    outputs, configs = {}, {}
    try:
        for name, d in by_name.items():
            conn = ConnectHandler(**netmiko_args(d))
            try:
                conn.enable()
                configs[name] = conn.send_command("show running-config")
                if name == DUT:
                    for cmd in EMULATED:
                        outputs[cmd] = conn.send_command(cmd)
            finally:
                conn.disconnect()
    finally:
        fleet.stop()
    return outputs, configs


def parse(device, command):
    outputs, _ = device
    out = outputs[command]
    assert "% Invalid" not in out and "% Incomplete" not in out, out
    rows = parse_output(platform="cisco_ios", command=command, data=out)
    assert rows, f"{command!r} parsed to nothing:\n{out}"
    return rows


def own(device):
    _, configs = device
    return configs[DUT], sections(configs[DUT])


def serial_of(device):
    return parse(device, "show version")[0]["serial"][0]


def neighbors(device):
    """{local interface: (neighbour name, its interface)} from the link descriptions."""
    _, secs = own(device)
    got = {}
    for head, body in secs.items():
        for l in body:
            if l.startswith("description Link to "):
                peer, port = l[len("description Link to "):].split()
                got[head.split()[1]] = (peer.split(".")[0], port)
    assert len(got) == 2, got
    return got


def test_every_templated_command_is_checked():
    table = clitable.CliTable("index", _get_template_dir())
    for cmd in EMULATED:
        has = table.index.GetRowMatch({"Command": cmd, "Platform": "cisco_ios"}) > 0
        if has and cmd not in NOT_PARSEABLE:
            assert cmd in CHECKED, f"{cmd!r} has a template but no test"
        if not has:
            assert cmd not in CHECKED, f"{cmd!r} has no template any more"


def test_show_version(device):
    r = parse(device, "show version")[0]
    assert r["hostname"] == DUT and r["version"] == "15.9(3)M4"
    assert r["hardware"] == ["IOSv"] and r["uptime"]
    assert r["serial"][0] == parse(device, "show inventory")[0]["sn"]


def test_show_clock(device):
    r = parse(device, "show clock")[0]
    assert r["timezone"] == "UTC" and len(r["year"]) == 4


def test_show_inventory(device):
    r = parse(device, "show inventory")[0]
    assert r["pid"] == "IOSv" and r["sn"] and r["sn"] in r["descr"]


def test_show_interfaces(device):
    run, secs = own(device)
    addrs = interface_addresses(run)
    rows = parse(device, "show interfaces")
    assert [r["interface"] for r in rows] == [h.split()[1] for h in secs
                                              if h.startswith("interface ")]
    for r in rows:
        body = secs[f"interface {r['interface']}"]
        desc = next((l[len("description "):] for l in body if l.startswith("description ")), "")
        assert r["description"] == desc
        want = addrs[r["interface"]][:1]
        got = [(r["ip_address"], r["prefix_length"])] if r["ip_address"] else []
        assert got == [(a, str(prefix_len(m))) for a, m in want], r
        assert r["link_status"] == ("administratively down" if "shutdown" in body else "up")
        if r["interface"].startswith("GigabitEthernet"):
            # A shut port has not negotiated: IOS says `Auto Speed`.
            assert r["mac_address"]
            assert r["speed"] == ("Auto Speed" if "shutdown" in body else "1000Mbps"), r
    one = parse(device, "show interfaces GigabitEthernet0/1")
    assert [r["interface"] for r in one] == ["GigabitEthernet0/1"]


def test_show_ip_interface(device):
    run, _ = own(device)
    addrs = interface_addresses(run)
    for r in parse(device, "show ip interface"):
        want = addrs[r["interface"]]
        assert r["ip_address"] == [a for a, _ in want], r
        assert r["prefix_length"] == [str(prefix_len(m)) for _, m in want], r


def test_show_ip_interface_brief(device):
    run, _ = own(device)
    addrs = interface_addresses(run)
    rows = parse(device, "show ip interface brief")
    assert {r["interface"] for r in rows} == set(addrs)
    for r in rows:
        want = addrs[r["interface"]]
        assert r["ip_address"] == (want[0][0] if want else "unassigned"), r


def test_show_arp(device):
    run, _ = own(device)
    mine = {a: i for i, v in interface_addresses(run).items() for a, _ in v}
    rows = parse(device, "show arp")
    for a, i in mine.items():
        if i.startswith("GigabitEthernet"):
            assert any(r["address"] == a and r["age_min"] == "-" and r["interface"] == i
                       for r in rows), (a, rows)
    # Each link neighbour's address is learned on the link.
    _, configs = device
    for local, (peer, _) in neighbors(device).items():
        peer_addrs = {a for v in interface_addresses(configs[peer]).values() for a, _ in v}
        assert any(r["interface"] == local and r["address"] in peer_addrs and r["age_min"] != "-"
                   for r in rows), (local, peer, rows)


def test_show_cdp_neighbors(device):
    want = neighbors(device)
    rows = parse(device, "show cdp neighbors")
    got = {r["local_interface"].replace("Gig ", "GigabitEthernet"):
           (r["neighbor_name"].split(".")[0], r["neighbor_interface"].replace("Gig ", "Gi"))
           for r in rows}
    assert got == want
    _, configs = device
    for r in parse(device, "show cdp neighbors detail"):
        peer = r["neighbor_name"].split(".")[0]
        assert (peer, r["neighbor_interface"].replace("GigabitEthernet", "Gi")) == \
            want[r["local_interface"]]
        peer_addrs = {a for v in interface_addresses(configs[peer]).values() for a, _ in v}
        assert r["mgmt_address"] in peer_addrs and r["platform"] == "Cisco IOSv"


def test_show_lldp_neighbors(device):
    want = {k.replace("GigabitEthernet", "Gi"): v for k, v in neighbors(device).items()}
    rows = parse(device, "show lldp neighbors")
    assert {r["local_interface"]: (r["neighbor_name"].split(".")[0], r["neighbor_interface"])
            for r in rows} == want
    detail = parse(device, "show lldp neighbors detail")
    assert {r["local_interface"]: (r["neighbor_name"].split(".")[0], r["neighbor_port_id"])
            for r in detail} == want
    assert all(r["chassis_id"] and r["mgmt_address"] for r in detail), detail


def test_show_ip_route(device):
    run, secs = own(device)
    rows = parse(device, "show ip route")
    for i, addrs in interface_addresses(run).items():
        for a, m in addrs:
            net = ipaddress.ip_network(f"{a}/{m}", strict=False)
            if net.prefixlen < 32:
                assert any(r["protocol"] == "C" and r["network"] == str(net.network_address)
                           and r["prefix_length"] == str(net.prefixlen)
                           and r["nexthop_if"] == i for r in rows), (i, net)
            assert any(r["protocol"] == "L" and r["network"] == a and r["nexthop_if"] == i
                       for r in rows), (i, a)
    for head in secs:
        if head.startswith("ip route "):
            _, _, net, mask, hop = head.split()[:5]
            assert any(r["protocol"] == "S" and r["network"] == net
                       and r["prefix_length"] == str(prefix_len(mask)) and r["nexthop_ip"] == hop
                       for r in rows), head


def test_show_ip_bgp_summary(device):
    _, secs = own(device)
    head = next(h for h in secs if h.startswith("router bgp "))
    body = secs[head]
    peers = {l.split()[1]: l.split()[3] for l in body if " remote-as " in l}
    rid = next(l.split()[-1] for l in body if l.startswith("bgp router-id "))
    rows = parse(device, "show ip bgp summary")
    assert {r["bgp_neighbor"]: r["neighbor_as"] for r in rows} == peers
    assert all(r["local_as"] == head.split()[2] and r["router_id"] == rid for r in rows)
    assert all(r["state_or_prefixes_received"].isdigit() for r in rows), rows


def test_show_ip_bgp_neighbors(device):
    _, configs = device
    _, secs = own(device)
    body = next(b for h, b in secs.items() if h.startswith("router bgp "))
    peers = {l.split()[1]: l.split()[3] for l in body if " remote-as " in l}
    rows = parse(device, "show ip bgp neighbors")
    assert {r["neighbor"]: r["remote_as"] for r in rows} == peers
    links = {v[0]: k for k, v in neighbors(device).items()}
    for r in rows:
        assert r["bgp_state"] == "Established" and r["remote_ip"] == r["neighbor"]
        # The remote router-id is the neighbour's own `bgp router-id`.
        peer = next(p for p in links if any(r["neighbor"] == a for v in interface_addresses(
            configs[p]).values() for a, _ in v))
        peer_bgp = next(b for h, b in sections(configs[peer]).items()
                        if h.startswith("router bgp "))
        assert f"bgp router-id {r['remote_router_id']}" in peer_bgp
        assert "179" in (r["localhost_port"], r["remote_port"])


def test_show_ip_ospf_neighbor(device):
    _, configs = device
    rows = parse(device, "show ip ospf neighbor")
    want = neighbors(device)
    assert {r["interface"] for r in rows} == set(want)
    for r in rows:
        peer, _ = want[r["interface"]]
        peer_ospf = next(b for h, b in sections(configs[peer]).items()
                         if h.startswith("router ospf"))
        assert f"router-id {r['neighbor_id']}" in peer_ospf, (r, peer_ospf)
        assert r["state"].startswith("FULL")


def test_show_logging(device):
    rows = parse(device, "show logging")
    assert all(r["facility"] and r["mnemonic"] and r["message"] for r in rows), rows


def test_show_users(device):
    rows = parse(device, "show users")
    assert rows[0]["user"] == "cisco" and "vty 0" in rows[0]["line"]


def test_show_processes_cpu(device):
    rows = parse(device, "show processes cpu")
    assert all(r["cpu_usage_5_sec"].isdigit() and r["process_name"] for r in rows)
    assert "SSH Process" in {r["process_name"] for r in rows}


def test_dir(device):
    rows = parse(device, "dir")
    by_name = {r["name"]: r for r in rows}
    assert by_name["vios-adventerprisek9-m"]["size"].isdigit()
    assert int(by_name["startup-config"]["size"]) > 1000
    assert all(r["file_system"] == "flash0:/" for r in rows)
