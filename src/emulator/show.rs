//! The outputs of the `show` commands real automation sends (napalm's `ios` getters, Ansible's
//! `ios_facts`, inventory and IPAM tools), in IOS's own format, computed from the device's
//! running-config and its place in the fleet ([`super::identity`]) so that every output agrees
//! with the config and with the neighbours' outputs. Pure functions: lines in, lines out.
//!
//! What a neighbour reports about itself (its name, port, description, AS) comes from its
//! identity, not from its live config: one device never reads another's state.

use std::net::Ipv4Addr;

use chrono::{DateTime, TimeDelta, Utc};

use super::config::{Config, Interface, short_if};
use super::identity::{self, Fleet, Identity, Neighbor};

/// The software line every device reports (`show version`, CDP, LLDP).
pub const SOFTWARE: &str = "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M4, RELEASE SOFTWARE (fc3)";

const SOFTWARE_LINES: [&str; 4] = [
    SOFTWARE,
    "Technical Support: http://www.cisco.com/techsupport",
    "Copyright (c) 1986-2021 by Cisco Systems, Inc.",
    "Compiled Thu 28-Oct-21 14:31 by mcpre",
];

/// The flash file system size `dir` reports, and the image on it.
const FLASH_TOTAL: u64 = 2_142_715_904;
const IMAGE_BYTES: u64 = 147_725_312;

/// What the outputs are computed from.
pub struct View<'a> {
    pub fleet: &'a Fleet,
    pub id: &'a Identity,
    pub running: &'a Config,
    pub now: DateTime<Utc>,
    pub boot: DateTime<Utc>,
    /// When the running-config last changed in this emulator run, if it did.
    pub changed: Option<DateTime<Utc>>,
    /// The user of this session (for `show users` and the config-change log line).
    pub user: &'a str,
    interfaces: Vec<Interface>,
}

