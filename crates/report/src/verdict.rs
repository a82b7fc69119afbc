//! The answer a comparison gives, as data: which row is fastest and by how much over each
//! other (with an uncertainty from the runs), which rows cannot be compared and why, the
//! failures grouped by kind across rows, and where the machine rather than the devices or
//! the link shaped the figures. [`Verdict::of`] computes it once from a report
//! ([`crate::Report::compute_speedups`] stores it in the report's `verdict`); the terminal
//! and the HTML page render the same value.
//!
//! **Which rows are compared.** A row is comparable ([`comparability`]) when every one of
//! its measured runs polled at least one device to the end, no run of it failed as a whole
//! (an external poller that crashed, timed out or exited non-zero) and it was not
//! interrupted. A row that is not shows `-` for its speed-up and bounds, and it moves no
//! other row's figures: the fleet's lower bound is taken from comparable rows only.
//!
//! **The speed-up and its uncertainty**, as hyperfine computes them: the ratio of the mean
//! wall times r = μ_slow / μ_fast, and σ_r = r · √((σ_slow/μ_slow)² + (σ_fast/μ_fast)²), each
//! σ the sample standard deviation of that row's measured runs (first-order propagation of
//! the two relative errors). With one run in either row there is no σ and none is shown.

use crate::error::Phase;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Devices named per failure kind, at most (the rest are counted).
pub const NAMED_DEVICES: usize = 5;
/// A run keeps the machine's cores at least this busy (client and in-process emulator CPU
/// over cores x wall time): the CPU, not the devices or the link, set its time.
pub const BUSY_FLAG: f64 = 0.9;
/// A phase that takes this many round trips more than the protocol needs (and at least
/// [`ROUND_TRIP_RATIO`] times as many) is flagged.
pub const ROUND_TRIP_SLACK: f64 = 0.5;
pub const ROUND_TRIP_RATIO: f64 = 1.25;

/// Why a row's figures are not compared with the others'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum NotComparable {
    /// No measured run.
    NoRuns,
    /// Interrupted: its wall time covers only the devices polled before the stop.
    Interrupted { never_ran: usize },
    /// A run of an external poller failed as a whole (`run` 1-based; the first such run).
    RunFailed {
        run: usize,
        kind: String,
        message: String,
    },
    /// Every device failed in a measured run (`run` 1-based): it polled nothing. `kinds`
    /// are the last run's failure kinds, largest first.
    NothingPolled { run: usize, kinds: Vec<String> },
}

/// A row and why it is not compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RowNotComparable {
    pub row: String,
    #[serde(flatten)]
    pub why: NotComparable,
}

/// The mean and sample standard deviation of a row's measured wall times.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WallMean {
    pub mean_s: f64,
    /// `None` with a single run.
    pub sd_s: Option<f64>,
    pub runs: usize,
}

impl WallMean {
    /// Of a row's measured wall times (`StrategyReport::runs`).
    pub fn of_walls(w: &[f64]) -> WallMean {
        let n = w.len();
        let mean_s = if n == 0 {
            0.0
        } else {
            w.iter().sum::<f64>() / n as f64
        };
        let sd_s = (n >= 2).then(|| {
            let var = w.iter().map(|x| (x - mean_s).powi(2)).sum::<f64>() / (n - 1) as f64;
            var.sqrt()
        });
        WallMean {
            mean_s,
            sd_s,
            runs: n,
        }
    }
}

/// The fastest row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Fastest {
    pub row: String,
    pub wall: WallMean,
    /// Devices that answered in its last run.
    pub ok: usize,
}

/// The fastest row against one other comparable row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Speedup {
    /// The slower row.
    pub row: String,
    pub wall: WallMean,
    /// μ_row / μ_fastest.
    pub times: f64,
    /// σ of `times`, when both rows have at least two runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus_minus: Option<f64>,
    /// Devices that answered in its last run (when it differs from the fastest's, the two
    /// rows did not poll the same devices and the screens say so).
    pub ok: usize,
}

/// The speed-up of `slow` over `fast` and its propagated uncertainty.
pub fn ratio(fast: &WallMean, slow: &WallMean) -> Option<(f64, Option<f64>)> {
    if fast.mean_s <= 0.0 || slow.mean_s <= 0.0 {
        return None;
    }
    let r = slow.mean_s / fast.mean_s;
    let sd = match (fast.sd_s, slow.sd_s) {
        (Some(a), Some(b)) => {
            Some(r * ((b / slow.mean_s).powi(2) + (a / fast.mean_s).powi(2)).sqrt())
        }
        _ => None,
    };
    Some((r, sd))
}

/// How many devices of one row failed with one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RowCount {
    pub row: String,
    pub devices: usize,
}

/// One failure kind across every row's last run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailureGroup {
    pub kind: String,
    /// The phases it happened in.
    pub phases: Vec<Phase>,
    /// Distinct devices that had it in some row.
    pub devices: usize,
    /// The first of them, in inventory order (at most [`NAMED_DEVICES`]).
    pub named: Vec<String>,
    /// Per row that had it, how many devices.
    pub rows: Vec<RowCount>,
    /// The first device's message, as an example.
    pub example: String,
}

/// Where the machine, not the devices or the link, shaped a row's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Distortion {
    /// The row's runs kept the cores `busy` (median over runs of CPU / (cores x wall)):
    /// `cpu_s` of client and in-process emulator CPU in a `wall_s` run (medians); or it ran
    /// at `cpu_bound` (the `cpu-bd` column) of the fleet's lower bound when that bound is
    /// the CPU's term, not the slowest session's.
    CpuBusy {
        row: String,
        busy: f64,
        cpu_s: f64,
        wall_s: f64,
        cores: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_bound: Option<f64>,
    },
    /// Sessions retransmitted although the link loses nothing on purpose and its queue
    /// dropped nothing: replies came later than TCP's retransmission timeout.
    Retransmits {
        row: String,
        sessions: usize,
        of: usize,
        retransmits: u64,
    },
    /// A phase took more round trips (median of the last run's sessions) than the protocol
    /// needs: the rest is waiting for a busy core.
    ExtraRoundTrips {
        row: String,
        phase: Phase,
        measured: f64,
        model: u32,
    },
}

/// The answer of a comparison (see the module docs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// The comparable row with the lowest mean wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fastest: Option<Fastest>,
    /// The fastest against every other comparable row, nearest first.
    #[serde(default)]
    pub speedups: Vec<Speedup>,
    /// Rows that are not compared, in report order, and why.
    #[serde(default)]
    pub not_comparable: Vec<RowNotComparable>,
    /// Every row's last-run failures, by kind.
    #[serde(default)]
    pub failures: Vec<FailureGroup>,
    /// Where the machine shaped the figures.
    #[serde(default)]
    pub distortions: Vec<Distortion>,
}
