//! The JSON report (`--json`), schema `fleetbench.report/1` (`report.schema.json` beside this
//! crate's manifest). Every field of the contract always exists; the rest are additions a
//! reader may rely on from the version that added them on.

use crate::bastion::{BastionCounts, BastionInfo};
use crate::device_view::Agreement;
use crate::floor::{Floor, FloorMultiple};
use crate::limits::DeviceLimits;
use crate::merged::MergeInfo;
use crate::network::NetworkReport;
use crate::result::{DeviceResult, ErrorInfo};
use crate::shard::ShardInfo;
use crate::spread::{Percentiles, Spread};
use crate::strategy::StrategyId;
use crate::verdict::Verdict;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "fleetbench.report/1";

/// A whole report: one entry per strategy that ran.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
    pub network: Option<NetworkReport>,
    /// Set when this run polled one shard of a larger fleet (`--shard`, or a job engine's
    /// index): which shard, where the index came from, and where its devices sit in the fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// Set on a report made by `fleetbench merge` out of shard reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeInfo>,
    /// Set when the devices were reached through a jump host (`--bastion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bastion: Option<BastionInfo>,
    /// The answer of the comparison ([`crate::verdict`]): the fastest row and its speed-up
    /// over each other, the rows that cannot be compared, failures by kind, and where the
    /// machine shaped the figures. Filled by [`Report::compute_speedups`]; absent from
    /// reports written before it (read them with [`Verdict::of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Set on a `fleetbench poll` report: the steady-state schedule and one run per
    /// sessions mode (`strategies` is then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady: Option<crate::steady::SteadyReport>,
    /// True when a stop (Ctrl-C, SIGTERM) cut the run short: the report holds fewer runs or
    /// strategies than were asked for, the partial run last, even if every device it reached
    /// answered. Such a run exits with status 1.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Set by `fleetbench tune`: every measured point, the chosen worker counts and why
    /// (`strategies` then holds each strategy's last run at its chosen point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tune: Option<crate::tune::TuneInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MachineInfo {
    pub hostname: String,
    pub cores: usize,
    pub os: String,
    pub arch: String,
    /// The least CPU one session costs on this machine, per side, measured just before the
    /// fleet started ([`Floor`]); absent in older reports and when it could not be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Floor>,
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
            floor: None,
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

/// CPU time consumed (user and system), in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cpu {
    pub user_s: f64,
    pub sys_s: f64,
}

impl Cpu {
    pub fn total_s(&self) -> f64 {
        self.user_s + self.sys_s
    }
    pub fn minus(&self, earlier: &Cpu) -> Cpu {
        Cpu {
            user_s: (self.user_s - earlier.user_s).max(0.0),
            sys_s: (self.sys_s - earlier.sys_s).max(0.0),
        }
    }
}

/// Unix time now, in seconds (0 if the clock is before 1970).
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One measured run of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
    /// This run's peak resident memory, bytes: the client process's high-water mark over the
    /// run (reset before it), or an external poller's process tree's. Absent in reports
    /// older than this field; the gate then has no spread for peak RSS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StrategyReport {
    /// A built-in strategy's name, or an external poller's NAME (then `external` is set).
    pub strategy: StrategyId,
    pub workers: usize,
    pub wall_s: Spread,
    /// Measured runs (warm-up runs are not included).
    pub runs: Vec<RunSummary>,
    /// Per-device results of the last measured run.
    pub devices: Vec<DeviceResult>,
    /// Median wall time of sequential divided by this strategy's, when both polled
    /// ([`crate::outcome::comparability`]); absent for a row whose runs failed.
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
    /// CPU per device as a multiple of the machine's floor (`machine.floor`), per side;
    /// absent without a floor, and on external pollers' rows (the floor is fleetbench's own
    /// libraries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_multiple: Option<FloorMultiple>,
    /// Set on an external poller's row (`compare --external`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalInfo>,
    /// The devices' view of the last run against the client's (`compare --device-view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_view: Option<Agreement>,
    /// What the emulated bastion counted during this strategy's runs (`--bastion` on an
    /// emulated fleet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bastion: Option<BastionCounts>,
    /// What the devices' shared limits did to the last run, by the devices' own count (an
    /// emulated fleet with `aaa`, `vty` or `block-for` in its profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_limits: Option<DeviceLimits>,
}

/// What marks a report row as an external poller (`compare --external`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExternalInfo {
    /// COMMAND as given (placeholders unfilled; it holds no secret).
    pub command: String,
    /// Where per-device results came from: `devices` (the emulator's record of each
    /// session), `results` (the poller's results file) or `none`.
    pub device_view: String,
    /// Errors of the measured runs, in order (`null` for a clean run).
    pub run_errors: Vec<Option<ErrorInfo>>,
    /// Peak of the whole process tree's resident memory (sum of its processes), bytes.
    pub peak_rss_tree_bytes: u64,
    /// Most processes of the tree alive at once.
    pub peak_processes: usize,
    /// Exit status of each measured run (`null` when it was ended by a signal or by us).
    pub exit_codes: Vec<Option<i32>>,
}

/// How close a strategy's median wall time came to what was possible.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
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

impl Spread {
    /// The spread of `f` over a strategy's measured runs.
    pub fn of_runs(s: &StrategyReport, f: impl Fn(&RunSummary) -> f64) -> Spread {
        Spread::of(&s.runs.iter().map(f).collect::<Vec<_>>())
    }
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
    /// one place a report is made. `fleetbench_version` is this crate's version, which is
    /// the workspace's (every crate of fleetbench shares one version).
    pub fn new(fleet: FleetInfo, commands: Vec<String>) -> Report {
        Report {
            schema: SCHEMA.to_string(),
            fleetbench_version: env!("CARGO_PKG_VERSION").to_string(),
            created_unix: unix_now(),
            commands,
            fleet,
            machine: MachineInfo::current(),
            strategies: Vec::new(),
            network: None,
            shard: None,
            merged: None,
            bastion: None,
            verdict: None,
            steady: None,
            interrupted: false,
            tune: None,
        }
    }

    pub fn failed_devices(&self) -> usize {
        self.strategies.iter().map(StrategyReport::failed).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::path::{Path, PathBuf};

    /// Every report stored in the repository's `results/` (plain and gzipped): written by
    /// earlier versions, they must keep reading (`fleetbench.report/1` only adds fields).
    fn stored_reports() -> Vec<PathBuf> {
        let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
        let mut paths = vec![results.join("baseline-ci.json")];
        for dir in std::fs::read_dir(&results).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with("report-")
                    && (name.ends_with(".json") || name.ends_with(".json.gz"))
                {
                    paths.push(p);
                }
            }
        }
        paths.sort();
        paths
    }

    #[test]
    fn old_reports_still_read() {
        let paths = stored_reports();
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        assert!(
            names
                .iter()
                .any(|n| n.ends_with("report-n100-wdefault.json"))
                && names.iter().any(|n| n.ends_with(".json.gz")),
            "{names:?}"
        );
        for path in &paths {
            let mut bytes = std::fs::read(path).unwrap();
            if path.extension().is_some_and(|x| x == "gz") {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_end(&mut plain)
                    .unwrap();
                bytes = plain;
            }
            let r: Report = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(r.schema, SCHEMA, "{}", path.display());
            assert!(!r.strategies.is_empty(), "{}", path.display());
        }
    }
}
