//! Who each emulated device is, and how the fleet is wired: pure functions of the fleet seed,
//! the device index and the fleet size, so nothing per device is stored and any platform can
//! ask for the same facts.
//!
//! # Addressing (never a routable target)
//! - `Loopback0` (also the router-id): `198.18.0.0/17`, host `index + 1`.
//! - `GigabitEthernet0/0`, management: one shared segment `198.18.128.0/17`, gateway
//!   `198.18.128.1`, device `index` at host `index + 2`.
//! - Point-to-point links in a ring: device `i`'s `GigabitEthernet0/1` faces device `i + 1`'s
//!   `GigabitEthernet0/2` (the last device closes the ring on the first). Link `i` is the /31
//!   `198.19.0.0 + 2i` in `198.19.0.0/16` (its `Gi0/1` end takes the even address). One device has no links.
//! - `GigabitEthernet0/3`: unused, shut down.
//!
//! These ranges are RFC 2544's benchmarking block (198.18.0.0/15), so no two devices of a fleet
//! of up to [`MAX_DEVICES`] share an address, a serial, a MAC or a router-id. Every device peers
//! over its links with OSPF (area 0) and eBGP (its own AS) and sees its ring neighbours in CDP
//! and LLDP, so the fleet's neighbour tables agree: R1 sees R2 when R2 sees R1.

use std::net::Ipv4Addr;

use super::seed::mix;

/// Largest fleet whose addresses stay unique (the management /17 runs out first).
pub const MAX_DEVICES: usize = 32_765;

/// The DNS domain of every device (`ip domain name`).
pub const DOMAIN: &str = "lab.example.net";

/// Default gateway of the management segment.
pub const MGMT_GATEWAY: Ipv4Addr = Ipv4Addr::new(198, 18, 128, 1);

/// Prefix length of the management segment.
pub const MGMT_PREFIX: u8 = 17;

/// Physical interfaces of every device, in order.
pub const PHYSICAL: [&str; 4] = [
    "GigabitEthernet0/0",
    "GigabitEthernet0/1",
    "GigabitEthernet0/2",
    "GigabitEthernet0/3",
];

/// One device's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub index: usize,
    /// `R1`, `R2`, ...
    pub hostname: String,
    /// Chassis serial (`Processor board ID`), 11 characters, unique in the fleet.
    pub serial: String,
    /// Loopback0 address, also the OSPF and BGP router-id.
    pub router_id: Ipv4Addr,
    /// The device's own BGP AS (private range).
    pub asn: u32,
    /// GigabitEthernet0/0 address on the management segment.
    pub mgmt: Ipv4Addr,
}

/// One side of a ring link, seen from a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbor {
    /// Our interface (`GigabitEthernet0/1` or `/2`).
    pub local_if: &'static str,
    pub local_addr: Ipv4Addr,
    /// The device at the other end.
    pub remote: usize,
    pub remote_if: &'static str,
    pub remote_addr: Ipv4Addr,
}

/// The layout of a fleet of `devices` routers built from `seed`: every device's identity and
/// cabling, computed on demand (the running fleet is [`super::EmulatedFleet`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetLayout {
    pub devices: usize,
    pub seed: u64,
}

impl FleetLayout {
    pub fn new(devices: usize, seed: u64) -> FleetLayout {
        FleetLayout { devices, seed }
    }

    /// The identity of device `index`.
    pub fn identity(&self, index: usize) -> Identity {
        Identity {
            index,
            hostname: hostname(index),
            serial: serial(self.seed, index),
            router_id: loopback(index),
            asn: asn(index),
            mgmt: mgmt(index),
        }
    }

    /// Device `index`'s ring neighbours: through `Gi0/1` to the next device, through `Gi0/2`
    /// from the previous one. Empty for a single device.
    pub fn neighbors(&self, index: usize) -> Vec<Neighbor> {
        let n = self.devices;
        if n < 2 || index >= n {
            return Vec::new();
        }
        let next = (index + 1) % n;
        let prev = (index + n - 1) % n;
        vec![
            Neighbor {
                local_if: PHYSICAL[1],
                local_addr: link_addr(index, 0),
                remote: next,
                remote_if: PHYSICAL[2],
                remote_addr: link_addr(index, 1),
            },
            Neighbor {
                local_if: PHYSICAL[2],
                local_addr: link_addr(prev, 1),
                remote: prev,
                remote_if: PHYSICAL[1],
                remote_addr: link_addr(prev, 0),
            },
        ]
    }
}

/// `R{index + 1}`.
pub fn hostname(index: usize) -> String {
    format!("R{}", index + 1)
}

/// Loopback0 / router-id of device `index`: `198.18.0.0/17` host `index + 1`.
pub fn loopback(index: usize) -> Ipv4Addr {
    offset(Ipv4Addr::new(198, 18, 0, 0), index as u32 + 1)
}

/// Loopback0's IPv6 address: `2001:DB8::/64` (RFC 3849) host `index + 1`, in IOS's upper case.
pub fn loopback_v6(index: usize) -> String {
    format!("2001:DB8::{:X}", index + 1)
}

/// Management address: `198.18.128.0/17` host `index + 2` (`.1` is the gateway).
pub fn mgmt(index: usize) -> Ipv4Addr {
    offset(Ipv4Addr::new(198, 18, 128, 0), index as u32 + 2)
}

