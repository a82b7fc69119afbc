//! One home per number: every figure derived from measurements (the ideal schedule, CPU per
//! device, failures, the lower bound, speed-ups and efficiencies) is defined here once, and
//! the tables, the sweep CSV and markdown, the plots, the gate ([`crate::metrics`]) and the
//! exporters read it from here. Formatting them for people is the application's
//! presentation layer's job.

use crate::floor::FloorMultiple;
use crate::report::{Efficiency, Report, RunSummary, StrategyReport};
use crate::result::DeviceResult;
use crate::spread::Spread;

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

/// Client CPU per device over the client's floor on this machine (`machine.floor`): how many
/// times its unavoidable work each session costs. `None` without a floor, and for external
/// pollers (the floor is measured with fleetbench's own libraries).
pub fn client_floor_multiple(report: &Report, s: &StrategyReport) -> Option<f64> {
    if s.external.is_some() {
        return None;
    }
    let floor = report.machine.floor.as_ref()?.client_s()?;
    Some(client_cpu_per_device(s)? / floor)
}

/// The emulator's CPU per device over the emulator's floor, only when the run knows the
/// emulator's CPU: an in-process emulated fleet (a real fleet's, or a separate emulator
/// process's, is not this process's to read, and reads as 0).
pub fn emulator_floor_multiple(report: &Report, s: &StrategyReport) -> Option<f64> {
    if s.external.is_some() || !report.fleet.emulated {
        return None;
    }
    let floor = report.machine.floor.as_ref()?.emulator_s()?;
    let cpu = server_cpu_per_device(s).filter(|c| *c > 0.0)?;
    Some(cpu / floor)
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
///
/// Only the runs of built-in strategies that polled ([`crate::outcome::polled`]) count: a
/// run in which every device failed at once (a closed port) or an external poller that
/// never polled (`sleep 0.3`) spent almost no CPU on no session, and would drag the bound
/// towards zero for every row; an external poller's CPU leaves out the emulator's share,
/// which would understate the CPU term the same way.
pub fn lower_bound(report: &Report) -> Option<f64> {
    let (latency, cpu) = bound_terms(report)?;
    Some(latency.max(cpu))
}

/// The two terms of [`lower_bound`]: (the lowest slowest-session, the least CPU / cores).
/// The larger one is the bound; when it is the CPU term, the fleet's speed is the machine's.
pub fn bound_terms(report: &Report) -> Option<(f64, f64)> {
    let runs = || {
        report
            .strategies
            .iter()
            .filter(|s| s.strategy.kind().is_some() && crate::outcome::polled(s))
            .flat_map(|s| &s.runs)
    };
    let latency = runs().map(|r| r.slowest_s).reduce(f64::min)?;
    let cpu = runs()
        .map(|r| r.cpu.total_s() + r.server_cpu_s)
        .reduce(f64::min)?;
    let cores = report.machine.cores.max(1) as f64;
    Some((latency, cpu / cores))
}

/// The efficiencies, derived here, stored in the report so every reader sees the same ones
/// (the speed-ups and the verdict: [`crate::answer`]).
impl Report {
    /// Fills `floor_multiple` of every strategy from the machine's floor
    /// ([`client_floor_multiple`], [`emulator_floor_multiple`]).
    pub fn compute_floor_multiples(&mut self) {
        let multiples: Vec<Option<FloorMultiple>> = self
            .strategies
            .iter()
            .map(|s| {
                Some(FloorMultiple {
                    client: client_floor_multiple(self, s)?,
                    emulator: emulator_floor_multiple(self, s),
                })
            })
            .collect();
        for (s, m) in self.strategies.iter_mut().zip(multiples) {
            s.floor_multiple = m;
        }
    }

    /// Fills `efficiency` of every row that polled: its median wall time against the ideal
    /// schedule of its own sessions, and against the report's lower bound ([`lower_bound`]).
    /// Rows whose runs failed get none (and move nobody's: the bound ignores them).
    pub fn compute_efficiency(&mut self) {
        let Some(bound) = lower_bound(self) else {
            return;
        };
        for s in &mut self.strategies {
            let wall = s.wall_s.median;
            if wall <= 0.0 || !crate::outcome::polled(s) {
                s.efficiency = None;
                continue;
            }
            let ideal_s = Spread::of_runs(s, |r| r.ideal_s).median;
            s.efficiency = Some(Efficiency {
                ideal_s,
                ideal: ideal_s / wall,
                cpu_bound_s: bound,
                cpu_bound: bound / wall,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::StrategyKind;
    use crate::testing::{self, report};

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

    #[test]
    fn the_floor_multiples_divide_cpu_per_device_by_each_sides_floor() {
        use crate::floor::{ClientCrypto, EmulatorCrypto, Exchange, Floor};
        let at = |median| Spread {
            min: median,
            median,
            max: median,
        };
        let mut r = report(vec![strategy(StrategyKind::Async, &[1.0], 0.0, 0.1)]);
        for run in &mut r.strategies[0].runs {
            (run.ok, run.failed) = (10, 0);
            run.cpu.user_s = 0.01; // 1 ms per device
            run.server_cpu_s = 0.005; // 0.5 ms per device
        }
        r.compute_speedups();
        assert_eq!(
            r.strategies[0].floor_multiple, None,
            "no floor, no multiple"
        );
        r.machine.floor = Some(Floor {
            iterations: 1,
            rounds: 1,
            client_crypto: Some(ClientCrypto {
                x25519_keypair: at(100e-6),
                x25519_agreement: at(100e-6),
                ed25519_verify: at(200e-6),
                ..ClientCrypto::default()
            }),
            emulator_crypto: Some(EmulatorCrypto {
                x25519_keypair: at(50e-6),
                x25519_agreement: at(50e-6),
                ed25519_sign: at(50e-6),
                ..EmulatorCrypto::default()
            }),
            exchange: Some(Exchange {
                client: at(100e-6),
                emulator: at(100e-6),
                ..Exchange::default()
            }),
        });
        r.compute_speedups();
        let m = r.strategies[0].floor_multiple.unwrap();
        assert!((m.client - 2.0).abs() < 1e-9, "{m:?}");
        assert!((m.emulator.unwrap() - 2.0).abs() < 1e-9, "{m:?}");
        // A real fleet: the emulator's CPU is not this run's to know.
        r.fleet.emulated = false;
        r.compute_speedups();
        assert_eq!(r.strategies[0].floor_multiple.unwrap().emulator, None);
    }

    /// `testing::strat` with each run's client and emulator CPU, slowest session and an
    /// ideal schedule of half its wall time.
    fn strategy(kind: StrategyKind, walls: &[f64], cpu_s: f64, slowest_s: f64) -> StrategyReport {
        let mut s = testing::strat(kind, walls);
        for run in &mut s.runs {
            run.cpu.user_s = cpu_s;
            run.server_cpu_s = cpu_s;
            run.ideal_s = run.wall_s / 2.0;
            run.slowest_s = slowest_s;
        }
        s
    }

    #[test]
    fn efficiency_is_against_the_ideal_schedule_and_the_reports_lower_bound() {
        // Sequential: 0.1 s client + 0.1 s emulator CPU per run, slowest session 0.05 s;
        // threads used more CPU (5 + 5 s) but its slowest session waited (0.2 s). The bound
        // takes the least of each over all runs: max(0.05, 0.2 / 2 cores) = 0.1 s.
        let mut r = report(vec![
            strategy(StrategyKind::Sequential, &[1.0, 1.0, 1.0], 0.1, 0.05),
            strategy(StrategyKind::Threads, &[0.2, 0.25, 0.3], 5.0, 0.2),
        ]);
        r.compute_speedups();
        let t = r.strategies[1].efficiency.unwrap();
        assert!((t.cpu_bound_s - 0.1).abs() < 1e-9, "{t:?}");
        assert!((t.cpu_bound - 0.1 / 0.25).abs() < 1e-9, "{t:?}");
        assert!((t.ideal_s - 0.125).abs() < 1e-9, "{t:?}");
        assert!((t.ideal - 0.5).abs() < 1e-9, "{t:?}");
        assert!((r.strategies[1].speedup.unwrap() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_report_of_one_strategy_is_bounded_by_its_own_runs() {
        // 5 s + 5 s of CPU on 2 cores, and a slowest device of 9 s: the larger term.
        let mut r = report(vec![strategy(StrategyKind::Threads, &[10.0], 5.0, 9.0)]);
        r.compute_efficiency();
        let t = r.strategies[0].efficiency.unwrap();
        assert!((t.cpu_bound_s - 9.0).abs() < 1e-9, "{t:?}");
        assert!(t.cpu_bound <= 1.0);
    }
}
