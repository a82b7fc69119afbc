//! What the `show` outputs are computed from ([`View`]: the device's identity, its running
//! config, its place in the fleet, the time), and the small formatting helpers they share.

use std::net::Ipv4Addr;

use chrono::{DateTime, TimeDelta, Utc};

use super::version::version;
use crate::config::{Config, Interface, short_if};
use crate::identity::{self, FleetLayout, Identity, Neighbor};

/// What the outputs are computed from.
pub struct View<'a> {
    pub layout: &'a FleetLayout,
    pub id: &'a Identity,
    pub running: &'a Config,
    pub now: DateTime<Utc>,
    pub boot: DateTime<Utc>,
    /// When the running-config last changed in this emulator run, if it did.
    pub changed: Option<DateTime<Utc>>,
    /// The user of this session (for `show users` and the config-change log line).
    pub user: &'a str,
    pub(super) interfaces: Vec<Interface>,
}

impl<'a> View<'a> {
    pub fn new(
        layout: &'a FleetLayout,
        id: &'a Identity,
        running: &'a Config,
        now: DateTime<Utc>,
        boot: DateTime<Utc>,
        changed: Option<DateTime<Utc>>,
        user: &'a str,
    ) -> View<'a> {
        View {
            layout,
            id,
            running,
            now,
            boot,
            changed,
            user,
            interfaces: running.interfaces(),
        }
    }

    pub(super) fn fqdn(&self, hostname: &str) -> String {
        match self.running.domain() {
            Some(d) => format!("{hostname}.{d}"),
            None => hostname.to_string(),
        }
    }

    pub(super) fn iface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// Ring neighbours whose link is up on our side and still addressed as cabled (a changed
    /// address or a shut interface loses the adjacency, as on a real router).
    pub(super) fn live_neighbors(&self) -> Vec<Neighbor> {
        self.layout
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
    pub(super) fn cabled_neighbors(&self) -> Vec<Neighbor> {
        self.layout
            .neighbors(self.id.index)
            .into_iter()
            .filter(|n| self.iface(n.local_if).is_some_and(|i| !i.shutdown))
            .collect()
    }

    pub(super) fn mac_of(&self, i: &Interface) -> String {
        identity::mac_cisco(identity::mac(self.id.index, i.port()))
    }

    pub(super) fn uptime_short(&self) -> String {
        short_duration(self.now.signed_duration_since(self.boot))
    }

    pub fn version(&self) -> Vec<String> {
        version(self.hostname(), self.id, self.now, self.boot)
    }

    pub(super) fn hostname(&self) -> &str {
        self.running.hostname()
    }
}

/// `(status, protocol)` words of an interface.
pub(super) fn status(i: &Interface) -> (&'static str, &'static str) {
    if i.shutdown {
        ("administratively down", "down")
    } else {
        ("up", "up")
    }
}

/// `Gig 0/1`, CDP's spelling of `GigabitEthernet0/1`.
pub(super) fn gig_space(name: &str) -> String {
    match name.strip_prefix("GigabitEthernet") {
        Some(n) => format!("Gig {n}"),
        None => short_if(name),
    }
}

pub(super) fn port_no(name: &str) -> usize {
    name.rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub(super) fn network(a: Ipv4Addr, p: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(a) & u32::from(identity::mask(p)))
}

pub(super) fn same_net(a: Ipv4Addr, b: Ipv4Addr, p: u8) -> bool {
    network(a, p) == network(b, p)
}

pub(super) fn ipv6_network(a: std::net::Ipv6Addr, p: u8) -> std::net::Ipv6Addr {
    let bits = u128::from(a);
    let mask = u128::MAX.checked_shl(128 - p as u32).unwrap_or(0);
    std::net::Ipv6Addr::from(bits & mask)
}

/// The classful network an address belongs to (IOS groups its routing table by it).
pub(super) fn classful(a: Ipv4Addr) -> (Ipv4Addr, u8) {
    let p = match a.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    };
    (network(a, p), p)
}

/// `01:52:32` under a day, `3d04h` under a week, `2w1d` beyond (BGP and route ages).
pub(super) fn short_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    if s < 86_400 {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else if s < 7 * 86_400 {
        format!("{}d{:02}h", s / 86_400, s / 3600 % 24)
    } else {
        format!("{}w{}d", s / (7 * 86_400), s / 86_400 % 7)
    }
}
