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

mod addressing;
mod neighbors;
mod system;

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
}

/// The export notice every IOS and IOS-XE `show version` prints.
pub const CRYPTO_NOTICE: &str =
    "This product contains cryptographic features and is subject to United
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
export@cisco.com.";

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



{CRYPTO_NOTICE}

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
