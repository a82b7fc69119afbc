//! The emulated fleet as real automation sees it: distinct devices, configuration that sticks.

use crate::common::{fleet, job, run};
use fleetbench_inventory::algorithms::{Algorithms, Kind, Spec};
use fleetbench_report::StrategyKind;
use std::collections::{HashMap, HashSet};

/// Every device over SSH: its serial (`show inventory`) and every interface address (`show ip
/// interface brief`) are its own, and all of them are in 198.18.0.0/15.
#[test]
fn no_two_devices_share_a_serial_or_an_interface_address() {
    let f = fleet(400, "instant");
    let j = job(&f, &["show inventory", "show ip interface brief"]);
    let out = run(StrategyKind::Async, &f.devices(), &j, Some(64));
    assert_eq!(out.failed(), 0, "{:?}", out.results.iter().find(|r| !r.ok));
    let mut serials = HashMap::new();
    let mut addrs = HashMap::new();
    for r in &out.results {
        let inventory = &r.outputs[0].output;
        let serial = inventory
            .split("SN: ")
            .nth(1)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| panic!("{}: no serial in {inventory}", r.name));
        if let Some(other) = serials.insert(serial.clone(), r.name.clone()) {
            panic!("{} and {other} share serial {serial}", r.name);
        }
        let mut mine = 0;
        for line in r.outputs[1].output.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let Some(addr) = cols
                .get(1)
                .and_then(|a| a.parse::<std::net::Ipv4Addr>().ok())
            else {
                continue;
            };
            let o = addr.octets();
            assert!(o[0] == 198 && (o[1] & 0xFE) == 18, "{}: {addr}", r.name);
            if let Some(other) = addrs.insert(addr, r.name.clone()) {
                panic!("{} and {other} share address {addr}", r.name);
            }
            mine += 1;
        }
        assert_eq!(mine, 4, "{}: Loopback0, Gi0/0, Gi0/1, Gi0/2", r.name);
    }
    assert_eq!(serials.len(), 400);
    assert_eq!(addrs.len(), 1600);
}

/// R1 sees R2 in LLDP and CDP exactly when R2 sees R1, on the facing ports.
#[test]
fn neighbor_tables_agree_across_the_fleet() {
    let f = fleet(5, "instant");
    let j = job(&f, &["show lldp neighbors", "show ip ospf neighbor"]);
    let out = run(StrategyKind::Threads, &f.devices(), &j, None);
    assert_eq!(out.failed(), 0);
    let mut seen = HashSet::new();
    for r in &out.results {
        for line in r.outputs[0].output.lines() {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() == 5 && cols[0].starts_with('R') && cols[0].contains(".lab.") {
                let peer = cols[0].split('.').next().unwrap_or_default().to_string();
                seen.insert((
                    r.name.clone(),
                    cols[1].to_string(),
                    peer,
                    cols[4].to_string(),
                ));
            }
        }
        let full = r.outputs[1].output.matches("FULL/").count();
        assert_eq!(full, 2, "{}: {}", r.name, r.outputs[1].output);
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    for (me, my_port, peer, their_port) in &seen {
        assert!(
            seen.contains(&(
                peer.clone(),
                their_port.clone(),
                me.clone(),
                my_port.clone()
            )),
            "{me} sees {peer} on {my_port}, but not the other way round"
        );
    }
}

fn legacy_algorithms() -> Algorithms {
    Algorithms {
        kex: Some(Spec::parse(Kind::Kex, "+diffie-hellman-group14-sha1").unwrap()),
        hostkey: Some(Spec::parse(Kind::HostKey, "+ssh-rsa").unwrap()),
        ciphers: None,
        macs: Some(Spec::parse(Kind::Macs, "+hmac-sha1").unwrap()),
    }
}

/// A legacy-only device (SHA-1 key exchange, ssh-rsa, hmac-sha1) answers when the client adds
/// the legacy algorithms, under every way of waiting the core has.
#[test]
fn legacy_only_device_is_polled_with_the_legacy_algorithms() {
    let f = fleet(2, "instant,ssh=legacy");
    let mut devices = f.devices();
    for d in &mut devices {
        d.algorithms = legacy_algorithms();
    }
    let mut j = job(&f, &["show version"]);
    // A 2048-bit DH exchange and RSA signature in a debug build take about a second each on
    // a busy machine; the point here is the negotiation, not the speed.
    j.timeout = Some(std::time::Duration::from_secs(30));
    for kind in [
        StrategyKind::Sequential,
        StrategyKind::Async,
        StrategyKind::Processes,
    ] {
        let out = run(kind, &devices, &j, None);
        assert_eq!(out.failed(), 0, "{kind}: {:?}", out.results[0].error);
        assert!(out.results[0].output().contains("Processor board ID FTX"));
        assert!(out.results[0].host_key.is_some());
    }
}

/// Without them, the failure is typed and names both sides' offers for the list that has
/// nothing in common.
#[test]
fn legacy_only_device_fails_clearly_without_them() {
    let f = fleet(1, "instant,ssh=legacy");
    let j = job(&f, &["show version"]);
    let out = run(StrategyKind::Sequential, &f.devices(), &j, None);
    let e = out.results[0].error.as_ref().expect("must fail");
    assert_eq!(e.kind, "no_common_algorithm", "{e:?}");
    assert_eq!(e.phase, Some(fleetbench_report::Phase::Handshake));
    assert!(
        e.message
            .starts_with("no common key exchange algorithm: fleetbench offers "),
        "{}",
        e.message
    );
    assert!(e.message.contains("curve25519-sha256"), "{}", e.message);
    assert!(
        e.message.contains(
            "the device offers diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1"
        ),
        "{}",
        e.message
    );
    // With only the key exchange added, the host key list is the one that fails.
    let mut devices = f.devices();
    devices[0].algorithms.kex = legacy_algorithms().kex;
    let out = run(StrategyKind::Sequential, &devices, &j, None);
    let e = out.results[0].error.as_ref().expect("must fail");
    assert_eq!(e.kind, "no_common_algorithm");
    assert!(
        e.message.starts_with("no common host key algorithm")
            && e.message.contains("offers ssh-rsa"),
        "{}",
        e.message
    );
}
