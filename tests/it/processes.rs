//! The `processes` strategy end to end: real worker processes (this crate's binary re-executed
//! as `fleetbench __worker`) polling an emulated fleet.

use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_client::job::Job;
use fleetbench_client::observe::{Event, Observer};
use fleetbench_client::strategy::processes::ENV_ALLOWLIST;
use fleetbench_client::strategy::{self, RunConfig, RunOutcome, StrategyError};
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_inventory::Device;
use fleetbench_inventory::Secret;
use fleetbench_report::DeviceResult;
use fleetbench_report::StrategyKind;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn cfg(workers: usize) -> RunConfig {
    RunConfig {
        workers: Some(workers),
        worker_exe: Some(env!("CARGO_BIN_EXE_fleetbench").into()),
        ..RunConfig::default()
    }
}

fn fleet(n: usize, profile: &str) -> EmulatedFleet {
    EmulatedFleet::start(FleetSpec::new(n, Profile::by_name(profile).unwrap())).unwrap()
}

fn job(fleet: &EmulatedFleet) -> Job {
    Job::new(
        vec!["show clock".into()],
        HostKeyCheck::strict(fleet.known_hosts()),
    )
}

fn run(devices: &[Device], job: &Job, cfg: &RunConfig, sink: &dyn Observer) -> RunOutcome {
    strategy::run(StrategyKind::Processes, devices, job, cfg, sink).unwrap()
}

fn kind(r: &DeviceResult) -> &str {
    r.error.as_ref().map(|e| e.kind.as_str()).unwrap_or("")
}

fn pid_of(label: &str) -> i32 {
    label.split('/').next().unwrap().parse().unwrap()
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn every_device_answered_in_inventory_order_with_fewer_workers() {
    let fleet = fleet(7, "instant");
    let devices = fleet.devices();
    let (connecting, received) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |e: &Event<'_>| match e {
        Event::DeviceStarted { .. } => {
            connecting.fetch_add(1, Ordering::SeqCst);
        }
        Event::DeviceFinished { .. } => {
            received.fetch_add(1, Ordering::SeqCst);
        }
        _ => {}
    };
    let out = run(&devices, &job(&fleet), &cfg(3), &sink);
    assert_eq!(out.results.len(), 7);
    for (r, d) in out.results.iter().zip(&devices) {
        assert!(r.ok, "{}: {:?}", d.name, r.error);
        assert_eq!((r.name.as_str(), r.port), (d.name.as_str(), d.port));
        assert!(!r.output().is_empty());
    }
    assert_eq!((out.workers, out.threads, out.processes), (3, 3, 3));
    assert!(out.startup > Duration::ZERO && out.startup <= out.wall);
    assert_eq!(connecting.load(Ordering::SeqCst), 7);
    assert_eq!(received.load(Ordering::SeqCst), 7);
    // The sessions ran in the workers, at most 3 of them, and some worker did several.
    let pids: BTreeSet<i32> = out.results.iter().map(|r| pid_of(&r.worker)).collect();
    assert!(pids.len() <= 3, "{pids:?}");
    assert!(!pids.contains(&(std::process::id() as i32)));
}

#[test]
fn refused_port_is_refused_like_elsewhere() {
    let fleet = fleet(1, "instant");
    let mut devices = fleet.devices();
    let mut closed = devices[0].clone();
    closed.port = closed_port();
    closed.name = "closed".into();
    devices.insert(0, closed);
    let out = run(
        &devices,
        &job(&fleet),
        &cfg(2),
        &fleetbench_client::observe::Quiet,
    );
    assert_eq!(
        kind(&out.results[0]),
        "refused",
        "{:?}",
        out.results[0].error
    );
    assert!(out.results[1].ok, "{:?}", out.results[1].error);
    assert_eq!(out.processes, 2);
}

#[test]
fn a_worker_killed_mid_device_costs_only_that_device() {
    let fleet = fleet(5, "login=300ms,command=300ms");
    let devices = fleet.devices();
    let victim = 1;
    let killed = AtomicBool::new(false);
    let sink = |e: &Event<'_>| {
        if let Event::DeviceStarted { index, worker, .. } = *e
            && index == victim
            && !killed.swap(true, Ordering::SeqCst)
        {
            // Into the session: the worker is connecting or logging in.
            std::thread::sleep(Duration::from_millis(100));
            // SAFETY: plain syscall on a pid this run started and has not reaped yet (its
            // manager thread is the one calling this sink).
            let rc = unsafe { libc::kill(pid_of(worker), libc::SIGKILL) };
            assert_eq!(rc, 0);
        }
    };
    let t0 = Instant::now();
    let out = run(&devices, &job(&fleet), &cfg(2), &sink);
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert!(killed.load(Ordering::SeqCst));
    for (i, r) in out.results.iter().enumerate() {
        if i == victim {
            assert_eq!(kind(r), "worker_died", "{:?}", r.error);
            let msg = &r.error.as_ref().unwrap().message;
            assert!(msg.contains("SIGKILL"), "{msg}");
        } else {
            assert!(r.ok, "device {i}: {:?}", r.error);
        }
    }
    assert_eq!(out.processes, 3, "a replacement worker was started");
    assert_eq!(out.threads, 2);
}

