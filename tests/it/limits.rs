//! The devices' shared limits end to end (issue 23): the fleet's AAA server above its
//! capacity, vty lines under two pollers, `login block-for`, the client's retries and
//! connect rate against the same overload, and the descriptor preflight. Every fleet is
//! in-process on 127.0.0.1:0; no assertion is a time, only counts and kinds.

use crate::cli::{bin, run_bounded};
use fleetbench::compare::{self, CompareOptions};
use fleetbench::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Quiet;
use fleetbench_client::strategy::retry::RetryPolicy;
use fleetbench_client::strategy::{self, RunConfig};
use fleetbench_emulator::{FleetSpec, PlatformMix, Profile};
use fleetbench_inventory::{Device, Secret};
use fleetbench_report::{DeviceResult, StrategyKind, StrategyReport};
use std::os::unix::process::CommandExt;
use std::sync::Barrier;
use std::time::Duration;

/// An emulated fleet of `n` devices with `profile`, recording its sessions (as the command
/// line does when a profile has limits).
fn fleet(n: usize, profile: &str) -> Fleet {
    let mut spec = FleetSpec::new(n, Profile::by_name(profile).unwrap());
    spec.seed = 5;
    spec.record = true;
    Fleet::emulated(spec, profile).unwrap()
}

fn job(f: &Fleet) -> Job {
    let mut j = Job::new(vec!["show clock".into()], f.host_keys.clone());
    j.timeout = Some(Duration::from_secs(10));
    j
}

fn cfg(workers: usize) -> RunConfig {
    RunConfig {
        workers: Some(workers),
        worker_exe: Some(env!("CARGO_BIN_EXE_fleetbench").into()),
        ..RunConfig::default()
    }
}

/// One measured run of each of `kinds`, through the library entry point of `compare`.
fn compare(f: &Fleet, j: &Job, kinds: &[StrategyKind], run: RunConfig) -> Vec<StrategyReport> {
    let opts = CompareOptions {
        strategies: kinds.to_vec(),
        runs: 1,
        warmup: 0,
        run,
        external: Default::default(),
    };
    compare::run(&opts, f, j, &Quiet).unwrap().strategies
}

fn kinds(devices: &[DeviceResult]) -> Vec<&str> {
    devices
        .iter()
        .filter_map(|d| d.error.as_ref().map(|e| e.kind.as_str()))
        .collect()
}

const CONCURRENT: [StrategyKind; 4] = [
    StrategyKind::Threads,
    StrategyKind::Processes,
    StrategyKind::Async,
    StrategyKind::Rayon,
];

/// 24 devices at once against an AAA server of 2 at 100 ms whose devices wait 250 ms: the
/// queue passes the timeout after a handful, and every failure is the AAA's, named from the
/// devices' record (the client saw a rejection), under every concurrent strategy.
#[test]
fn above_aaa_capacity_the_failures_are_aaa_timeouts_under_every_strategy() {
    let f = fleet(24, "instant,aaa=2@100ms,aaa-timeout=250ms");
    let j = job(&f);
    for s in compare(&f, &j, &CONCURRENT, cfg(24)) {
        let k = kinds(&s.devices);
        assert!(!k.is_empty(), "{}: the overload failed nobody", s.strategy);
        assert!(
            k.iter().all(|&k| k == "aaa_timeout"),
            "{}: {k:?}",
            s.strategy
        );
        for d in s.devices.iter().filter(|d| !d.ok) {
            let e = d.error.as_ref().unwrap();
            assert_eq!(
                e.client_kind.as_deref(),
                Some("auth_rejected"),
                "{}",
                s.strategy
            );
            assert_eq!(e.phase, Some(fleetbench_report::Phase::Auth));
        }
        let limits = s.device_limits.unwrap();
        assert!(
            limits.aaa_timeouts >= k.len() as u64,
            "{}: {limits:?}",
            s.strategy
        );
        assert_eq!(limits.aaa_answered as usize, 24 - k.len(), "{}", s.strategy);
        assert_eq!(limits.aaa_rejections, 0);
    }
}

