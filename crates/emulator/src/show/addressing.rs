//! Interfaces and addressing: `show ip interface brief`, `show interfaces`, `show ip interface`,
//! `show ipv6 interface`, `show arp`, `show hosts`.

use std::net::Ipv4Addr;

use super::view::{View, ipv6_network, port_no, same_net, status};
use crate::identity;

impl View<'_> {
    pub fn ip_interface_brief(&self) -> Vec<String> {
        let mut out = vec![
            "Interface              IP-Address      OK? Method Status                Protocol"
                .to_string(),
        ];
        for i in &self.interfaces {
            let (ip, ok, method) = match i.ipv4.first() {
                Some((a, _)) => (a.to_string(), "YES", "NVRAM"),
                None => ("unassigned".to_string(), "YES", "unset"),
            };
            let (status, proto) = status(i);
            out.push(format!(
                "{:<23}{ip:<16}{ok} {method:<7}{status:<22}{proto}",
                i.name
            ));
        }
        out
    }

    pub fn interfaces(&self, only: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        let up_s = self
            .now
            .signed_duration_since(self.boot)
            .num_seconds()
            .max(0) as u64;
        for i in self
            .interfaces
            .iter()
            .filter(|i| only.is_none_or(|o| o == i.name))
        {
            let (status, proto) = status(i);
            out.push(format!("{} is {status}, line protocol is {proto} ", i.name));
            if i.is_physical() {
                let mac = self.mac_of(i);
                out.push(format!("  Hardware is iGbE, address is {mac} (bia {mac})"));
            } else {
                out.push("  Hardware is Loopback".into());
            }
            if let Some(d) = &i.description {
                out.push(format!("  Description: {d}"));
            }
            for (n, (a, p)) in i.ipv4.iter().enumerate() {
                if n == 0 {
                    out.push(format!("  Internet address is {a}/{p}"));
                } else {
                    out.push(format!("  Secondary Internet address is {a}/{p}"));
                }
            }
            if i.is_physical() {
                out.push(format!(
                    "  MTU {} bytes, BW 1000000 Kbit/sec, DLY 10 usec, ",
                    i.mtu
                ));
            } else {
                out.push("  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec, ".into());
            }
            out.push("     reliability 255/255, txload 1/255, rxload 1/255".into());
            if i.is_physical() {
                out.push("  Encapsulation ARPA, loopback not set".into());
                out.push("  Keepalive set (10 sec)".into());
                if i.shutdown {
                    out.push(
                        "  Auto Duplex, Auto Speed, link type is auto, media type is RJ45".into(),
                    );
                } else {
                    out.push(
                        "  Full Duplex, 1000Mbps, link type is auto, media type is RJ45".into(),
                    );
                }
                out.push(
                    "  output flow-control is unsupported, input flow-control is unsupported"
                        .into(),
                );
                out.push("  ARP type: ARPA, ARP Timeout 04:00:00".into());
            } else {
                out.push("  Encapsulation LOOPBACK, loopback not set".into());
                out.push("  Keepalive set (10 sec)".into());
            }
            // Counters grow with uptime so two reads a while apart differ, as on a live box.
            let active = !i.shutdown && i.is_physical();
            let pk = if active {
                up_s / 2 + self.id.index as u64 * 7
            } else {
                0
            };
            let (last_in, last_out) = if active {
                ("00:00:01", "00:00:00")
            } else {
                ("never", "never")
            };
            out.push(format!(
                "  Last input {last_in}, output {last_out}, output hang never"
            ));
            out.push("  Last clearing of \"show interface\" counters never".into());
            out.push(
                "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0".into(),
            );
            out.push("  Queueing strategy: fifo".into());
            out.push("  Output queue: 0/40 (size/max)".into());
            let rate = if active { 1000 } else { 0 };
            let pps = if active { 1 } else { 0 };
            out.push(format!(
                "  5 minute input rate {rate} bits/sec, {pps} packets/sec"
            ));
            out.push(format!(
                "  5 minute output rate {rate} bits/sec, {pps} packets/sec"
            ));
            out.push(format!(
                "     {pk} packets input, {} bytes, 0 no buffer",
                pk * 96
            ));
            out.push(format!(
                "     Received {} broadcasts (0 IP multicasts)",
                pk / 10
            ));
            out.push("     0 runts, 0 giants, 0 throttles ".into());
            out.push("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored".into());
            out.push("     0 watchdog, 0 multicast, 0 pause input".into());
            out.push(format!(
                "     {} packets output, {} bytes, 0 underruns",
                pk + pk / 20,
                (pk + pk / 20) * 88
            ));
            out.push("     0 output errors, 0 collisions, 1 interface resets".into());
            out.push("     0 unknown protocol drops".into());
            out.push("     0 babbles, 0 late collision, 0 deferred".into());
            out.push("     0 lost carrier, 0 no carrier, 0 pause output".into());
            out.push("     0 output buffer failures, 0 output buffers swapped out".into());
        }
        out
    }

    pub fn ip_interface(&self) -> Vec<String> {
        let mut out = Vec::new();
        for i in &self.interfaces {
            let (status, proto) = status(i);
            out.push(format!("{} is {status}, line protocol is {proto}", i.name));
            let Some((a, p)) = i.ipv4.first() else {
                out.push("  Internet protocol processing disabled".into());
                continue;
            };
            out.push(format!("  Internet address is {a}/{p}"));
            out.push("  Broadcast address is 255.255.255.255".into());
            out.push("  Address determined by non-volatile memory".into());
            out.push(format!("  MTU is {} bytes", i.mtu));
            out.push("  Helper address is not set".into());
            out.push("  Directed broadcast forwarding is disabled".into());
            for (a, p) in &i.ipv4[1..] {
                out.push(format!("  Secondary address {a}/{p}"));
            }
            if i.name.starts_with("GigabitEthernet0/1") || i.name.starts_with("GigabitEthernet0/2")
            {
                out.push("  Multicast reserved groups joined: 224.0.0.5".into());
            }
            for l in [
                "  Outgoing Common access list is not set ",
                "  Outgoing access list is not set",
                "  Inbound Common access list is not set ",
                "  Inbound  access list is not set",
                "  Proxy ARP is enabled",
                "  Local Proxy ARP is disabled",
                "  Security level is default",
                "  Split horizon is enabled",
                "  ICMP redirects are always sent",
                "  ICMP unreachables are always sent",
                "  ICMP mask replies are never sent",
                "  IP fast switching is enabled",
                "  IP Flow switching is disabled",
                "  IP CEF switching is enabled",
                "  IP CEF switching turbo vector",
                "  IP Null turbo vector",
                "  Associated unicast routing topologies:",
                "        Topology \"base\", operation state is UP",
                "  IP multicast fast switching is enabled",
                "  IP multicast distributed fast switching is disabled",
                "  IP route-cache flags are Fast, CEF",
                "  Router Discovery is disabled",
                "  IP output packet accounting is disabled",
                "  IP access violation accounting is disabled",
                "  TCP/IP header compression is disabled",
                "  RTP/IP header compression is disabled",
                "  Probe proxy name replies are disabled",
                "  Policy routing is disabled",
                "  Network address translation is disabled",
                "  BGP Policy Mapping is disabled",
                "  Input features: MCI Check",
                "  IPv4 WCCP Redirect outbound is disabled",
                "  IPv4 WCCP Redirect inbound is disabled",
                "  IPv4 WCCP Redirect exclude is disabled",
            ] {
                out.push(l.to_string());
            }
        }
        out
    }

    pub fn ipv6_interface(&self) -> Vec<String> {
        let mut out = Vec::new();
        for i in self.interfaces.iter().filter(|i| !i.ipv6.is_empty()) {
            let (status, proto) = status(i);
            out.push(format!("{} is {status}, line protocol is {proto}", i.name));
            let m = identity::mac(self.id.index, i.port());
            let ll = format!(
                "FE80::{:X}:{:X}FF:FE{:02X}:{:X}",
                (((m[0] ^ 2) as u16) << 8) | m[1] as u16,
                m[2],
                m[3],
                ((m[4] as u16) << 8) | m[5] as u16
            );
            out.push(format!("  IPv6 is enabled, link-local address is {ll} "));
            out.push("  No Virtual link-local address(es):".into());
            out.push("  Global unicast address(es):".into());
            for (a, p) in &i.ipv6 {
                let net = ipv6_network(*a, *p);
                out.push(format!(
                    "    {}, subnet is {}/{p} ",
                    a.to_string().to_uppercase(),
                    net.to_string().to_uppercase()
                ));
            }
            for l in [
                "  Joined group address(es):",
                "    FF02::1",
                "    FF02::2",
                "  MTU is 1514 bytes",
                "  ICMP error messages limited to one every 100 milliseconds",
                "  ICMP redirects are enabled",
                "  ICMP unreachables are sent",
                "  ND DAD is not supported",
                "  ND reachable time is 30000 milliseconds (using 30000)",
                "  ND RAs are suppressed (periodic)",
                "  Hosts use stateless autoconfig for addresses.",
            ] {
                out.push(l.to_string());
            }
        }
        out
    }

    pub fn arp(&self) -> Vec<String> {
        let mut out = vec![
            "Protocol  Address          Age (min)  Hardware Addr   Type   Interface".to_string(),
        ];
        let minutes = |salt: usize| ((self.id.index * 7 + salt * 3) % 50).to_string();
        let mut rows: Vec<(Ipv4Addr, String, String, String)> = Vec::new();
        for i in self
            .interfaces
            .iter()
            .filter(|i| i.is_physical() && !i.shutdown)
        {
            for (a, _) in &i.ipv4 {
                rows.push((*a, "-".into(), self.mac_of(i), i.name.clone()));
            }
        }
        if let Some(mgmt) = self.iface(identity::PHYSICAL[0])
            && !mgmt.shutdown
            && mgmt
                .ipv4
                .first()
                .is_some_and(|(a, p)| same_net(*a, identity::MGMT_GATEWAY, *p))
        {
            rows.push((
                identity::MGMT_GATEWAY,
                minutes(0),
                "5254.00ff.ff01".into(),
                mgmt.name.clone(),
            ));
        }
        for n in self.live_neighbors() {
            rows.push((
                n.remote_addr,
                minutes(n.remote + 1),
                identity::mac_cisco(identity::mac(n.remote, port_no(n.remote_if))),
                n.local_if.to_string(),
            ));
        }
        rows.sort_by_key(|r| r.0);
        for (a, age, mac, ifname) in rows {
            out.push(format!(
                "Internet  {:<17}{age:>8}   {mac}  ARPA   {ifname}",
                a.to_string()
            ));
        }
        out
    }

    pub fn hosts(&self) -> Vec<String> {
        let lookup = !self
            .running
            .lines()
            .iter()
            .any(|l| l == "no ip domain lookup");
        let mut out = Vec::new();
        if let Some(d) = self.running.domain() {
            out.push(format!("Default domain is {d}"));
        } else {
            out.push("Default domain is not set".into());
        }
        out.push(if lookup {
            "Name/address lookup uses domain service".into()
        } else {
            "Name/address lookup uses static mappings".into()
        });
        if lookup {
            out.push("Name servers are 255.255.255.255".into());
        }
        out.extend(
            [
                "",
                "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate",
                "       temp - temporary, perm - permanent",
                "       NA - Not Applicable None - Not defined",
                "",
                "Host                      Port  Flags      Age Type   Address(es)",
            ]
            .map(str::to_string),
        );
        out
    }
}