impl<'a> View<'a> {
    pub fn new(
        fleet: &'a Fleet,
        id: &'a Identity,
        running: &'a Config,
        now: DateTime<Utc>,
        boot: DateTime<Utc>,
        changed: Option<DateTime<Utc>>,
        user: &'a str,
    ) -> View<'a> {
        View {
            fleet,
            id,
            running,
            now,
            boot,
            changed,
            user,
            interfaces: running.interfaces(),
        }
    }

    fn fqdn(&self, hostname: &str) -> String {
        match self.running.domain() {
            Some(d) => format!("{hostname}.{d}"),
            None => hostname.to_string(),
        }
    }

    fn iface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// Ring neighbours whose link is up on our side and still addressed as cabled (a changed
    /// address or a shut interface loses the adjacency, as on a real router).
    fn live_neighbors(&self) -> Vec<Neighbor> {
        self.fleet
            .neighbors(self.id.index)
            .into_iter()
            .filter(|n| {
                self.iface(n.local_if).is_some_and(|i| {
                    !i.shutdown && i.ipv4.first().map(|a| a.0) == Some(n.local_addr)
                })
            })
            .collect()
    }

    /// Neighbours that still see us (CDP/LLDP need only the cable: any non-shut link).
    fn cabled_neighbors(&self) -> Vec<Neighbor> {
        self.fleet
            .neighbors(self.id.index)
            .into_iter()
            .filter(|n| self.iface(n.local_if).is_some_and(|i| !i.shutdown))
            .collect()
    }

    fn mac_of(&self, i: &Interface) -> String {
        identity::mac_cisco(identity::mac(self.id.index, i.port()))
    }

    fn uptime_short(&self) -> String {
        short_duration(self.now.signed_duration_since(self.boot))
    }

    pub fn version(&self) -> Vec<String> {
        version(self.hostname(), self.id, self.now, self.boot)
    }

    fn hostname(&self) -> &str {
        self.running.hostname()
    }

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

    pub fn inventory(&self) -> Vec<String> {
        let sn = &self.id.serial;
        vec![
            format!("NAME: \"IOSv\", DESCR: \"IOSv chassis, Hw Serial#: {sn}, Hw Revision: 1.0\""),
            format!("PID: IOSv              , VID: 1.0, SN: {sn}"),
            String::new(),
            String::new(),
        ]
    }

    pub fn cdp_neighbors(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge",
            "                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, ",
            "                  D - Remote, C - CVTA, M - Two-port Mac Relay ",
            "",
            "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID",
        ]
        .map(str::to_string)
        .to_vec();
        let neighbors = self.cabled_neighbors();
        for n in &neighbors {
            let id = self.fqdn(&identity::hostname(n.remote));
            let local = gig_space(n.local_if);
            let remote = gig_space(n.remote_if);
            let hold = 120 + (n.remote * 13 + self.id.index) % 60;
            let row = format!(
                "{local:<18}{hold:<11}{:>10}   {:<10}{remote}",
                "R B", "IOSv"
            );
            if id.len() > 16 {
                out.push(id);
                out.push(format!("{:17}{row}", ""));
            } else {
                out.push(format!("{id:<17}{row}"));
            }
        }
        out.push(String::new());
        out.push(format!("Total cdp entries displayed : {}", neighbors.len()));
        out
    }

    pub fn cdp_neighbors_detail(&self) -> Vec<String> {
        let mut out = Vec::new();
        let neighbors = self.cabled_neighbors();
        for n in &neighbors {
            out.push("-------------------------".into());
            out.push(format!(
                "Device ID: {}",
                self.fqdn(&identity::hostname(n.remote))
            ));
            out.push("Entry address(es): ".into());
            out.push(format!("  IP address: {}", n.remote_addr));
            out.push("Platform: Cisco IOSv,  Capabilities: Router Source-Route-Bridge ".into());
            out.push(format!(
                "Interface: {},  Port ID (outgoing port): {}",
                n.local_if, n.remote_if
            ));
            out.push(format!(
                "Holdtime : {} sec",
                120 + (n.remote * 13 + self.id.index) % 60
            ));
            out.push(String::new());
            out.push("Version :".into());
            out.extend(SOFTWARE_LINES.iter().map(|s| s.to_string()));
            out.push(String::new());
            out.push("advertisement version: 2".into());
            out.push("Management address(es): ".into());
            out.push(format!("  IP address: {}", n.remote_addr));
            out.push(String::new());
        }
        out.push(String::new());
        out.push(format!("Total cdp entries displayed : {}", neighbors.len()));
        out
    }

    pub fn lldp_neighbors(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "Capability codes:",
            "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
            "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
            "",
            "Device ID           Local Intf     Hold-time  Capability      Port ID",
        ]
        .map(str::to_string)
        .to_vec();
        let neighbors = self.cabled_neighbors();
        for n in &neighbors {
            let id = self.fqdn(&identity::hostname(n.remote));
            out.push(format!(
                "{id:<20.20}{:<15}{:<11}{:<16}{}",
                short_if(n.local_if),
                120,
                "R",
                short_if(n.remote_if)
            ));
        }
        out.push(String::new());
        out.push(format!("Total entries displayed: {}", neighbors.len()));
        out
    }

    pub fn lldp_neighbors_detail(&self) -> Vec<String> {
        let mut out = Vec::new();
        let neighbors = self.cabled_neighbors();
        for n in &neighbors {
            out.push("------------------------------------------------".into());
            out.push(format!("Local Intf: {}", short_if(n.local_if)));
            out.push(format!(
                "Chassis id: {}",
                identity::mac_cisco(identity::mac(n.remote, 0))
            ));
            out.push(format!("Port id: {}", short_if(n.remote_if)));
            out.push(format!(
                "Port Description: Link to {}.{} {}",
                identity::hostname(self.id.index),
                identity::DOMAIN,
                short_if(n.local_if)
            ));
            out.push(format!(
                "System Name: {}",
                self.fqdn(&identity::hostname(n.remote))
            ));
            out.push(String::new());
            out.push("System Description: ".into());
            out.extend(SOFTWARE_LINES.iter().map(|s| s.to_string()));
            out.push(String::new());
            out.push(format!(
                "Time remaining: {} seconds",
                90 + (n.remote + self.id.index) % 30
            ));
            out.push("System Capabilities: B,R".into());
            out.push("Enabled Capabilities: R".into());
            out.push("Management Addresses:".into());
            out.push(format!("    IP: {}", n.remote_addr));
            out.push("Auto Negotiation - not supported".into());
            out.push("Physical media capabilities - not advertised".into());
            out.push("Media Attachment Unit type - not advertised".into());
            out.push("Vlan ID: - not advertised".into());
            out.push(String::new());
        }
        out.push(String::new());
        out.push(format!("Total entries displayed: {}", neighbors.len()));
        out
    }

    pub fn lldp(&self) -> Vec<String> {
        vec![
            String::new(),
            "Global LLDP Information:".into(),
            "    Status: ACTIVE".into(),
            "    LLDP advertisements are sent every 30 seconds".into(),
            "    LLDP hold time advertised is 120 seconds".into(),
            "    LLDP interface reinitialisation delay is 2 seconds".into(),
        ]
    }

    pub fn ip_route(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP",
            "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area ",
            "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
            "       E1 - OSPF external type 1, E2 - OSPF external type 2",
            "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2",
            "       ia - IS-IS inter area, * - candidate default, U - per-user static route",
            "       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP",
            "       a - application route",
            "       + - replicated route, % - next hop override, p - overrides from PfR",
            "",
        ]
        .map(str::to_string)
        .to_vec();
        // (network, prefix, code, text after the prefix)
        let mut routes: Vec<(Ipv4Addr, u8, &str, String)> = Vec::new();
        for i in self.interfaces.iter().filter(|i| !i.shutdown) {
            for (a, p) in &i.ipv4 {
                let net = network(*a, *p);
                if *p < 32 {
                    routes.push((net, *p, "C", format!("is directly connected, {}", i.name)));
                }
                routes.push((*a, 32, "L", format!("is directly connected, {}", i.name)));
            }
        }
        let age = self.uptime_short();
        for n in self.live_neighbors() {
            routes.push((
                identity::loopback(n.remote),
                32,
                "O",
                format!("[110/2] via {}, {age}, {}", n.remote_addr, n.local_if),
            ));
        }
        let mut default = None;
        for l in self.running.lines() {
            let w: Vec<&str> = l.split_whitespace().collect();
            if let ["ip", "route", net, mask, via, ..] = w[..]
                && let (Ok(net), Some(p)) =
                    (net.parse::<Ipv4Addr>(), super::config::prefix_len(mask))
            {
                let code = if p == 0 { "S*" } else { "S" };
                if p == 0 && via.parse::<Ipv4Addr>().is_ok() {
                    default = Some(via.to_string());
                }
                let text = if via.parse::<Ipv4Addr>().is_ok() {
                    format!("[1/0] via {via}")
                } else {
                    format!("is directly connected, {via}")
                };
                routes.push((net, p, code, text));
            }
        }
        match default {
            Some(gw) => out.push(format!("Gateway of last resort is {gw} to network 0.0.0.0")),
            None => out.push("Gateway of last resort is not set".into()),
        }
        out.push(String::new());
        routes.sort_by_key(|r| (u32::from(r.0), r.1, r.2 == "L"));
        // Group under each classful network, as IOS prints them.
        let mut i = 0;
        while i < routes.len() {
            let major = classful(routes[i].0);
            let group: Vec<_> = routes[i..]
                .iter()
                .take_while(|r| r.1 >= major.1 && classful(r.0) == major)
                .collect();
            let group_len = group.len().max(1);
            if group.len() > 1 || group.first().is_some_and(|r| r.1 != major.1) {
                let mut masks: Vec<u8> = group.iter().map(|r| r.1).collect();
                masks.sort_unstable();
                masks.dedup();
                if masks.len() > 1 {
                    out.push(format!(
                        "      {}/{} is variably subnetted, {} subnets, {} masks",
                        major.0,
                        major.1,
                        group.len(),
                        masks.len()
                    ));
                } else {
                    out.push(format!(
                        "      {}/{} is subnetted, {} subnets",
                        major.0,
                        masks[0],
                        group.len()
                    ));
                }
                for r in &group {
                    out.push(format!("{:<9}{}/{} {}", r.2, r.0, r.1, r.3));
                }
            } else {
                let r = &routes[i];
                out.push(format!("{:<6}{}/{} {}", r.2, r.0, r.1, r.3));
            }
            i += group_len;
        }
        out
    }

    pub fn bgp_summary(&self) -> Vec<String> {
        let Some((asn, peers)) = self.running.bgp() else {
            return vec!["% BGP not active".into()];
        };
        let rid = self.running.router_id().unwrap_or(self.id.router_id);
        let live = self.live_neighbors();
        let n = peers.len();
        let mut out = vec![
            format!("BGP router identifier {rid}, local AS number {asn}"),
            format!("BGP table version is {}, main routing table version {}", n + 2, n + 2),
            format!("{} network entries using {} bytes of memory", n + 1, (n + 1) * 144),
            format!("{} path entries using {} bytes of memory", n + 1, (n + 1) * 84),
            format!("{}/{} BGP path/bestpath attribute entries using {} bytes of memory", n + 1, n + 1, (n + 1) * 152),
            format!("{n} BGP AS-PATH entries using {} bytes of memory", n * 24),
            "0 BGP route-map cache entries using 0 bytes of memory".into(),
            "0 BGP filter-list cache entries using 0 bytes of memory".into(),
            format!("BGP using {} total bytes of memory", (n + 1) * 380 + n * 24),
            format!("BGP activity {}/0 prefixes, {}/0 paths, scan interval 60 secs", n + 1, n + 1),
            String::new(),
            "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd".into(),
        ];
        let up = self.uptime_short();
        let mins = self
            .now
            .signed_duration_since(self.boot)
            .num_minutes()
            .max(0) as u64;
        for (peer, remote_as) in peers {
            let established = live
                .iter()
                .any(|nb| nb.remote_addr == peer && identity::asn(nb.remote) == remote_as);
            let (msgs, updown, state) = if established {
                (mins + 5, up.clone(), "1".to_string())
            } else {
                (0, "never".to_string(), "Idle".to_string())
            };
            out.push(format!(
                "{:<16}4 {remote_as:>12} {msgs:>7} {:>7} {:>8}    0    0 {updown:<8} {state:>8}",
                peer.to_string(),
                msgs + if established { 1 } else { 0 },
                if established { n + 2 } else { 1 },
            ));
        }
        out
    }

    /// `show bgp all summary`: the IPv4 unicast table under its address-family heading
    /// (napalm's `get_bgp_neighbors` reads this, then `show bgp ipv4 unicast neighbors`).
    pub fn bgp_all_summary(&self) -> Vec<String> {
        let mut out = self.bgp_summary();
        if self.running.bgp().is_some() {
            out.insert(0, "For address family: IPv4 Unicast".into());
        }
        out
    }

    /// `show ip bgp neighbors` (and `show bgp ipv4 unicast neighbors`): one block per
    /// configured neighbour, agreeing with `show ip bgp summary` (state, messages, prefixes)
    /// and with the peer's own block (its router-id, the TCP ports seen from both ends).
    pub fn bgp_neighbors(&self) -> Vec<String> {
        let Some((asn, peers)) = self.running.bgp() else {
            return vec!["% BGP not active".into()];
        };
        let descriptions: Vec<(String, String)> = self
            .running
            .section(&format!("router bgp {asn}"))
            .map(|n| {
                n.children
                    .iter()
                    .filter_map(|c| {
                        let w: Vec<&str> = c.split_whitespace().collect();
                        (w.len() > 3 && w[0] == "neighbor" && w[2] == "description")
                            .then(|| (w[1].to_string(), w[3..].join(" ")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let live = self.live_neighbors();
        let mins = self
            .now
            .signed_duration_since(self.boot)
            .num_minutes()
            .max(0) as u64;
        let mut out = Vec::new();
        for (peer, remote_as) in peers {
            let nb = live
                .iter()
                .find(|nb| nb.remote_addr == peer && identity::asn(nb.remote) == remote_as);
            let link = if remote_as == asn {
                "internal"
            } else {
                "external"
            };
            out.push(format!(
                "BGP neighbor is {peer},  remote AS {remote_as}, {link} link"
            ));
            let key = peer.to_string();
            if let Some((_, d)) = descriptions.iter().find(|(a, _)| *a == key) {
                out.push(format!("  Description: {d}"));
            }
            let remote_id = nb.map_or(Ipv4Addr::UNSPECIFIED, |nb| {
                self.fleet.identity(nb.remote).router_id
            });
            out.push(format!("  BGP version 4, remote router ID {remote_id}"));
            let (sent, rcvd, prefixes) = match nb {
                Some(_) => {
                    out.push(format!(
                        "  BGP state = Established, up for {}",
                        self.uptime_short()
                    ));
                    out.push("  Last read 00:00:12, last write 00:00:21, hold time is 180, keepalive interval is 60 seconds".into());
                    out.push("  Neighbor capabilities:".into());
                    out.push("    Route refresh: advertised and received(new)".into());
                    out.push("    Four-octets ASN Capability: advertised and received".into());
                    out.push("    Address family IPv4 Unicast: advertised and received".into());
                    // The same totals as the summary's MsgRcvd/MsgSent.
                    (mins + 6, mins + 5, 1)
                }
                None => {
                    out.push("  BGP state = Idle".into());
                    (0, 0, 0)
                }
            };
            let (opens, updates_s, updates_r) = if nb.is_some() { (1, 3, 2) } else { (0, 0, 0) };
            out.extend([
                "  Message statistics:".to_string(),
                "    InQ depth is 0".into(),
                "    OutQ depth is 0".into(),
                String::new(),
                "                         Sent       Rcvd".into(),
                format!("    Opens:          {opens:>10} {opens:>10}"),
                format!("    Notifications:  {:>10} {:>10}", 0, 0),
                format!("    Updates:        {updates_s:>10} {updates_r:>10}"),
                format!(
                    "    Keepalives:     {:>10} {:>10}",
                    sent.saturating_sub(opens + updates_s),
                    rcvd.saturating_sub(opens + updates_r)
                ),
                format!("    Route Refresh:  {:>10} {:>10}", 0, 0),
                format!("    Total:          {sent:>10} {rcvd:>10}"),
                "  Default minimum time between advertisement runs is 0 seconds".into(),
                String::new(),
                " For address family: IPv4 Unicast".into(),
                format!("  Session: {peer}"),
                "  1 update-group member".into(),
                "                                 Sent       Rcvd".into(),
                "  Prefix activity:               ----       ----".into(),
                format!(
                    "    Prefixes Current:     {prefixes:>10} {prefixes:>10} (Consumes {} bytes)",
                    prefixes * 136
                ),
                format!("    Prefixes Total:       {prefixes:>10} {prefixes:>10}"),
                String::new(),
                "                                   Outbound    Inbound".into(),
                "  Local Policy Denied Prefixes:    --------    -------".into(),
                format!("    Total:                          {:>10} {:>10}", 0, 0),
                format!(
                    "  Connections established {}; dropped 0",
                    u8::from(nb.is_some())
                ),
                "  Last reset never".into(),
            ]);
            match nb {
                Some(nb) => {
                    // The device with the lower index opened the session: its end has the
                    // ephemeral port, the other end 179, and both blocks say so.
                    let ephemeral = 16_384
                        + (self.id.index.min(nb.remote) * 31 + nb.remote.max(self.id.index))
                            % 16_384;
                    let (local, foreign) = if self.id.index < nb.remote {
                        (ephemeral, 179)
                    } else {
                        (179, ephemeral)
                    };
                    out.extend([
                        "Transport(tcp) path-mtu-discovery is enabled".to_string(),
                        "Connection state is ESTAB, I/O status: 1, unread input bytes: 0".into(),
                        format!("Local host: {}, Local port: {local}", nb.local_addr),
                        format!("Foreign host: {peer}, Foreign port: {foreign}"),
                    ]);
                }
                None => out.push("  No active TCP connection".into()),
            }
            out.push(String::new());
        }
        out
    }

    pub fn ospf_neighbor(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "Neighbor ID     Pri   State           Dead Time   Address         Interface"
                .to_string(),
        ];
        if !self
            .running
            .nodes
            .iter()
            .any(|n| n.line.starts_with("router ospf "))
        {
            return Vec::new();
        }
        for n in self.live_neighbors() {
            let dead = 31 + (n.remote + self.id.index) % 9;
            out.push(format!(
                "{:<15}{:>4}   {:<16}00:00:{dead:02}    {:<16}{}",
                identity::loopback(n.remote).to_string(),
                0,
                "FULL/  -",
                n.remote_addr.to_string(),
                n.local_if
            ));
        }
        out
    }

    pub fn logging(&self) -> Vec<String> {
        let stamp = |t: DateTime<Utc>| t.format("*%b %e %H:%M:%S%.3f").to_string();
        let mut log = Vec::new();
        let mut t = self.boot + TimeDelta::seconds(20);
        for i in self
            .interfaces
            .iter()
            .filter(|i| i.is_physical() && !i.shutdown)
        {
            log.push(format!(
                "{}: %LINK-3-UPDOWN: Interface {}, changed state to up",
                stamp(t),
                i.name
            ));
            t += TimeDelta::milliseconds(37);
        }
        t += TimeDelta::seconds(9);
        for n in self.live_neighbors() {
            log.push(format!(
                "{}: %OSPF-5-ADJCHG: Process 1, Nbr {} on {} from LOADING to FULL, Loading Done",
                stamp(t),
                identity::loopback(n.remote),
                n.local_if
            ));
            t += TimeDelta::milliseconds(411);
        }
        for n in self.live_neighbors() {
            log.push(format!(
                "{}: %BGP-5-ADJCHANGE: neighbor {} Up ",
                stamp(t),
                n.remote_addr
            ));
            t += TimeDelta::milliseconds(203);
        }
        if let Some(c) = self.changed {
            log.push(format!(
                "{}: %SYS-5-CONFIG_I: Configured from console by {} on vty0 (127.0.0.1)",
                stamp(c),
                self.user
            ));
        }
        let mut out: Vec<String> = format!(
            "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)

No Active Message Discriminator.



No Inactive Message Discriminator.


    Console logging: disabled
    Monitor logging: level debugging, 0 messages logged, xml disabled,
                     filtering disabled
    Buffer logging:  level informational, {n} messages logged, xml disabled,
                    filtering disabled
    Exception Logging: size (4096 bytes)
    Count and timestamp logging messages: disabled
    Persistent logging: disabled

No active filter modules.

    Trap logging: level notifications, {n} message lines logged
        Logging Source-Interface:       VRF Name:
        Loopback0                   

Log Buffer (65536 bytes):
",
            n = log.len()
        )
        .lines()
        .map(str::to_string)
        .collect();
        out.extend(log);
        out
    }

    /// `show users`: this session on vty 0. IOSv numbers its lines con 0 = 0, aux 0 = 1,
    /// vty 0 = 2, right-aligned after the `*` that marks the asking session (ntc-templates
    /// requires that space).
    pub fn users(&self) -> Vec<String> {
        vec![
            "    Line       User       Host(s)              Idle       Location".into(),
            format!(
                "*  2 vty 0     {:<10} idle                 00:00:00 127.0.0.1",
                self.user
            ),
            String::new(),
            "  Interface    User               Mode         Idle     Peer Address".into(),
        ]
    }

    pub fn processes_cpu(&self) -> Vec<String> {
        let one = 1 + self.id.index % 4;
        let mut out = vec![
            format!(
                "CPU utilization for five seconds: {one}%/0%; one minute: {one}%; five minutes: {}%",
                one.max(2) - 1
            ),
            " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process ".into(),
        ];
        let up_ms = self
            .now
            .signed_duration_since(self.boot)
            .num_milliseconds()
            .max(0) as u64;
        for (pid, name, share) in [
            (1u32, "Chunk Manager", 1u64),
            (2, "Load Meter", 7),
            (3, "OSPF-1 Hello", 11),
            (4, "BGP Router", 13),
            (5, "SSH Process", 17),
            (6, "IP Input", 29),
            (7, "CDP Protocol", 5),
            (8, "LLDP Protocol", 5),
        ] {
            let runtime = up_ms / 100_000 * share;
            let invoked = up_ms / 1000 * share / 3 + 1;
            out.push(format!(
                "{pid:>4}{runtime:>12}{invoked:>12}{:>11}  0.00%  0.00%  0.00%   0 {name:<17}",
                runtime * 1000 / invoked
            ));
        }
        out
    }

    pub fn memory_statistics(&self) -> Vec<String> {
        let used = 80_233_780 + self.id.index as u64 * 4096;
        vec![
            "                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)"
                .into(),
            format!(
                "Processor  1F5AE6A8   409678144 {used:>11} {:>11}   327916836   327760412",
                409_678_144 - used
            ),
            "      I/O   E800000    16777216     4200456    12576760    12532132    12576700"
                .into(),
        ]
    }

    pub fn ntp_status(&self) -> Vec<String> {
        let servers = self.running.ntp_servers();
        let Some(peer) = servers.first() else {
            return vec!["%NTP is not enabled.".into()];
        };
        let reference = self.now - TimeDelta::seconds(12);
        vec![
            format!("Clock is synchronized, stratum 3, reference is {peer}   "),
            "nominal freq is 250.0000 Hz, actual freq is 250.0000 Hz, precision is 2**10".into(),
            format!(
                "ntp uptime is {} (1/100 of seconds), resolution is 4000",
                self.now
                    .signed_duration_since(self.boot)
                    .num_seconds()
                    .max(0)
                    * 100
            ),
            format!(
                "reference time is {:08X}.00000000 ({})",
                (reference.timestamp() + 2_208_988_800) as u32,
                reference.format("%H:%M:%S%.3f UTC %a %b %-d %Y")
            ),
            "clock offset is 0.5000 msec, root delay is 1.00 msec".into(),
            "root dispersion is 2.50 msec, peer dispersion is 0.50 msec".into(),
            "loopfilter state is 'CTRL' (Normal Controlled Loop), drift is 0.000000000 s/s".into(),
            "system poll interval is 64, last update was 12 sec ago.".into(),
        ]
    }

    pub fn ntp_associations(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "  address         ref clock       st   when   poll reach  delay  offset   disp".into(),
        ];
        for (k, s) in self.running.ntp_servers().iter().enumerate() {
            let mark = if k == 0 { "*~" } else { "+~" };
            out.push(format!(
                "{mark}{s:<16}{:<16}{:>2}{:>7}{:>7}{:>6}{:>7}{:>8}{:>7}",
                ".GPS.",
                1,
                12 + k * 7,
                64,
                377,
                "1.000",
                "0.500",
                "0.500"
            ));
        }
        out.push(
            " * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured".into(),
        );
        out
    }

    pub fn dir(&self, startup_bytes: usize) -> Vec<String> {
        let built = "Oct 28 2021 14:31:00 +00:00";
        let boot = self.boot.format("%b %e %Y %H:%M:%S +00:00").to_string();
        let used = IMAGE_BYTES + startup_bytes as u64 + 4096;
        vec![
            "Directory of flash0:/".into(),
            String::new(),
            format!("    1  -rw-   {IMAGE_BYTES:>9}  {built}  vios-adventerprisek9-m"),
            format!("    2  drw-   {:>9}  {boot}  boot", 0),
            format!("    3  -rw-   {startup_bytes:>9}  {boot}  startup-config"),
            String::new(),
            format!(
                "{FLASH_TOTAL} bytes total ({} bytes free)",
                FLASH_TOTAL - used
            ),
        ]
    }
}

/// `show version`: needs no config but the hostname, so the hot path of a benchmark
/// (`show version` on every device) copies no configuration.
pub fn version(h: &str, id: &Identity, now: DateTime<Utc>, boot: DateTime<Utc>) -> Vec<String> {
    let phys = identity::PHYSICAL.len();
    let mut v: Vec<String> = SOFTWARE_LINES.iter().map(|s| s.to_string()).collect();
    v.extend(
        format!(
            "

ROM: Bootstrap program is IOSv

{h} uptime is {uptime}
System returned to ROM by reload
System image file is \"flash0:/vios-adventerprisek9-m\"
Last reload reason: Unknown reason



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.

Cisco IOSv (revision 1.0) with  with 460137K/62464K bytes of memory.
Processor board ID {serial}
{phys} Gigabit Ethernet interfaces
DRAM configuration is 72 bits wide with parity disabled.
256K bytes of non-volatile configuration memory.
2097152K bytes of ATA System CompactFlash 0 (Read/Write)
0K bytes of ATA CompactFlash 1 (Read/Write)
0K bytes of ATA CompactFlash 2 (Read/Write)
10080K bytes of ATA CompactFlash 3 (Read/Write)

Configuration register is 0x0",
            uptime = uptime(now.signed_duration_since(boot)),
            serial = id.serial,
        )
        .lines()
        .map(str::to_string),
    );
    v
}

/// `(status, protocol)` words of an interface.
fn status(i: &Interface) -> (&'static str, &'static str) {
    if i.shutdown {
        ("administratively down", "down")
    } else {
        ("up", "up")
    }
}

/// `Gig 0/1`, CDP's spelling of `GigabitEthernet0/1`.
fn gig_space(name: &str) -> String {
    match name.strip_prefix("GigabitEthernet") {
        Some(n) => format!("Gig {n}"),
        None => short_if(name),
    }
}

fn port_no(name: &str) -> usize {
    name.rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn network(a: Ipv4Addr, p: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(a) & u32::from(identity::mask(p)))
}

fn same_net(a: Ipv4Addr, b: Ipv4Addr, p: u8) -> bool {
    network(a, p) == network(b, p)
}

fn ipv6_network(a: std::net::Ipv6Addr, p: u8) -> std::net::Ipv6Addr {
    let bits = u128::from(a);
    let mask = u128::MAX.checked_shl(128 - p as u32).unwrap_or(0);
    std::net::Ipv6Addr::from(bits & mask)
}

/// The classful network an address belongs to (IOS groups its routing table by it).
fn classful(a: Ipv4Addr) -> (Ipv4Addr, u8) {
    let p = match a.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    };
    (network(a, p), p)
}

/// IOS uptime wording: `2 days, 3 hours, 4 minutes`; leading zero units are left out.
pub fn uptime(d: TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let parts = [
        (mins / (7 * 24 * 60), "week"),
        (mins / (24 * 60) % 7, "day"),
        (mins / 60 % 24, "hour"),
        (mins % 60, "minute"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `01:52:32` under a day, `3d04h` under a week, `2w1d` beyond (BGP and route ages).
fn short_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    if s < 86_400 {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else if s < 7 * 86_400 {
        format!("{}d{:02}h", s / 86_400, s / 3600 % 24)
    } else {
        format!("{}w{}d", s / (7 * 86_400), s / 86_400 % 7)
    }
}

#[cfg(test)]
mod tests;
