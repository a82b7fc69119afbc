//! Constructed reports for unit tests (no timing, no I/O).

#![allow(dead_code)]

use crate::measure::Cpu;
use crate::report::{FleetInfo, MachineInfo, Report, RunSummary, SCHEMA, Spread, StrategyReport};
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
        started_unix: 0.0,
    }
}

/// A strategy with the given per-run wall times (CPU 20 ms per run, no failure).
pub fn strat(kind: StrategyKind, walls: &[f64]) -> StrategyReport {
    let runs: Vec<RunSummary> = walls.iter().map(|w| run(*w, 0.020, 0)).collect();
    StrategyReport {
        strategy: kind,
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
        },
        strategies,
        network: None,
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
