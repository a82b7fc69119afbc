//! One home per number: every figure derived from measurements (spreads, the ideal schedule,
//! CPU per device, failures, the lower bound) is defined here once, and the table, the sweep
//! CSV and markdown, the plots, the gate ([`crate::metrics`]) and the exporters read it from
//! here. Formatting for people is [`crate::human`]'s.

use crate::report::{Report, RunSummary, StrategyReport};
use crate::result::DeviceResult;
use serde::{Deserialize, Serialize};

/// Min, median and max of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(samples: &[f64]) -> Spread {
        if samples.is_empty() {
            return Spread::default();
        }
        let mut v = samples.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            min: v[0],
            median,
            max: v[n - 1],
        }
    }

    /// The spread of `f` over a strategy's measured runs.
    pub fn of_runs(s: &StrategyReport, f: impl Fn(&RunSummary) -> f64) -> Spread {
        Spread::of(&s.runs.iter().map(f).collect::<Vec<_>>())
    }
}

/// The slowest device's session time.
pub fn slowest(results: &[DeviceResult]) -> f64 {
    results
        .iter()
        .map(DeviceResult::total_secs)
        .fold(0.0, f64::max)
}

/// The ideal schedule's length with `workers` workers and these session times: no worker
/// idles and no device waits, so it is the longer of the slowest device and an even share
/// of the total device time. A run on `workers` workers cannot beat it.
pub fn ideal_schedule(results: &[DeviceResult], workers: usize) -> f64 {
    let sum: f64 = results.iter().map(DeviceResult::total_secs).sum();
    slowest(results).max(sum / workers.max(1) as f64)
}

/// Median over the runs of `f(run)` divided by that run's devices (ok + failed): the one
/// definition of "per device". `None` without a run that polled a device.
pub fn per_device(s: &StrategyReport, f: impl Fn(&RunSummary) -> f64) -> Option<f64> {
    let per_run: Vec<f64> = s
        .runs
        .iter()
        .filter(|r| r.ok + r.failed > 0)
        .map(|r| f(r) / (r.ok + r.failed) as f64)
        .collect();
    (!per_run.is_empty()).then(|| Spread::of(&per_run).median)
}

/// Client CPU per device (this process and its workers, the in-process emulator excluded).
pub fn client_cpu_per_device(s: &StrategyReport) -> Option<f64> {
    per_device(s, |r| r.cpu.total_s())
}

/// The in-process emulator's CPU per device (0 for real fleets).
pub fn server_cpu_per_device(s: &StrategyReport) -> Option<f64> {
    per_device(s, |r| r.server_cpu_s)
}

/// Failed devices over every measured run (the gate's count; `StrategyReport::failed` is
/// the last run's).
pub fn failed_in_runs(s: &StrategyReport) -> usize {
    s.runs.iter().map(|r| r.failed).sum()
}

/// The longest pool start-up of a strategy's runs.
pub fn startup_max(s: &StrategyReport) -> f64 {
    s.runs.iter().map(|r| r.startup_s).fold(0.0, f64::max)
}

/// Mebibytes.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The lower bound no run of any strategy over this fleet can beat, in seconds:
/// max(the lowest slowest-session of any measured run, the least CPU (client + in-process
/// emulator) any measured run needed / cores).
///
/// Each run's wall time is at least its own slowest session and at least its CPU divided by
/// the cores it had, and each of those is at least the lowest one measured, so no measured
/// run is below either term. Taking sequential's figures instead (the first version) was not
/// a bound: concurrent runs spend less CPU per session than sequential (fewer wake-ups per
/// byte), and at 1000 devices threads and async "beat" it by 33%-90%.
pub fn lower_bound(report: &Report) -> Option<f64> {
    let runs = || report.strategies.iter().flat_map(|s| &s.runs);
    let latency = runs().map(|r| r.slowest_s).reduce(f64::min)?;
    let cpu = runs()
        .map(|r| r.cpu.total_s() + r.server_cpu_s)
        .reduce(f64::min)?;
    let cores = report.machine.cores.max(1) as f64;
    Some(latency.max(cpu / cores))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::StrategyKind;
    use crate::testing;

    #[test]
    fn spread_of_odd_even_and_empty() {
        assert_eq!(
            Spread::of(&[3.0, 1.0, 2.0]),
            Spread {
                min: 1.0,
                median: 2.0,
                max: 3.0
            }
        );
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]).median, 2.5);
        assert_eq!(Spread::of(&[]), Spread::default());
    }

    /// The case the old bound got wrong: threads spent less CPU per session than sequential.
    /// Whatever the figures, no measured run of any strategy may be below the bound.
    #[test]
    fn no_measured_run_beats_the_lower_bound() {
        let mut seq = testing::strat(StrategyKind::Sequential, &[4.0, 4.2]);
        let mut thr = testing::strat(StrategyKind::Threads, &[1.2, 1.3, 1.4]);
        for (r, cpu, slowest) in [(&mut seq, 2.4, 0.05), (&mut thr, 1.6, 0.3)] {
            for run in &mut r.runs {
                run.cpu.user_s = cpu;
                run.cpu.sys_s = 0.0;
                run.server_cpu_s = 0.6;
                run.slowest_s = slowest;
            }
        }
        let mut report = testing::report(vec![seq, thr]);
        report.machine.cores = 2;
        let bound = lower_bound(&report).unwrap();
        // Least CPU: threads' 1.6 + 0.6 = 2.2 s on 2 cores. Sequential's 3.0 s would have
        // said 1.5 s, and threads' runs (1.2-1.4 s) would have "beaten" it.
        assert!((bound - 1.1).abs() < 1e-9, "{bound}");
        assert_eq!(bound_beaten_by(&report, bound), Vec::<f64>::new());
        report.compute_speedups();
        for s in &report.strategies {
            let e = s.efficiency.unwrap();
            assert!((e.cpu_bound_s - bound).abs() < 1e-9);
            assert!(e.cpu_bound <= 1.0 + 1e-9, "{:?}: {e:?}", s.strategy);
        }
    }

    /// Every run's wall below `bound`.
    pub fn bound_beaten_by(report: &Report, bound: f64) -> Vec<f64> {
        report
            .strategies
            .iter()
            .flat_map(|s| &s.runs)
            .map(|r| r.wall_s)
            .filter(|w| *w < bound)
            .collect()
    }

    #[test]
    fn per_device_figures_share_one_definition() {
        let mut s = testing::strat(StrategyKind::Async, &[1.0, 2.0, 3.0]);
        for (i, r) in s.runs.iter_mut().enumerate() {
            r.cpu.user_s = i as f64;
            r.server_cpu_s = 2.0 * i as f64;
            (r.ok, r.failed) = (4 - i, i);
        }
        let n = 4.0;
        assert_eq!(client_cpu_per_device(&s), Some(1.0 / n));
        assert_eq!(server_cpu_per_device(&s), Some(2.0 / n));
        assert_eq!(failed_in_runs(&s), 3);
        assert_eq!(mib(3 * 1024 * 1024), 3.0);
    }
}