/// One worker cannot queue at an AAA server; one whose answer takes longer than the
/// devices wait fails every login, and with `--aaa-timeout` the client names it itself.
#[test]
fn sequential_logins_time_out_at_an_aaa_slower_than_the_devices_wait() {
    let f = fleet(3, "instant,aaa=1@400ms,aaa-timeout=100ms");
    let mut j = job(&f);
    j.aaa_timeout = Some(Duration::from_millis(100));
    let s = &compare(&f, &j, &[StrategyKind::Sequential], cfg(1))[0];
    assert_eq!(kinds(&s.devices), ["aaa_timeout"; 3]);
    for d in &s.devices {
        let e = d.error.as_ref().unwrap();
        assert_eq!(e.client_kind, None, "the client told it: {e:?}");
        assert!(e.message.contains("AAA"), "{}", e.message);
    }
    // The client stopped after the slow password rejection: one request per device.
    assert_eq!(s.device_limits.as_ref().unwrap().aaa_requests, 3);
}

/// A server whose queue is full refuses at once: to a client, a rejection like a wrong
/// password's; the devices' record says `aaa_rejected`.
#[test]
fn a_full_aaa_queue_rejects_and_the_record_says_so() {
    let f = fleet(8, "instant,aaa=1@300ms,aaa-queue=0");
    let j = job(&f);
    let s = &compare(&f, &j, &[StrategyKind::Threads], cfg(8))[0];
    let k = kinds(&s.devices);
    assert!(
        !k.is_empty() && k.iter().all(|&k| k == "aaa_rejected"),
        "{k:?}"
    );
    let e = s.devices.iter().find_map(|d| d.error.as_ref()).unwrap();
    assert_eq!(e.client_kind.as_deref(), Some("auth_rejected"));
    assert!(s.device_limits.as_ref().unwrap().aaa_rejections > 0);
}

/// `aaa-fallback=local`: after the timeout the device checks its local database, and the
/// fleet's credentials pass there; the record counts the fallbacks.
#[test]
fn a_local_fallback_logs_in_after_the_aaa_timeout() {
    let f = fleet(
        2,
        "instant,aaa=1@400ms,aaa-timeout=100ms,aaa-fallback=local",
    );
    let s = &compare(&f, &job(&f), &[StrategyKind::Sequential], cfg(1))[0];
    assert_eq!(s.ok(), 2, "{:?}", kinds(&s.devices));
    let l = s.device_limits.as_ref().unwrap();
    assert_eq!((l.aaa_timeouts, l.aaa_fallbacks), (2, 2));
}

/// Each device listed three times: one poller holds three of its sessions at once.
fn thrice(devices: &[Device]) -> Vec<Device> {
    devices
        .iter()
        .flat_map(|d| {
            ["a", "b", "c"].map(|s| Device {
                name: format!("{}{s}", d.name),
                ..d.clone()
            })
        })
        .collect()
}

/// Two pollers at once, each with three sessions per device held by a 3 s login delay: six
/// sessions against five vty lines, so each device refuses one.
fn two_pollers(f: &Fleet) -> Vec<DeviceResult> {
    let devices = thrice(&f.devices);
    let j = job(f);
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let pollers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    strategy::run(
                        StrategyKind::Threads,
                        &devices,
                        &j,
                        &cfg(devices.len()),
                        &Quiet,
                    )
                    .unwrap()
                    .results
                })
            })
            .collect();
        pollers
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect()
    })
}

