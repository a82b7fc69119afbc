//! The JSON report (`--json`), schema `fleetbench.report/1` (../shared/CONTRACT.md). Every
//! field in the contract always exists; the rest are additions a reader may rely on from
//! this version on.

use crate::measure::Cpu;
use crate::result::DeviceResult;
use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
}

/// All runs of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyReport {
    pub strategy: StrategyKind,
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
    /// The CPU bound: slowest device latency + N x (CPU per session) / cores.
    pub cpu_bound_s: f64,
    /// cpu_bound_s / median wall.
    pub cpu_bound: f64,
}

impl StrategyReport {
    pub fn ok(&self) -> usize {
        self.devices.iter().filter(|d| d.ok).count()
    }
    pub fn failed(&self) -> usize {
        self.devices.len() - self.ok()
    }
}

impl Report {
    /// Fills `speedup` of every strategy from the sequential median, if sequential ran.
    pub fn compute_speedups(&mut self) {
        let seq = self
            .strategies
            .iter()
            .find(|s| s.strategy == StrategyKind::Sequential)
            .map(|s| s.wall_s.median);
        for s in &mut self.strategies {
            s.speedup = seq
                .filter(|_| s.wall_s.median > 0.0)
                .map(|q| q / s.wall_s.median);
        }
    }

    pub fn failed_devices(&self) -> usize {
        self.strategies.iter().map(StrategyReport::failed).sum()
    }
}

/// Writes `value` as pretty JSON to `path`, atomically: a reader never sees half a report.
pub fn write_json<T: Serialize>(path: &std::path::Path, value: &T) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    crate::atomic::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
