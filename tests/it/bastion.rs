//! Polling through the emulated jump host: both client modes under every built-in strategy,
//! its limits (MaxStartups, the channel limit, the targets it forwards to), a bastion that
//! stalls, and its secrets.

use crate::common::*;
use fleetbench_client::job::Job;
use fleetbench_client::jump::{BastionMode, JumpPlan};
use fleetbench_client::observe::Quiet;
use fleetbench_client::strategy;
use fleetbench_emulator::{BastionSpec, EmulatedFleet, FleetSpec, Profile};
use fleetbench_inventory::{Bastion, Secret};
use fleetbench_report::{Phase, StrategyKind};
use std::time::{Duration, Instant};

/// `n` devices behind the fleet's jump host, with `profile`.
fn bastion_fleet(n: usize, profile: &str) -> EmulatedFleet {
    let mut spec = FleetSpec::new(n, Profile::by_name(profile).unwrap());
    spec.seed = 7;
    spec.bastion = Some(BastionSpec::default());
    EmulatedFleet::start(spec).unwrap()
}

fn plan(job: &mut Job, mode: BastionMode, channels: usize) {
    job.bastion = JumpPlan {
        mode,
        channels_per_connection: channels,
    };
}

#[test]
fn every_strategy_polls_through_the_bastion_in_both_modes() {
    let f = bastion_fleet(6, "instant");
    let devices = f.devices();
    assert!(devices.iter().all(|d| d.bastion.is_some()));
    for mode in BastionMode::ALL {
        let mut job = job(&f, &["show clock"]);
        plan(&mut job, mode, 4);
        let _ = f.take_bastion_counts();
        for kind in StrategyKind::ALL {
            let out = run(kind, &devices, &job, Some(3));
            let c = f.take_bastion_counts().unwrap();
            assert_eq!(
                c.channels_opened,
                devices.len() as u64,
                "{mode} {kind:?}: {c:?}"
            );
            assert_eq!(c.dropped_at_startup, 0);
            let logins = c.authenticated as usize;
            match (mode, kind) {
                // One login per session.
                (BastionMode::PerSession, _) => assert_eq!(logins, devices.len()),
                // 3 workers, 4 channels a connection: one connection per run, or per worker
                // process; a session that starts while another's channel is still closing
                // may need a second.
                (BastionMode::Shared, StrategyKind::Processes) => assert!(logins <= 3, "{c:?}"),
                (BastionMode::Shared, _) => assert!(logins <= 2, "{kind:?} {c:?}"),
            }
            for r in &out.results {
                assert!(r.ok, "{mode} {kind:?} {}: {:?}", r.name, r.error);
                assert!(
                    r.outputs[0].output.contains("UTC"),
                    "{}",
                    r.outputs[0].output
                );
                let phases: Vec<Phase> = r.phases.iter().map(|p| p.phase).collect();
                assert_eq!(
                    phases[..3],
                    [Phase::Bastion, Phase::BastionChannel, Phase::Connect],
                    "{mode} {kind:?}: {phases:?}"
                );
                // The session's own phases follow the bastion's, in time too.
                let starts: Vec<f64> = r.phases.iter().map(|p| p.start_s).collect();
                assert!(starts.windows(2).all(|w| w[0] <= w[1] + 1e-9), "{starts:?}");
            }
        }
    }
}

#[test]
fn a_shared_connection_carries_at_most_its_channel_count() {
    // The bastion allows 2 channels per connection; 6 workers in shared mode with 2 channels
    // each need 3 connections, and nothing is refused.
    let f = bastion_fleet(12, "lan,max-sessions=2");
    let mut job = job(&f, &["show clock"]);
    plan(&mut job, BastionMode::Shared, 2);
    let _ = f.take_bastion_counts();
    let out = run(StrategyKind::Threads, &f.devices(), &job, Some(6));
    assert_eq!(out.failed(), 0, "{:?}", out.results.iter().find(|r| !r.ok));
    let c = f.take_bastion_counts().unwrap();
    assert_eq!(c.channels_refused, 0, "{c:?}");
    assert!(c.authenticated >= 3 && c.authenticated <= 6, "{c:?}");
}

#[test]
fn channels_beyond_max_sessions_are_refused_as_sshd_refuses_them() {
    // The client believes 4 channels fit one connection; the bastion allows 1.
    let f = bastion_fleet(4, "latency-1s,max-sessions=1");
    let mut job = job(&f, &["show clock"]);
    plan(&mut job, BastionMode::Shared, 4);
    let _ = f.take_bastion_counts();
    let out = run(StrategyKind::Threads, &f.devices(), &job, Some(4));
    let refused: Vec<_> = out
        .results
        .iter()
        .filter(|r| kind_of(r) == Some("bastion_refused"))
        .collect();
    assert!(!refused.is_empty(), "{:?}", out.results);
    for r in &refused {
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.phase, Some(Phase::BastionChannel));
        assert!(e.message.contains("connect failed"), "{}", e.message);
    }
    assert!(out.ok() >= 1);
    let c = f.take_bastion_counts().unwrap();
    assert_eq!(c.channels_refused as usize, refused.len(), "{c:?}");
}