/// Address `end` (0: the `Gi0/1` side, 1: the `Gi0/2` side) of ring link `link`.
pub fn link_addr(link: usize, end: u32) -> Ipv4Addr {
    offset(Ipv4Addr::new(198, 19, 0, 0), 2 * link as u32 + end)
}

/// Private AS numbers: 64512.. for the first 1023 devices, then 4-byte 4200000000.. (RFC 6996).
pub fn asn(index: usize) -> u32 {
    if index < 1023 {
        64_512 + index as u32
    } else {
        4_200_000_000 + index as u32
    }
}

/// MAC of port `port` (0..8) of device `index`, QEMU's `52:54:00` prefix as IOSv has.
pub fn mac(index: usize, port: usize) -> [u8; 6] {
    let v = ((index as u32 + 1) << 3) | (port as u32 & 7);
    [0x52, 0x54, 0x00, (v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Cisco's dotted MAC form: `5254.0000.0008`.
pub fn mac_cisco(m: [u8; 6]) -> String {
    format!(
        "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Serial `FTX` + 8 base-36 characters. `index * M + offset` modulo 36^8 is a bijection (M is
/// coprime with 36), so serials are unique in a fleet and differ between seeds.
pub fn serial(seed: u64, index: usize) -> String {
    const SPACE: u64 = 36u64.pow(8);
    const M: u64 = 1_000_000_007; // prime, so coprime with 2 and 3
    let start = mix(seed, 0x5E81_A100) % SPACE;
    let mut v = (index as u64 % SPACE * M % SPACE + start) % SPACE;
    let mut chars = [b'0'; 8];
    for c in chars.iter_mut().rev() {
        let d = (v % 36) as u8;
        *c = if d < 10 { b'0' + d } else { b'A' + d - 10 };
        v /= 36;
    }
    format!("FTX{}", String::from_utf8_lossy(&chars))
}

fn offset(base: Ipv4Addr, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(base).wrapping_add(n))
}

/// `255.255.255.254` for 31.
pub fn mask(prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_large_fleet_shares_no_serial_address_or_mac() {
        let fleet = FleetLayout::new(MAX_DEVICES, 7);
        let mut serials = HashSet::new();
        let mut addrs = HashSet::new();
        let mut macs = HashSet::new();
        addrs.insert(MGMT_GATEWAY);
        for i in 0..fleet.devices {
            let id = fleet.identity(i);
            assert!(serials.insert(id.serial.clone()), "serial {}", id.serial);
            assert_eq!(id.serial.len(), 11);
            assert!(addrs.insert(id.router_id), "{}", id.router_id);
            assert!(addrs.insert(id.mgmt), "{}", id.mgmt);
            // Each link address belongs to the device whose Gi0/1 or Gi0/2 holds it: count
            // every device's own side once.
            for n in fleet.neighbors(i) {
                assert!(addrs.insert(n.local_addr), "{}", n.local_addr);
            }
            for port in 0..4 {
                assert!(macs.insert(mac(i, port)));
            }
        }
        for a in &addrs {
            let o = a.octets();
            assert!(
                o[0] == 198 && (o[1] == 18 || o[1] == 19),
                "{a} outside 198.18.0.0/15"
            );
        }
        assert_eq!(addrs.len(), 1 + 4 * MAX_DEVICES);
    }

    #[test]
    fn neighbors_agree_both_ways() {
        for n in [2, 3, 10] {
            let fleet = FleetLayout::new(n, 1);
            for i in 0..n {
                for nb in fleet.neighbors(i) {
                    let back = fleet
                        .neighbors(nb.remote)
                        .into_iter()
                        .find(|b| b.remote == i && b.local_if == nb.remote_if)
                        .unwrap_or_else(|| {
                            panic!("{n} devices: R{} does not see R{}", nb.remote + 1, i + 1)
                        });
                    assert_eq!(back.remote_if, nb.local_if);
                    assert_eq!(back.local_addr, nb.remote_addr);
                    assert_eq!(back.remote_addr, nb.local_addr);
                    // Both ends in the same /31.
                    assert_eq!(
                        u32::from(nb.local_addr) >> 1,
                        u32::from(nb.remote_addr) >> 1
                    );
                }
            }
        }
        assert!(FleetLayout::new(1, 1).neighbors(0).is_empty());
    }

    #[test]
    fn serials_depend_on_the_seed_and_look_like_cisco() {
        assert_ne!(serial(1, 0), serial(2, 0));
        assert_eq!(serial(1, 5), serial(1, 5));
        let s = serial(1, 0);
        assert!(s.starts_with("FTX") && s[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn formats() {
        assert_eq!(mac_cisco(mac(0, 0)), "5254.0000.0008");
        assert_eq!(mask(31), Ipv4Addr::new(255, 255, 255, 254));
        assert_eq!(mask(17), Ipv4Addr::new(255, 255, 128, 0));
        assert_eq!(mask(0), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(loopback(0), Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(mgmt(0), Ipv4Addr::new(198, 18, 128, 2));
        assert_eq!(mgmt(MAX_DEVICES - 1), Ipv4Addr::new(198, 18, 255, 254));
        assert_eq!(loopback(MAX_DEVICES - 1), Ipv4Addr::new(198, 18, 127, 253));
        assert_eq!(asn(0), 64512);
        assert_eq!(asn(2000), 4_200_002_000);
    }
}