#[test]
fn secrets_stay_out_of_worker_argv_and_environment() {
    let mut spec = FleetSpec::new(2, Profile::by_name("login=300ms,command=100ms").unwrap());
    spec.password = "pw-Zq81-canary".into();
    spec.secret = "en-Xy42-canary".into();
    let fleet = EmulatedFleet::start(spec).unwrap();
    let devices = fleet.devices();
    assert_eq!(
        devices[0].password.as_ref().map(Secret::expose),
        Some("pw-Zq81-canary")
    );
    let seen: Mutex<Vec<(Vec<u8>, Vec<u8>)>> = Mutex::new(Vec::new());
    let sink = |e: &Event<'_>| {
        if let Event::DeviceStarted { worker, .. } = *e {
            let pid = pid_of(worker);
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
            seen.lock().unwrap().push((cmdline, environ));
        }
    };
    let out = run(&devices, &job(&fleet), &cfg(2), &sink);
    assert!(out.results.iter().all(|r| r.ok), "{:?}", out.results);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 2);
    for (cmdline, environ) in seen {
        let args: Vec<_> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .collect();
        // `fleetbench __worker PARENT_PID`: nothing else, the pid being no secret.
        assert_eq!(args.len(), 3, "{:?}", String::from_utf8_lossy(&cmdline));
        assert_eq!(args[1], b"__worker");
        assert_eq!(args[2], std::process::id().to_string().as_bytes());
        for blob in [&cmdline, &environ] {
            let text = String::from_utf8_lossy(blob);
            assert!(!text.contains("Zq81") && !text.contains("Xy42"), "{text}");
        }
        for var in environ.split(|b| *b == 0).filter(|v| !v.is_empty()) {
            let var = String::from_utf8_lossy(var);
            let name = var.split('=').next().unwrap();
            assert!(ENV_ALLOWLIST.contains(&name), "unexpected variable {name}");
        }
    }
}

/// A fake worker: a shell script (`exec`, so killing its pid kills all of it). Writing an
/// executable while other test threads fork can briefly make exec fail with ETXTBSY; retry.
fn with_script<T>(body: &str, f: impl Fn(&RunConfig) -> Result<T, StrategyError>) -> T {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("worker.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cfg = RunConfig {
        workers: Some(1),
        worker_exe: Some(path),
        ..RunConfig::default()
    };
    for _ in 0..20 {
        match f(&cfg) {
            Err(StrategyError::Spawn { message, .. }) if message.contains("busy") => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other.unwrap(),
        }
    }
    panic!("the script stayed busy");
}

const READY: &str = r#"printf '{"msg":"ready","pid":%s}\n' $$"#;

#[test]
fn a_hung_worker_is_killed_after_the_session_budget() {
    let mut dev = Device {
        name: "R1".into(),
        host: "127.0.0.1".into(),
        port: closed_port(),
        username: "u".into(),
        password: None,
        secret: None,
        key_file: None,
        device_type: "cisco_ios".into(),
        timeout: Duration::from_secs(10),
        algorithms: Default::default(),
        bastion: None,
    };
    dev.timeout = Duration::from_millis(50);
    let job = Job::new(Vec::new(), Default::default());
    let t0 = Instant::now();
    let out = with_script(&format!("{READY}\nexec sleep 30"), |cfg| {
        strategy::run(
            StrategyKind::Processes,
            std::slice::from_ref(&dev),
            &job,
            cfg,
            &fleetbench_client::observe::Quiet,
        )
    });
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    let r = &out.results[0];
    assert_eq!(kind(r), "worker_died");
    let msg = &r.error.as_ref().unwrap().message;
    assert!(
        msg.contains("session budget") && msg.contains("SIGKILL"),
        "{msg}"
    );
}

#[test]
fn a_crashing_worker_leaves_its_stderr_in_the_error_and_is_replaced_a_bounded_number_of_times() {
    let devices: Vec<Device> = (0..3)
        .map(|i| Device {
            name: format!("R{i}"),
            host: "127.0.0.1".into(),
            port: closed_port(),
            username: "u".into(),
            password: Some(Secret::new("pw-never-logged")),
            secret: None,
            key_file: None,
            device_type: "cisco_ios".into(),
            timeout: Duration::from_secs(1),
            algorithms: Default::default(),
            bastion: None,
        })
        .collect();
    let job = Job::new(Vec::new(), Default::default());
    // Says ready, reads the job and one device, then crashes.
    let body = format!("{READY}\nread job\nread dev\necho 'boom: out of cheese' >&2\nexit 3");
    let out = with_script(&body, |cfg| {
        strategy::run(
            StrategyKind::Processes,
            &devices,
            &job,
            cfg,
            &fleetbench_client::observe::Quiet,
        )
    });
    for r in &out.results {
        assert_eq!(kind(r), "worker_died");
        let msg = &r.error.as_ref().unwrap().message;
        assert!(
            msg.contains("status 3") && msg.contains("out of cheese"),
            "{msg}"
        );
        assert!(!msg.contains("pw-never-logged"));
    }
    // One first worker, then one replacement per remaining device.
    assert_eq!(out.processes, 3);
}

#[test]
fn a_binary_that_is_no_worker_fails_the_start() {
    let fleet = fleet(1, "instant");
    let cfg = RunConfig {
        workers: Some(1),
        worker_exe: Some("/bin/false".into()),
        ..RunConfig::default()
    };
    let err = strategy::run(
        StrategyKind::Processes,
        &fleet.devices(),
        &job(&fleet),
        &cfg,
        &fleetbench_client::observe::Quiet,
    )
    .unwrap_err();
    assert!(matches!(err, StrategyError::Spawn { .. }), "{err}");
    assert!(err.to_string().contains("status 1"), "{err}");
}