#[test]
fn a_target_outside_the_fleet_is_refused() {
    let f = bastion_fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    // A loopback port that is no device of the fleet.
    dev.port = closed_port();
    let r = fleetbench_client::strategy::poller::ssh(0.0).poll(&dev, &job(&f, &["show clock"]));
    assert_eq!(kind_of(&r), Some("bastion_refused"), "{:?}", r.error);
    let e = r.error.unwrap();
    assert!(
        e.message.contains("administratively prohibited"),
        "{}",
        e.message
    );
    assert_eq!(f.take_bastion_counts().unwrap().channels_refused, 1);
}

#[test]
fn a_wrong_bastion_password_is_bastion_auth_rejected_and_never_shown() {
    let f = bastion_fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    let mut b = dev.bastion.clone().unwrap();
    b.password = Some(Secret::new("wrong-jump-secret"));
    dev.bastion = Some(b);
    let r = fleetbench_client::strategy::poller::ssh(0.0).poll(&dev, &job(&f, &["show clock"]));
    assert_eq!(kind_of(&r), Some("bastion_auth_rejected"), "{:?}", r.error);
    let e = r.error.unwrap();
    assert_eq!(e.phase, Some(Phase::Bastion));
    assert!(!e.message.contains("wrong-jump-secret"), "{}", e.message);
    let json = serde_json::to_string(&r.phases).unwrap();
    assert!(!json.contains("wrong-jump-secret"));
}

#[test]
fn pending_logins_over_max_startups_are_dropped_at_startup() {
    // `startups=2`: from two pending logins on, every new connection is dropped. 12
    // sessions at once, each its own login, against a slow login (a device's prompt is not
    // the bastion's; the bastion's own login is quick), so some arrive while two are pending.
    let f = bastion_fleet(24, "lan,startups=2");
    let mut job = job(&f, &["show clock"]);
    plan(&mut job, BastionMode::PerSession, 10);
    let _ = f.take_bastion_counts();
    let out = run(StrategyKind::Async, &f.devices(), &job, Some(24));
    let c = f.take_bastion_counts().unwrap();
    let dropped: Vec<_> = out
        .results
        .iter()
        .filter(|r| kind_of(r) == Some("dropped_at_startup"))
        .collect();
    // Every drop the bastion counted is one device's `dropped_at_startup`, and only those.
    assert_eq!(dropped.len() as u64, c.dropped_at_startup, "{c:?}");
    assert!(
        c.dropped_at_startup > 0,
        "no drop with 24 logins at once: {c:?}"
    );
    assert!(c.peak_pending <= 2, "{c:?}");
    for r in &dropped {
        assert_eq!(r.error.as_ref().unwrap().phase, Some(Phase::Bastion));
    }
    assert_eq!(out.failed(), dropped.len());
}

#[test]
fn a_stalled_bastion_ends_as_a_timeout_within_its_deadline() {
    // A "bastion" that accepts and never says a word.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
        drop(s);
    });
    let f = fleet(1, "instant");
    let mut dev = f.devices()[0].clone();
    dev.bastion = Some(Bastion {
        host: "127.0.0.1".into(),
        port,
        username: "jump".into(),
        password: Some(Secret::new("jump")),
        key_file: None,
    });
    let mut job = job(&f, &["show clock"]);
    job.timeout = Some(Duration::from_millis(500));
    let t = Instant::now();
    let r = fleetbench_client::strategy::poller::ssh(0.0).poll(&dev, &job);
    let took = t.elapsed();
    assert_eq!(kind_of(&r), Some("timeout"), "{:?}", r.error);
    assert_eq!(r.error.unwrap().phase, Some(Phase::Bastion));
    // The handshake phase's deadline, with a generous margin, not the bastion's 4 s.
    assert!(took < Duration::from_secs(3), "{took:?}");
    hold.join().unwrap();
}

#[test]
fn the_processes_strategy_carries_the_bastion_to_its_workers() {
    let f = bastion_fleet(4, "instant");
    let mut job = job(&f, &["show clock"]);
    plan(&mut job, BastionMode::Shared, 10);
    let out = strategy::run(
        StrategyKind::Processes,
        &f.devices(),
        &job,
        &run_cfg(Some(2)),
        &Quiet,
    )
    .unwrap();
    assert_eq!(out.failed(), 0, "{:?}", out.results);
}

