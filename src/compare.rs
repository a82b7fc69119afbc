//! Runs strategies side by side, with warm-up and repeated runs, and renders the table.

use crate::device::Device;
use crate::job::Job;
use crate::measure::{Cpu, cpu_now};
use crate::report::{Report, RunSummary, Spread, StrategyReport};
use crate::strategy::{self, RunConfig, Sink, StrategyError, StrategyKind};
use std::fmt::Write as _;
use std::time::Duration;

/// What `compare` runs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub strategies: Vec<StrategyKind>,
    /// Measured runs per strategy.
    pub runs: usize,
    /// Unmeasured runs before them.
    pub warmup: usize,
    pub run: RunConfig,
}

/// Runs one strategy `warmup + runs` times and summarises the measured runs.
/// `server_cpu` reports the CPU used so far by an in-process emulator (zero otherwise), so
/// client CPU can be told apart from the emulator's in the same process.
pub fn measure(
    kind: StrategyKind,
    devices: &[Device],
    job: &Job,
    opts: &CompareOptions,
    server_cpu: &dyn Fn() -> Duration,
    sink: Sink<'_>,
) -> Result<StrategyReport, StrategyError> {
    let quiet = |_: strategy::Event<'_>| {};
    for _ in 0..opts.warmup {
        if strategy::is_interrupted() {
            break;
        }
        strategy::run(kind, devices, job, &opts.run, &quiet)?;
    }
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..opts.runs.max(1) {
        let (cpu0, srv0) = (cpu_now(), server_cpu());
        let out = strategy::run(kind, devices, job, &opts.run, sink)?;
        let server = server_cpu().saturating_sub(srv0).as_secs_f64();
        let all = cpu_now().minus(&cpu0);
        // The emulator's threads are in this process: their CPU is not the client's. It is
        // taken from user time first (the emulator is almost all user time in crypto).
        let user = all.user_s - server.min(all.user_s);
        let sys = all.sys_s - (server - server.min(all.user_s)).min(all.sys_s);
        runs.push(RunSummary {
            wall_s: out.wall.as_secs_f64(),
            ok: out.ok(),
            failed: out.failed(),
            startup_s: out.startup.as_secs_f64(),
            cpu: Cpu {
                user_s: user,
                sys_s: sys,
            },
            server_cpu_s: server,
        });
        last = Some(out);
        // Ctrl-C: the run just finished is the partial one (in-flight devices done, the rest
        // `interrupted`); another run would only replace it with an all-interrupted one.
        if strategy::is_interrupted() {
            break;
        }
    }
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let cpus: Vec<f64> = runs.iter().map(|r| r.cpu.total_s()).collect();
    let (workers, devices_out, threads, processes) = match last {
        Some(o) => (o.workers, o.results, o.threads, o.processes),
        None => (0, Vec::new(), 0, 0),
    };
    Ok(StrategyReport {
        strategy: kind,
        workers,
        wall_s: Spread::of(&walls),
        runs,
        devices: devices_out,
        speedup: None,
        cpu_s: Spread::of(&cpus),
        threads,
        processes,
        latency_s: Default::default(),
        histograms: Default::default(),
        peak_rss_bytes: 0,
        peak_rss_children_bytes: 0,
        cpu_per_device_s: 0.0,
        efficiency: None,
    })
}

fn fmt_secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1000.0)
    }
}

/// The table a person reads at a glance.
pub fn render_table(report: &Report) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<11} {:>7} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6} {:>10} {:>10}",
        "strategy",
        "workers",
        "wall min",
        "median",
        "max",
        "speedup",
        "ok",
        "failed",
        "client cpu",
        "startup"
    );
    for s in &report.strategies {
        let startup = s.runs.iter().map(|r| r.startup_s).fold(0.0, f64::max);
        let _ = writeln!(
            t,
            "{:<11} {:>7} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6} {:>10} {:>10}",
            s.strategy.name(),
            s.workers,
            fmt_secs(s.wall_s.min),
            fmt_secs(s.wall_s.median),
            fmt_secs(s.wall_s.max),
            s.speedup.map_or("-".to_string(), |x| format!("{x:.2}x")),
            s.ok(),
            s.failed(),
            fmt_secs(s.cpu_s.median),
            fmt_secs(startup),
        );
    }
    t
}
