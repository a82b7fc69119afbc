//! What a device knows of its neighbours: CDP, LLDP, the routing table, BGP and OSPF.

use std::net::Ipv4Addr;

use super::version::SOFTWARE_LINES;
use super::view::{View, classful, gig_space, network};
use crate::config::short_if;
use crate::identity;

impl View<'_> {
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
                    (net.parse::<Ipv4Addr>(), crate::config::prefix_len(mask))
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
            // The default route's network, as IOS prints it.
            Some(gw) => out.push(format!(
                "Gateway of last resort is {gw} to network {}",
                Ipv4Addr::UNSPECIFIED
            )),
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
                self.layout.identity(nb.remote).router_id
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
}
