//! Unit tests of `show` (kept beside it so the module reads as code).

use super::*;
use crate::emulator::config::SshStack;
use chrono::TimeZone;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap()
}

fn with_view<R>(n: usize, index: usize, f: impl FnOnce(&View) -> R) -> R {
    let fleet = Fleet::new(n, 3);
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
        r.contains(&"Gateway of last resort is 198.18.128.1 to network 0.0.0.0".to_string()),
        "{r:#?}"
    );
    assert!(
        r.contains(&"S*    0.0.0.0/0 [1/0] via 198.18.128.1".to_string()),
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