#[test]
fn the_written_inventories_carry_the_jump_host_and_parse_back() {
    use fleetbench_inventory::Format;
    use std::os::unix::fs::PermissionsExt;
    let f = bastion_fleet(3, "instant");
    let b = f.bastion().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("devices.yaml", Format::Netmiko),
        ("nornir/", Format::Nornir),
        ("hosts.ini", Format::AnsibleIni),
        ("inventory-ansible.yaml", Format::AnsibleYaml),
    ] {
        let path = dir.path().join(name);
        let written = f.write_inventory(&path, format).unwrap();
        let key_text = b.client_key.expose();
        for p in &written {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
            let text = std::fs::read_to_string(p).unwrap();
            // The client key is in its own file only; the bastion's password nowhere.
            if !p.to_string_lossy().ends_with(".bastion_key") {
                assert!(
                    !text.contains(key_text.lines().nth(1).unwrap()),
                    "{}",
                    p.display()
                );
            }
        }
        let inv = fleetbench_inventory::load(&path, &fleetbench_client::Libssh2::new())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(inv.devices.len(), 3);
        for d in &inv.devices {
            let got = d
                .bastion
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no bastion"));
            assert_eq!(
                (got.host.as_str(), got.port),
                (b.host.as_str(), b.port),
                "{name}"
            );
            assert_eq!(got.username, b.username, "{name}");
            // The written client key, which the bastion accepts.
            let key = got.key_file.as_ref().unwrap();
            assert_eq!(std::fs::read_to_string(key).unwrap(), key_text, "{name}");
        }
        // fleetbench polls the fleet through the inventory it wrote (public-key auth to the
        // bastion this time).
        let out = run(
            StrategyKind::Threads,
            &inv.devices,
            &job(&f, &["show clock"]),
            Some(3),
        );
        assert_eq!(out.failed(), 0, "{name}: {:?}", out.results);
    }
    // netmiko gets only netmiko's own keys: ConnectHandler(**device) must accept them.
    let y = std::fs::read_to_string(dir.path().join("devices.yaml")).unwrap();
    assert!(
        y.contains("ssh_config_file:") && !y.contains("bastion"),
        "{y}"
    );
    let cfg = std::fs::read_to_string(dir.path().join("devices.ssh_config")).unwrap();
    assert!(cfg.contains("ProxyJump fleetbench-bastion-1"), "{cfg}");
    assert!(cfg.contains("StrictHostKeyChecking yes"), "{cfg}");
}

#[test]
fn inventory_bastion_keys_are_validated_with_their_location() {
    let lib = fleetbench_client::Libssh2::new();
    let bad = "routers:\n  - host: 192.0.2.1\n    username: u\n    bastion: 'jump@:22'\n";
    let e = fleetbench_inventory::parse(bad, "devices.yaml", &lib)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("devices.yaml:4:14: device 1 (192.0.2.1) in group 'routers': bastion:"),
        "{e}"
    );
    let both = "routers:\n  - host: 192.0.2.1\n    username: u\n    bastion: j@192.0.2.9\n    ssh_config_file: /nonexistent\n";
    let e = fleetbench_inventory::parse(both, "devices.yaml", &lib)
        .unwrap_err()
        .to_string();
    assert!(e.contains("give the jump host once"), "{e}");
    let ok = "routers:\n  - host: 192.0.2.1\n    username: u\n    bastion: 192.0.2.9:2222\n    bastion_password: ${JUMP_PW}\n";
    let inv = fleetbench_inventory::parse_with_env(
        ok,
        "devices.yaml",
        |v| (v == "JUMP_PW").then(|| "pw".into()),
        &lib,
    )
    .unwrap();
    let b = inv.devices[0].bastion.as_ref().unwrap();
    assert_eq!(
        (b.host.as_str(), b.port, b.username.as_str()),
        ("192.0.2.9", 2222, "u")
    );
    assert_eq!(b.password.as_ref().unwrap().expose(), "pw");
    // Ansible keeps fleetbench's key in its own variables.
    let dir = tempfile::tempdir().unwrap();
    let ini = dir.path().join("hosts.ini");
    std::fs::write(
        &ini,
        "[r]\nR1 ansible_host=192.0.2.1 ansible_user=u fleetbench_bastion=ops@192.0.2.9\n",
    )
    .unwrap();
    let inv = fleetbench_inventory::load(&ini, &lib).unwrap();
    assert_eq!(inv.devices[0].bastion.as_ref().unwrap().username, "ops");
}
