//! The JSON report (`--json`), schema `fleetbench.report/1` (docs/contract.md). Every
//! field in the contract always exists; the rest are additions a reader may rely on from
//! this version on.

pub use crate::external::{ExternalInfo, StrategyId};
use crate::measure::Cpu;
use crate::result::DeviceResult;
use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::stats::Spread;

pub const SCHEMA: &str = "fleetbench.report/1";

/// A whole report: one entry per strategy that ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub fleetbench_version: String,
    /// Unix time the report was written.
    pub created_unix: f64,
    pub commands: Vec<String>,
    pub fleet: FleetInfo,
    pub machine: MachineInfo,
    pub strategies: Vec<StrategyReport>,
    /// `--network`: the emulated link and what each strategy's sessions did over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::netem::NetworkReport>,
    /// Set when this run polled one shard of a larger fleet (`--shard`, or a job engine's
    /// index): which shard, where the index came from, and where its devices sit in the fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardInfo>,
    /// Set on a report made by `fleetbench merge` out of shard reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<crate::merge::MergeInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FleetInfo {
    pub devices: usize,
    pub emulated: bool,
    /// The emulator profile, for emulated fleets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The inventory file, for real fleets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<String>,
}

impl FleetInfo {
    /// Where the devices came from, for a person: `emulated, profile classic` or
    /// `inventory devices.yaml`.
    pub fn source(&self) -> String {
        match (&self.profile, &self.inventory) {
            (Some(p), _) => format!("emulated, profile {p}"),
            (None, Some(i)) => format!("inventory {i}"),
            _ if self.emulated => "emulated".to_string(),
            _ => "inventory".to_string(),
        }
    }
}

/// Where the numbers were measured, so they can be read later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineInfo {
    pub hostname: String,
    pub cores: usize,
    pub os: String,
    pub arch: String,
}

impl MachineInfo {
    pub fn current() -> Self {
        MachineInfo {
            hostname: hostname(),
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
        }
    }
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// One measured run of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    pub wall_s: f64,
    pub ok: usize,
    pub failed: usize,
    /// Pool start-up inside `wall_s` (process spawn, runtime build).
    pub startup_s: f64,
    /// Client CPU for the run: this process and its worker processes, minus what the
    /// in-process emulator's threads used.
    pub cpu: Cpu,
    /// CPU the in-process emulator used during the run (0 for real fleets).
    pub server_cpu_s: f64,
    /// The ideal schedule of this run's sessions on its workers:
    /// max(slowest device, sum of device times / workers).
    #[serde(default)]
    pub ideal_s: f64,
    /// The slowest device's session time in this run.
    #[serde(default)]
    pub slowest_s: f64,
    /// This run's 99th percentile of per-device session time (the strategy's
    /// `latency_s.total.p99` over this run alone). 0 when unknown: reports older than this
    /// field, and merged runs (percentiles of shards do not add up to the fleet's).
    #[serde(default)]
    pub p99_s: f64,
    /// Unix time the run started (before the pool's start-up): time zero of the timeline.
    #[serde(default)]
    pub started_unix: f64,
    /// Unix time the run ended (0 in reports older than this field: read
    /// [`RunSummary::ended`]).
    #[serde(default)]
    pub ended_unix: f64,
}

impl RunSummary {
    /// When the run ended: `ended_unix`, or start + wall time in older reports.
    pub fn ended(&self) -> f64 {
        if self.ended_unix > 0.0 {
            self.ended_unix
        } else {
            self.started_unix + self.wall_s
        }
    }
}

/// All runs of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyReport {
    /// A built-in strategy's name, or an external poller's NAME (then `external` is set).
    pub strategy: StrategyId,
    pub workers: usize,
    pub wall_s: Spread,
    /// Measured runs (warm-up runs are not included).
    pub runs: Vec<RunSummary>,
    /// Per-device results of the last measured run.
    pub devices: Vec<DeviceResult>,
    /// Median wall time of sequential divided by this strategy's, when sequential ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Client CPU per run, median.
    pub cpu_s: Spread,
    /// Threads that ran sessions, and worker processes started.
    pub threads: usize,
    pub processes: usize,
    /// Per-device latency percentiles, seconds, per phase (`connect`, `handshake`, `auth`,
    /// `shell`, `prompt`, `enable`, `command`, `close`) and `total`, over the measured runs.
    #[serde(default)]
    pub latency_s: BTreeMap<String, Percentiles>,
    /// The same latencies as HdrHistograms (microseconds), V2-serialized and base64-encoded,
    /// so reports can be merged and re-analysed later.
    #[serde(default)]
    pub histograms: BTreeMap<String, String>,
    /// Peak resident memory of this process during the strategy's runs, and of its largest
    /// worker process; bytes (0 when not measured).
    #[serde(default)]
    pub peak_rss_bytes: u64,
    #[serde(default)]
    pub peak_rss_children_bytes: u64,
    /// Median client CPU per run divided by the number of devices.
    #[serde(default)]
    pub cpu_per_device_s: f64,
    /// Wall time against the two lower bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<Efficiency>,
    /// Set on an external poller's row (`compare --external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalInfo>,
    /// The devices' view of the last run against the client's (`compare --device-view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_view: Option<crate::external::devside::Agreement>,
}

