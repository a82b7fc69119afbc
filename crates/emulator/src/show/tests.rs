//! Unit tests of `show` (kept beside it so the module reads as code).

use std::net::Ipv4Addr;

use super::view::short_duration;
use super::*;
use crate::config::Config;
use crate::config::SshStack;
use crate::identity::{self, FleetLayout};
use chrono::TimeZone;
use chrono::{DateTime, TimeDelta, Utc};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap()
}

fn with_view<R>(n: usize, index: usize, f: impl FnOnce(&View) -> R) -> R {
    let fleet = FleetLayout::new(n, 3);
    let id = fleet.identity(index);
    let cfg = Config::initial(&fleet, &id, SshStack::Modern);
    let v = View::new(
        &fleet,
        &id,
        &cfg,
        at(),
        at() - TimeDelta::hours(30),
        None,
        "cisco",
    );
    f(&v)
}

#[test]
fn version_names_this_devices_serial() {
    let (a, b) = (
        with_view(3, 0, |v| v.version()),
        with_view(3, 1, |v| v.version()),
    );
    let serial = |v: &[String]| {
        v.iter()
            .find(|l| l.starts_with("Processor board ID"))
            .cloned()
    };
    assert_ne!(serial(&a), serial(&b));
    assert!(
        a.contains(&"R1 uptime is 1 day, 6 hours, 0 minutes".to_string()),
        "{a:?}"
    );
}

#[test]
fn neighbor_tables_agree_across_the_fleet() {
    for i in 0..3 {
        let lldp = with_view(3, i, |v| v.lldp_neighbors());
        let next = identity::hostname((i + 1) % 3);
        assert!(
            lldp.iter()
                .any(|l| l.starts_with(&format!("{next}.lab.example.net")) && l.contains("Gi0/1")),
            "{lldp:?}"
        );
        let ospf = with_view(3, i, |v| v.ospf_neighbor());
        assert_eq!(ospf.len(), 4, "{ospf:?}");
        let bgp = with_view(3, i, |v| v.bgp_summary());
        assert_eq!(
            bgp.iter().filter(|l| l.ends_with("       1")).count(),
            2,
            "{bgp:?}"
        );
    }
}

#[test]
fn route_table_groups_by_classful_network() {
    let r = with_view(3, 0, |v| v.ip_route());
    assert!(
        r.contains(&format!(
            "Gateway of last resort is 198.18.128.1 to network {}",
            Ipv4Addr::UNSPECIFIED
        )),
        "{r:#?}"
    );
    assert!(
        r.contains(&format!(
            "S*    {}/0 [1/0] via 198.18.128.1",
            Ipv4Addr::UNSPECIFIED
        )),
        "{r:#?}"
    );
    assert!(
        r.iter()
            .any(|l| l.starts_with("L        198.18.0.1/32 is directly connected, Loopback0")),
        "{r:#?}"
    );
    assert!(
        r.iter()
            .any(|l| l.starts_with("O        198.18.0.2/32 [110/2] via 198.19.0.1, ")),
        "{r:#?}"
    );
}

#[test]
fn arp_rows_have_six_fields() {
    let a = with_view(3, 1, |v| v.arp());
    assert!(a.len() >= 5, "{a:?}");
    for l in &a[1..] {
        assert_eq!(l.split_whitespace().count(), 6, "{l}");
    }
}

#[test]
fn durations() {
    assert_eq!(short_duration(TimeDelta::seconds(3661)), "01:01:01");
    assert_eq!(short_duration(TimeDelta::hours(30)), "1d06h");
    assert_eq!(short_duration(TimeDelta::days(15)), "2w1d");
}

/// Each BGP neighbour block names the peer's own router-id, the same message totals as the
/// summary row, and TCP ports that mirror the peer's block (one end 179, the other the same
/// ephemeral port).
#[test]
fn bgp_neighbor_blocks_agree_with_the_summary_and_the_peer() {
    let block = |lines: &[String], peer: &str| -> Vec<String> {
        let head = format!("BGP neighbor is {peer},");
        let start = lines.iter().position(|l| l.starts_with(&head)).unwrap();
        lines[start..]
            .iter()
            .skip(1)
            .take_while(|l| !l.starts_with("BGP neighbor is"))
            .cloned()
            .collect()
    };
    let field = |b: &[String], prefix: &str| -> String {
        b.iter()
            .find_map(|l| l.trim_start().strip_prefix(prefix).map(str::to_string))
            .unwrap_or_else(|| panic!("no {prefix:?} in {b:#?}"))
    };
    let fleet = FleetLayout::new(3, 3);
    for i in 0..3 {
        let mine = with_view(3, i, |v| v.bgp_neighbors());
        let summary = with_view(3, i, |v| v.bgp_summary());
        for nb in fleet.neighbors(i) {
            let b = block(&mine, &nb.remote_addr.to_string());
            let rid = fleet.identity(nb.remote).router_id;
            assert!(
                b.contains(&format!("  BGP version 4, remote router ID {rid}")),
                "{b:#?}"
            );
            assert!(field(&b, "BGP state = ").starts_with("Established, up for "));
            // Total: Sent Rcvd == the summary's MsgSent MsgRcvd.
            let total: Vec<String> = field(&b, "Total: ")
                .split_whitespace()
                .map(String::from)
                .collect();
            let row: Vec<&str> = summary
                .iter()
                .find(|l| l.starts_with(&nb.remote_addr.to_string()))
                .unwrap()
                .split_whitespace()
                .collect();
            assert_eq!((total[0].as_str(), total[1].as_str()), (row[4], row[3]));
            // The peer's block for us mirrors the ports.
            let theirs = with_view(3, nb.remote, |v| v.bgp_neighbors());
            let back = block(&theirs, &nb.local_addr.to_string());
            let port = |b: &[String], p: &str| -> String {
                let l = field(b, p);
                l.rsplit(' ').next().unwrap().to_string()
            };
            assert_eq!(port(&b, "Local host: "), port(&back, "Foreign host: "));
            assert_eq!(port(&b, "Foreign host: "), port(&back, "Local host: "));
            assert!(
                [port(&b, "Local host: "), port(&back, "Local host: ")].contains(&"179".into())
            );
        }
    }
    // `show bgp all summary` is the same table under its address-family heading.
    let all = with_view(3, 0, |v| v.bgp_all_summary());
    assert_eq!(all[0], "For address family: IPv4 Unicast");
    assert_eq!(all[1..], with_view(3, 0, |v| v.bgp_summary())[..]);
}
