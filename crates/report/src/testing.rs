//! Constructed reports for tests (no timing, no I/O): this crate's unit tests, and other
//! crates' tests through the `testing` feature (a dev-dependency only).

// Every builder panics on a broken invariant of its own making: test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::error::Phase;
use crate::report::{Cpu, FleetInfo, MachineInfo, Report, RunSummary, SCHEMA, StrategyReport};
use crate::result::{DeviceResult, ErrorInfo, PhaseTime};
use crate::spread::Spread;
use crate::strategy::StrategyKind;

pub fn run(wall_s: f64, cpu_s: f64, failed: usize) -> RunSummary {
    RunSummary {
        wall_s,
        ok: 20 - failed,
        failed,
        startup_s: 0.0,
        cpu: Cpu {
            user_s: cpu_s,
            sys_s: 0.0,
        },
        server_cpu_s: 0.0,
        ideal_s: 0.0,
        slowest_s: 0.0,
        p99_s: 0.0,
        started_unix: 0.0,
        ended_unix: 0.0,
        peak_rss_bytes: None,
    }
}

/// A strategy with the given per-run wall times (CPU 20 ms per run, no failure).
pub fn strat(kind: StrategyKind, walls: &[f64]) -> StrategyReport {
    let runs: Vec<RunSummary> = walls.iter().map(|w| run(*w, 0.020, 0)).collect();
    StrategyReport {
        strategy: kind.into(),
        workers: if kind == StrategyKind::Sequential {
            1
        } else {
            20
        },
        wall_s: Spread::of(walls),
        cpu_s: Spread::of(&runs.iter().map(|r| r.cpu.total_s()).collect::<Vec<_>>()),
        runs,
        devices: Vec::new(),
        speedup: None,
        threads: 1,
        processes: 0,
        latency_s: Default::default(),
        histograms: Default::default(),
        peak_rss_bytes: 0,
        peak_rss_children_bytes: 0,
        cpu_per_device_s: 0.0,
        efficiency: None,
        floor_multiple: None,
        external: None,
        device_view: None,
        bastion: None,
        device_limits: None,
    }
}

pub fn report(strategies: Vec<StrategyReport>) -> Report {
    let mut r = Report {
        schema: SCHEMA.to_string(),
        fleetbench_version: "0.1.0".to_string(),
        created_unix: 1_700_000_000.0,
        commands: vec!["show clock".to_string()],
        fleet: FleetInfo {
            devices: 20,
            emulated: true,
            profile: Some("lan".to_string()),
            inventory: None,
        },
        machine: MachineInfo {
            hostname: "ci".to_string(),
            cores: 2,
            os: "linux".to_string(),
            arch: "x86_64".to_string(),
            floor: None,
        },
        strategies,
        network: None,
        shard: None,
        merged: None,
        bastion: None,
        verdict: None,
        steady: None,
        interrupted: false,
        tune: None,
    };
    r.compute_speedups();
    r
}

/// Sequential around 3 s and threads around 165 ms, each wall scaled by `k`.
pub fn pair(k: f64) -> Report {
    report(vec![
        strat(
            StrategyKind::Sequential,
            &[3.08 * k, 3.09 * k, 3.10 * k, 3.09 * k, 3.11 * k],
        ),
        strat(
            StrategyKind::Threads,
            &[0.164 * k, 0.165 * k, 0.166 * k, 0.165 * k, 0.167 * k],
        ),
    ])
}

/// One device's result: a session of `total_s` starting `start_s` after `t0`, split into
/// the classic phases; `error` makes it a failure of that kind.
pub fn device(i: usize, t0: f64, start_s: f64, total_s: f64, error: Option<&str>) -> DeviceResult {
    let phases = [
        (Phase::Connect, 0.02),
        (Phase::Handshake, 0.18),
        (Phase::Auth, 0.30),
        (Phase::Shell, 0.05),
        (Phase::Prompt, 0.25),
        (Phase::Enable, 0.10),
        (Phase::Command, 0.08),
        (Phase::Close, 0.02),
    ];
    let mut at = 0.0;
    let phases = phases
        .iter()
        .map(|(p, share)| {
            let secs = total_s * share;
            let pt = PhaseTime {
                phase: *p,
                index: (*p == Phase::Command).then_some(0),
                start_s: at,
                secs,
            };
            at += secs;
            pt
        })
        .collect();
    DeviceResult {
        name: format!("R{}", i + 1),
        host: "127.0.0.1".into(),
        port: 10001 + i as u16,
        ok: error.is_none(),
        outputs: if error.is_none() {
            vec![crate::result::CommandOutput {
                command: "show clock".into(),
                output: "*08:36:01.242 UTC Fri Jul 26 2019".into(),
            }]
        } else {
            Vec::new()
        },
        error: error.map(|kind| ErrorInfo {
            kind: kind.to_string(),
            message: format!("{kind} on R{}", i + 1),
            phase: Some(Phase::Auth),
            client_kind: None,
        }),
        started_unix: t0 + start_s,
        ended_unix: t0 + start_s + total_s,
        phases,
        host_key: None,
        new_host_key: None,
        worker: "thread main".into(),
        tcp: None,
        attempts: 1,
        retried: Vec::new(),
    }
}

/// Every strategy over `n` classic-like devices (sessions of about 1.9 s, the last device
/// failing with `timeout` when `n > 2`), with latencies, timelines and a pool start-up, so
/// tables, plots and pages have everything to draw. Times are awkward on purpose (0.6, 1.7,
/// 1.8 s tick steps).
pub fn full_report(n: usize) -> Report {
    let t0 = 1_700_000_000.0;
    let strategies = StrategyKind::ALL
        .into_iter()
        .map(|kind| {
            let seq = kind == StrategyKind::Sequential;
            let session = 1.9;
            let startup = if kind == StrategyKind::Processes {
                0.07
            } else {
                0.0
            };
            let devices: Vec<DeviceResult> = (0..n)
                .map(|i| {
                    let start = if seq {
                        i as f64 * session
                    } else {
                        startup + 0.01 * i as f64
                    };
                    let err = (n > 2 && i == n - 1).then_some("timeout");
                    device(i, t0, start, session + 0.003 * i as f64, err)
                })
                .collect();
            let wall = if seq {
                session * n as f64
            } else {
                session + startup + 0.02
            };
            let mut s = strat(kind, &[wall * 0.99, wall, wall * 1.01]);
            s.workers = if seq { 1 } else { n };
            for r in &mut s.runs {
                r.started_unix = t0;
                r.startup_s = startup;
                r.ok = devices.iter().filter(|d| d.ok).count();
                r.failed = n - r.ok;
                r.ideal_s = crate::stats::ideal_schedule(&devices, s.workers);
                r.slowest_s = crate::stats::slowest(&devices);
            }
            let mut h = crate::histo::LatencyHistograms::new();
            for d in &devices {
                h.record(d).unwrap();
            }
            s.latency_s = h.percentiles();
            s.histograms = h.encode().unwrap();
            s.devices = devices;
            s
        })
        .collect();
    let mut r = report(strategies);
    r.fleet.devices = n;
    r.fleet.profile = Some("classic".into());
    r.compute_speedups();
    r
}