#[test]
fn vty_5_with_two_pollers_shows_vty_busy() {
    // NX-OS logs the sixth in and says its limit: the client tells vty_busy itself.
    let mut spec = FleetSpec::new(2, Profile::by_name("login=3s,vty=5").unwrap());
    spec.platforms = PlatformMix::parse("nxos").unwrap();
    spec.record = true;
    let f = Fleet::emulated(spec, "nxos").unwrap();
    let results = two_pollers(&f);
    let busy = kinds(&results);
    assert!(!busy.is_empty(), "no session was refused");
    assert!(
        busy.iter().all(|&k| k == "vty_busy"),
        "{:?}",
        results
            .iter()
            .filter_map(|r| r.error.as_ref())
            .collect::<Vec<_>>()
    );
    assert!(busy.len() <= 2, "at most one of six per device: {busy:?}");
    let records = f.take_records();
    let limits = fleetbench::external::devside::device_limits(&records);
    assert_eq!(limits.vty_busy, busy.len());

    // IOS takes the line at connect and resets the sixth before its banner: the client sees
    // a refusal, and the devices' record names it.
    let f = fleet(2, "login=3s,vty=5");
    let mut results = two_pollers(&f);
    let seen = kinds(&results)
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert!(!seen.is_empty(), "no session was refused");
    assert!(
        seen.iter().all(|k| k == "refused" || k == "disconnected"),
        "{seen:?}"
    );
    let records = f.take_records();
    fleetbench::external::devside::add_device_causes(&mut results, &records);
    assert!(
        kinds(&results).iter().all(|&k| k == "vty_busy"),
        "{:?}",
        kinds(&results)
    );
    assert_eq!(
        fleetbench::external::devside::device_limits(&records).vty_busy,
        seen.len()
    );
}

/// `block-for=3s/2/60s`: a wrong password (two rejected attempts: password, then
/// keyboard-interactive) starts quiet mode; a right one is refused until it ends.
#[test]
fn block_for_locks_the_device_and_unlocks_it() {
    let f = fleet(1, "instant,block-for=3s/2/60s");
    let j = job(&f);
    let mut wrong = f.devices.clone();
    wrong[0].password = Some(Secret::new("not-the-password"));
    let poll = |devices: &[Device]| {
        let mut out = strategy::run(StrategyKind::Sequential, devices, &j, &cfg(1), &Quiet)
            .unwrap()
            .results;
        fleetbench::external::devside::add_device_causes(&mut out, &f.take_records());
        out.remove(0)
    };
    let r = poll(&wrong);
    assert_eq!(r.error.unwrap().kind, "auth_rejected");
    let r = poll(&f.devices);
    let e = r.error.expect("quiet mode refuses the right password too");
    assert_eq!(e.kind, "login_blocked");
    // Reset before the banner: seen at connect or at the first read.
    assert!(
        matches!(e.client_kind.as_deref(), Some("refused" | "disconnected")),
        "{e:?}"
    );
    // Quiet mode ends 3 s after it began.
    std::thread::sleep(Duration::from_millis(3300));
    let r = poll(&f.devices);
    assert!(r.ok, "{:?}", r.error);
}

/// The same overload three ways: as is, with retries, and under a connect rate below the
/// AAA's capacity. Both answers fail fewer devices; the rate, none or nearly. The client is
/// told the devices' AAA timeout, so it knows an AAA timeout when it sees one, and retries it.
#[test]
fn retries_and_connect_rate_reduce_the_failures_of_the_same_overload() {
    // 2 at 100 ms: 20 logins a second; devices wait 1 s, so about 18 may wait at once.
    let profile = "instant,aaa=2@100ms,aaa-timeout=1s";
    let failed = |run: RunConfig| {
        let f = fleet(40, profile);
        let mut j = job(&f);
        j.aaa_timeout = Some(Duration::from_secs(1));
        let s = compare(&f, &j, &[StrategyKind::Async], run).remove(0);
        assert!(
            kinds(&s.devices).iter().all(|&k| k == "aaa_timeout"),
            "{:?}",
            kinds(&s.devices)
        );
        s.failed()
    };
    let plain = failed(cfg(40));
    assert!(plain >= 10, "the overload failed only {plain} of 40");
    let retried = failed(RunConfig {
        retry: RetryPolicy {
            retries: 6,
            seed: 3,
        },
        ..cfg(40)
    });
    let paced = failed(RunConfig {
        connect_rate: Some(10.0),
        ..cfg(40)
    });
    assert!(retried * 2 <= plain, "retries: {retried} of {plain}");
    assert!(paced * 4 <= plain, "connect rate: {paced} of {plain}");
}