/// Latency percentiles, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub count: u64,
}

/// How close a strategy's median wall time came to what was possible.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Efficiency {
    /// The ideal schedule with W workers: max(slowest device, total device time / W).
    pub ideal_s: f64,
    /// ideal_s / median wall (1.0 = perfect).
    pub ideal: f64,
    /// The lower bound no run of any strategy in the report beats
    /// ([`crate::stats::lower_bound`]): max(the lowest slowest-session of any measured run,
    /// the least client + emulator CPU of any measured run / cores). The same for every
    /// strategy of a report. (Reports before 0.1.0's top-layer rework computed it from
    /// sequential's figures, which concurrent runs could beat: read old values as a model,
    /// not a bound.)
    pub cpu_bound_s: f64,
    /// cpu_bound_s / median wall.
    pub cpu_bound: f64,
}

impl StrategyReport {
    /// p99 of the whole-session latency, if any device succeeded.
    pub fn p99_total_s(&self) -> Option<f64> {
        self.latency_s.get(crate::histo::TOTAL).map(|p| p.p99)
    }

    pub fn ok(&self) -> usize {
        self.devices.iter().filter(|d| d.ok).count()
    }
    pub fn failed(&self) -> usize {
        self.devices.len() - self.ok()
    }
}

impl Report {
    /// An empty report of this fleet and these commands, stamped now on this machine: the
    /// one place a report is made.
    pub fn new(fleet: FleetInfo, commands: Vec<String>) -> Report {
        Report {
            schema: SCHEMA.to_string(),
            fleetbench_version: env!("CARGO_PKG_VERSION").to_string(),
            created_unix: crate::strategy::unix_now(),
            commands,
            fleet,
            machine: MachineInfo::current(),
            strategies: Vec::new(),
            network: None,
            shard: None,
            merged: None,
        }
    }

    /// Fills the fields that compare strategies: `speedup` of every strategy from the
    /// sequential median, if sequential ran, and `efficiency` ([`Report::compute_efficiency`]).
    pub fn compute_speedups(&mut self) {
        self.compute_efficiency();
        let seq = self
            .strategies
            .iter()
            .find(|s| s.strategy == StrategyKind::Sequential)
            .map(|s| s.wall_s.median);
        for s in &mut self.strategies {
            // An external poller whose every run failed as a whole (crashed, timed out) has
            // a wall time but nothing it was fast at.
            let failed_whole = s.external.as_ref().is_some_and(|e| {
                !e.run_errors.is_empty() && e.run_errors.iter().all(Option::is_some)
            });
            s.speedup = seq
                .filter(|_| s.wall_s.median > 0.0 && !failed_whole)
                .map(|q| q / s.wall_s.median);
        }
    }

    /// Fills `efficiency` of every strategy that has measured runs: its median wall time
    /// against the ideal schedule of its own sessions, and against the report's lower bound
    /// ([`crate::stats::lower_bound`]).
    pub fn compute_efficiency(&mut self) {
        let Some(bound) = crate::stats::lower_bound(self) else {
            return;
        };
        for s in &mut self.strategies {
            let wall = s.wall_s.median;
            if wall <= 0.0 || s.runs.is_empty() {
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

    pub fn failed_devices(&self) -> usize {
        self.strategies.iter().map(StrategyReport::failed).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, report};

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

    #[test]
    fn old_reports_still_read() {
        let dir = std::fs::read_dir("results/2026-11-22-vm").unwrap();
        let mut paths: Vec<_> = dir
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.push("results/baseline-ci.json".into());
        assert!(paths.len() > 1);
        for path in &paths {
            let bytes = std::fs::read(path).unwrap();
            let r: Report = serde_json::from_slice(&bytes).unwrap();
            assert!(!r.strategies.is_empty(), "{}", path.display());
        }
    }
}
