//! Multi-vendor fleets: every platform polled by every strategy, rejected commands typed the
//! same way everywhere, `device_type` honoured from the inventory to the device.

use crate::cli::fleetbench;
use crate::common::*;
use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_client::job::{Job, OnCommandError};
use fleetbench_emulator::{EmulatedFleet, FleetSpec, PlatformMix, Profile};
use fleetbench_report::StrategyKind;
use std::time::Duration;

fn mixed_fleet(n: usize, mix: &str) -> EmulatedFleet {
    let mut spec = FleetSpec::new(n, Profile::by_name("instant").unwrap());
    spec.seed = 11;
    spec.platforms = PlatformMix::parse(mix).unwrap();
    EmulatedFleet::start(spec).unwrap()
}

/// What only each platform's `show version` (Linux: `uname -a`) prints.
fn marker(device_type: &str) -> &'static str {
    match device_type {
        "cisco_ios" => "Cisco IOS Software, IOSv Software",
        "cisco_xe" => "Cisco IOS XE Software",
        "cisco_nxos" => "Cisco Nexus Operating System (NX-OS) Software",
        "cisco_xr" => "Cisco IOS XR Software",
        "arista_eos" => "Arista vEOS-lab",
        "juniper_junos" => "Junos: ",
        "linux" => "GNU/Linux",
        other => panic!("no marker for {other}"),
    }
}

#[test]
fn sixty_devices_over_seven_platforms_poll_with_every_strategy() {
    let f = mixed_fleet(60, "all");
    let devices = f.devices();
    let types: Vec<&str> = devices.iter().map(|d| d.device_type.as_str()).collect();
    for p in fleetbench_inventory::platform::PLATFORMS {
        assert!(
            types.iter().filter(|t| **t == p.device_type).count() >= 8,
            "{types:?}"
        );
    }
    let mut j = Job::new(
        vec!["show version".into()],
        HostKeyCheck::strict(f.known_hosts()),
    );
    j.commands_by_type
        .insert("linux".into(), vec!["uname -a".into()]);
    j.timeout = Some(Duration::from_secs(10));
    for kind in StrategyKind::ALL {
        let out = run(kind, &devices, &j, Some(8));
        assert_eq!(
            out.failed(),
            0,
            "{kind}: {:?}",
            out.results.iter().find(|r| !r.ok)
        );
        for (r, d) in out.results.iter().zip(&devices) {
            assert_eq!(r.name, d.name, "{kind}: order");
            // Each device answered as its own platform, and only as it.
            let own = marker(&d.device_type);
            assert!(
                r.output().contains(own),
                "{kind}: {} ({}): {}",
                d.name,
                d.device_type,
                r.output()
            );
            for other in fleetbench_inventory::platform::PLATFORMS {
                let m = marker(other.device_type);
                assert!(
                    m == own || !r.output().contains(m),
                    "{kind}: {} has {m}",
                    d.name
                );
            }
        }
    }
}

#[test]
fn a_rejected_command_is_typed_the_same_by_every_strategy() {
    let f = mixed_fleet(3, "ios=34%,junos=33%,linux=33%");
    let devices = f.devices();
    let mut j = job(&f, &["show foo", "show version"]);
    for kind in StrategyKind::ALL {
        let out = run(kind, &devices, &j, Some(3));
        assert_eq!(out.failed(), 3, "{kind}");
        for r in &out.results {
            let e = r.error.as_ref().unwrap();
            assert_eq!(e.kind, "command_rejected", "{kind}: {e:?}");
            assert_eq!(e.phase, Some(fleetbench_report::Phase::Command));
            assert!(
                e.message
                    .starts_with("the device rejected command 'show foo': "),
                "{e:?}"
            );
            // The output is kept; the second command was never sent.
            assert_eq!(r.outputs.len(), 1, "{kind}: {:?}", r.outputs);
            let text = &r.outputs[0].output;
            assert!(
                text.contains("% Invalid input")
                    || text.contains("syntax error")
                    || text.contains("command not found"),
                "{kind}: {text}"
            );
        }
    }
    j.on_command_error = OnCommandError::Keep;
    let out = run(StrategyKind::Processes, &devices, &j, Some(2));
    assert_eq!(out.ok(), 3, "keep: {:?}", out.results);
    assert!(out.results.iter().all(|r| r.outputs.len() == 2));
}

#[test]
fn the_emulators_inventory_names_each_device_type() {
    let f = mixed_fleet(7, "all");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.yaml");
    std::fs::write(&path, f.inventory_yaml()).unwrap();
    let inv = fleetbench_inventory::load(&path, &fleetbench_client::Libssh2::new()).unwrap();
    let want: Vec<String> = f.devices().into_iter().map(|d| d.device_type).collect();
    let got: Vec<String> = inv.devices.into_iter().map(|d| d.device_type).collect();
    assert_eq!(got, want);
    let mut sorted = got.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7);
}

#[test]
fn cli_show_foo_is_command_rejected_exit_1_and_keep_is_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let json_s = json.to_str().unwrap();
    let out = fleetbench(&[
        "run",
        "--strategy",
        "threads",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--command",
        "show foo",
        "--json",
        json_s,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stdout.contains("FAILED [command_rejected]"),
        "{}",
        out.stdout
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let d = &r["strategies"][0]["devices"][0];
    assert_eq!(d["ok"], false);
    assert_eq!(d["error"]["kind"], "command_rejected");
    assert!(
        d["output"]
            .as_str()
            .unwrap()
            .contains("% Invalid input detected"),
        "{d}"
    );
    let out = fleetbench(&[
        "run",
        "--strategy",
        "async",
        "--emulate",
        "2",
        "--profile",
        "instant",
        "--command",
        "show foo",
        "--on-command-error",
        "keep",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("% Invalid input detected"),
        "{}",
        out.stdout
    );
}

#[test]
fn cli_unknown_device_type_is_exit_2_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("devices.yaml");
    std::fs::write(
        &inv,
        "routers:\n  - host: 127.0.0.1\n    username: a\n    device_type: junos\n",
    )
    .unwrap();
    let out = fleetbench(&[
        "run",
        "--strategy",
        "threads",
        "--inventory",
        inv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains(
            "devices.yaml:4:18: device 1 (127.0.0.1) in group 'routers': unknown device_type 'junos'; did you mean 'juniper_junos'?"
        ),
        "{}",
        out.stderr
    );
    let out = fleetbench(&[
        "run",
        "--strategy",
        "threads",
        "--emulate",
        "2",
        "--platforms",
        "ios=50%,nxso=50%",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("did you mean 'cisco_nxos'?"),
        "{}",
        out.stderr
    );
}

#[test]
fn cli_mixed_fleet_default_command_is_each_platforms_clock() {
    let out = fleetbench(&[
        "run",
        "--strategy",
        "async",
        "--emulate",
        "14",
        "--platforms",
        "all",
        "--profile",
        "instant",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Current time: "),
        "junos: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Clock source: local"),
        "eos: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("14 devices: 14 ok, 0 failed"),
        "{}",
        out.stdout
    );
}