/// Issue 27: under a low hard limit, a run that needs more open files than it may have is
/// refused before any session, with the fix.
#[test]
fn the_descriptor_preflight_refuses_under_a_low_hard_limit() {
    let mut cmd = bin();
    cmd.args([
        "compare",
        "--emulate",
        "300",
        "--profile",
        "instant",
        "--strategies",
        "threads",
        "--runs",
        "1",
    ]);
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 256,
                rlim_max: 256,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = run_bounded(&mut cmd, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("300 workers (threads) and the in-process emulator's 300 devices need about 1264 open files"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hard limit 256"), "{}", out.stderr);
    assert!(out.stderr.contains("fewer devices"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "no run: {}", out.stdout);
}

/// `fault=fail:50%` drops half the connections right after accept (a reset before the
/// banner, `disconnected` in the handshake): with retries every device of every strategy
/// gets through, worker processes included (their parent retries).
#[test]
fn retries_cure_dropped_connections_under_every_strategy() {
    let f = fleet(8, "instant,fault=fail:50%");
    let j = job(&f);
    let run = RunConfig {
        retry: RetryPolicy {
            retries: 12,
            seed: 2,
        },
        ..cfg(8)
    };
    for s in compare(&f, &j, &StrategyKind::ALL, run) {
        assert_eq!(s.ok(), 8, "{}: {:?}", s.strategy, kinds(&s.devices));
        let retried: Vec<&DeviceResult> = s.devices.iter().filter(|d| d.attempts > 1).collect();
        assert!(
            !retried.is_empty(),
            "{}: half the connections drop",
            s.strategy
        );
        for d in retried {
            assert_eq!(d.retried.len() as u32, d.attempts - 1);
            assert!(
                d.retried.iter().all(|e| e.kind == "disconnected"),
                "{:?}",
                d.retried
            );
        }
    }
}

/// `--connect-rate 20/s`: every strategy's sessions start at least 50 ms apart, worker
/// processes' too (their parent releases them).
#[test]
fn the_connect_rate_spaces_the_sessions_of_every_strategy() {
    let f = fleet(6, "instant");
    let j = job(&f);
    let interval = 1.0 / 20.0;
    for kind in StrategyKind::ALL {
        let run = RunConfig {
            connect_rate: Some(20.0),
            ..cfg(6)
        };
        // Causality, not speed: the i-th session cannot start before its slot, i intervals
        // after the first request, which is after this clock read. Load only makes starts
        // later, so this holds on any machine; a strategy that skipped the pacer would start
        // its sessions at once and fail it.
        let before = fleetbench_report::unix_now();
        let s = compare(&f, &j, &[kind], run).remove(0);
        assert_eq!(s.ok(), 6, "{}", s.strategy);
        let mut starts: Vec<f64> = s.devices.iter().map(|d| d.started_unix).collect();
        starts.sort_by(f64::total_cmp);
        for (i, t) in starts.iter().enumerate() {
            // A millisecond for the two clocks' rounding.
            assert!(
                t - before >= i as f64 * interval - 0.001,
                "{}: session {i} started {:.3} s after the run began: {starts:?}",
                s.strategy,
                t - before
            );
        }
    }
}

/// The client's limit flags on the command line: values checked (exit 2), and a run that
/// uses them all.
#[test]
fn the_client_limit_flags_parse_and_apply() {
    for bad in [
        ["--retries", "-1"],
        ["--retries", "21"],
        ["--connect-rate", "0"],
        ["--connect-rate", "fast"],
        ["--aaa-timeout", "0"],
    ] {
        let out = run_bounded(
            bin().args(["compare", "--emulate", "1"]).args(bad),
            Duration::from_secs(60),
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", out.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = run_bounded(
        bin()
            .args([
                "run",
                "--strategy",
                "threads",
                "--emulate",
                "4",
                "--profile",
                "instant,aaa=2@10ms,vty=2",
                "--retries",
                "2",
                "--connect-rate",
                "50/s",
                "--aaa-timeout",
                "0.5",
                "--json",
            ])
            .arg(&json),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let report = crate::cli::report(&json);
    let limits = &report["strategies"][0]["device_limits"];
    assert_eq!(limits["aaa_answered"], 4, "{limits}");
    assert_eq!(limits["sessions"], 4);
}
