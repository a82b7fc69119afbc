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
use crate::network::{SESSION_ROUND_TRIPS, phase_round_trips, session_round_trips};
use crate::outcome;
use crate::report::{Report, StrategyReport};
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

/// Whether `s`'s figures can be compared with other rows' (see the module docs).
pub fn comparability(s: &StrategyReport) -> Result<(), NotComparable> {
    if s.runs.is_empty() {
        return Err(NotComparable::NoRuns);
    }
    let never_ran = outcome::never_ran(s);
    if never_ran > 0 {
        return Err(NotComparable::Interrupted { never_ran });
    }
    if let Some(ext) = &s.external {
        if let Some((i, e)) = ext
            .run_errors
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.as_ref().map(|e| (i, e)))
        {
            return Err(NotComparable::RunFailed {
                run: i + 1,
                kind: e.kind.clone(),
                message: e.message.clone(),
            });
        }
    }
    if let Some(i) = s.runs.iter().position(|r| r.ok == 0) {
        return Err(NotComparable::NothingPolled {
            run: i + 1,
            kinds: outcome::error_groups(s)
                .into_iter()
                .map(|g| g.kind)
                .collect(),
        });
    }
    Ok(())
}

/// Whether the row polled: [`comparability`] is `Ok`.
pub fn polled(s: &StrategyReport) -> bool {
    comparability(s).is_ok()
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
    pub fn of(s: &StrategyReport) -> WallMean {
        let w: Vec<f64> = s.runs.iter().map(|r| r.wall_s).collect();
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

/// The failures of every row's last run, one group per kind, most devices first (ties by
/// kind name).
pub fn failure_groups(r: &Report) -> Vec<FailureGroup> {
    let mut groups: Vec<FailureGroup> = Vec::new();
    // Per kind, the device names seen, in first-seen order (inventory order within a row).
    let mut names: Vec<Vec<String>> = Vec::new();
    for s in &r.strategies {
        for g in outcome::error_groups(s) {
            let i = match groups.iter().position(|x| x.kind == g.kind) {
                Some(i) => i,
                None => {
                    groups.push(FailureGroup {
                        kind: g.kind.clone(),
                        phases: Vec::new(),
                        devices: 0,
                        named: Vec::new(),
                        rows: Vec::new(),
                        example: g.example.clone(),
                    });
                    names.push(Vec::new());
                    groups.len() - 1
                }
            };
            for p in &g.phases {
                if !groups[i].phases.contains(p) {
                    groups[i].phases.push(*p);
                }
            }
            groups[i].rows.push(RowCount {
                row: s.strategy.name().to_string(),
                devices: g.devices.len(),
            });
            for d in g.devices {
                if !names[i].contains(&d) {
                    names[i].push(d);
                }
            }
        }
    }
    for (g, n) in groups.iter_mut().zip(names) {
        g.devices = n.len();
        g.named = n.into_iter().take(NAMED_DEVICES).collect();
    }
    groups.sort_by(|a, b| b.devices.cmp(&a.devices).then_with(|| a.kind.cmp(&b.kind)));
    groups
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

/// What shaped the figures besides the devices and the link, per comparable row.
pub fn distortions(r: &Report) -> Vec<Distortion> {
    let mut out = Vec::new();
    let cores = r.machine.cores.max(1);
    // The bound is the CPU's when its CPU term is the larger one.
    let cpu_binds = crate::stats::bound_terms(r).is_some_and(|(latency, cpu)| cpu >= latency);
    for s in r.strategies.iter().filter(|s| polled(s)) {
        let busy: Vec<f64> = s
            .runs
            .iter()
            .filter(|x| x.wall_s > 0.0)
            .map(|x| (x.cpu.total_s() + x.server_cpu_s) / (cores as f64 * x.wall_s))
            .collect();
        if busy.is_empty() {
            continue;
        }
        let median = crate::spread::Spread::of(&busy).median;
        let at_bound = s
            .efficiency
            .map(|e| e.cpu_bound)
            .filter(|b| cpu_binds && *b >= BUSY_FLAG);
        if median >= BUSY_FLAG || at_bound.is_some() {
            let cpu: Vec<f64> = s
                .runs
                .iter()
                .map(|x| x.cpu.total_s() + x.server_cpu_s)
                .collect();
            out.push(Distortion::CpuBusy {
                row: s.strategy.name().to_string(),
                busy: median,
                cpu_s: crate::spread::Spread::of(&cpu).median,
                wall_s: s.wall_s.median,
                cores,
                cpu_bound: at_bound,
            });
        }
    }
    let Some(n) = &r.network else {
        return out;
    };
    let lossless = n.classes.iter().all(|c| c.link.loss == 0.0);
    let commands = n
        .session_round_trips
        .saturating_sub(session_round_trips(0, n.method)) as usize;
    for sn in &n.strategies {
        let Some(s) = r
            .strategies
            .iter()
            .find(|s| s.strategy.name() == sn.strategy)
        else {
            continue;
        };
        if !polled(s) {
            continue;
        }
        let drops = sn.traffic.map_or(0, |t| t.queue_drops);
        if lossless && drops == 0 && sn.retransmits > 0 {
            out.push(Distortion::Retransmits {
                row: sn.strategy.clone(),
                sessions: sn.retransmitting_sessions,
                of: s.devices.len(),
                retransmits: sn.retransmits,
            });
        }
        for &(phase, k) in SESSION_ROUND_TRIPS {
            let model = phase_round_trips(phase, k, commands, n.method);
            let Some(&measured) = sn.round_trips.get(phase.as_str()) else {
                continue;
            };
            let m = f64::from(model);
            if model > 0 && measured >= m + ROUND_TRIP_SLACK && measured >= m * ROUND_TRIP_RATIO {
                out.push(Distortion::ExtraRoundTrips {
                    row: sn.strategy.clone(),
                    phase,
                    measured,
                    model,
                });
            }
        }
    }
    out
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

impl Verdict {
    /// The verdict of `r` (its rows as they are; speed-ups and bounds need not be filled).
    pub fn of(r: &Report) -> Verdict {
        let mut not_comparable = Vec::new();
        let mut rows: Vec<(&StrategyReport, WallMean)> = Vec::new();
        for s in &r.strategies {
            match comparability(s) {
                Ok(()) => rows.push((s, WallMean::of(s))),
                Err(why) => not_comparable.push(RowNotComparable {
                    row: s.strategy.name().to_string(),
                    why,
                }),
            }
        }
        let fastest = rows
            .iter()
            .filter(|(_, w)| w.mean_s > 0.0)
            .min_by(|a, b| a.1.mean_s.total_cmp(&b.1.mean_s))
            .copied();
        let mut speedups = Vec::new();
        if let Some((f, fw)) = fastest {
            for (s, w) in &rows {
                if s.strategy == f.strategy {
                    continue;
                }
                if let Some((times, plus_minus)) = ratio(&fw, w) {
                    speedups.push(Speedup {
                        row: s.strategy.name().to_string(),
                        wall: *w,
                        times,
                        plus_minus,
                        ok: s.ok(),
                    });
                }
            }
            speedups.sort_by(|a, b| a.times.total_cmp(&b.times));
        }
        Verdict {
            fastest: fastest.map(|(s, wall)| Fastest {
                row: s.strategy.name().to_string(),
                wall,
                ok: s.ok(),
            }),
            speedups,
            not_comparable,
            failures: failure_groups(r),
            distortions: distortions(r),
        }
    }
}

#[cfg(test)]
mod tests;
