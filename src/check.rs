//! The performance regression gate: `fleetbench check --baseline FILE REPORT`.
//!
//! Pure over two [`Report`]s: for every row of the baseline (a built-in strategy or an
//! external poller, all of them or those `--rows` names) and every [`Metric`] both reports
//! carry, it compares the current value with the baseline's and gives a [`Verdict`]. The
//! verdict as markdown is [`crate::present::check`]'s.
//!
//! # The rule
//! - `change` is the relative change from the baseline, `(current − baseline) / baseline`;
//!   it counts as *worse* when it goes the metric's wrong way (up for times, CPU and memory,
//!   down for speed-up and efficiency).
//! - The **noise band** of a comparison is the sum of the two measured spreads,
//!   `(max − min) / median` over the runs of the baseline plus the same over the runs of the
//!   report: within it, the two sets of runs could still overlap. A change inside the noise
//!   band is never a regression. (The wider of the two alone was tried first: on a shared
//!   machine whose load changed between the baseline and the report it gave 4 false alarms
//!   in 10; see docs/src/ci-gate.md.)
//! - A **regression** is a change worse than both its metric's threshold and the noise band;
//!   an improvement is the same the other way.
//! - A row that polled fewer devices successfully than the baseline's (its worst measured
//!   run against the baseline's worst) is a regression whatever its times, with the kinds of
//!   its failures named: a faster poller that skips devices is not faster. An external
//!   poller whose command exited non-zero in more runs than the baseline's is one too.
//! - A gated row missing from the report fails the check (listed, exit 1); a row of the
//!   report that the baseline does not have is listed and not judged.
//! - A metric absent from either report (a zero or missing field, e.g. written by an older
//!   version) is skipped and listed as such; but a report whose wall times are not positive
//!   numbers is refused, and so is a check in which no metric at all was compared: a gate
//!   that compared nothing must not pass (exit 2).
//!
//! The reports must describe the same experiment (schema, fleet size, emulated or not,
//! profile, commands), or the check refuses with a [`CheckError`] (exit 2).

use fleetbench_report::metrics::{Metric, Reading};
use fleetbench_report::{Report, StrategyId, StrategyKind, StrategyReport};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why two reports cannot be compared, or a threshold cannot be read.
#[derive(Debug, Error, PartialEq)]
pub enum CheckError {
    #[error("report schema {report:?} differs from the baseline's {baseline:?}")]
    SchemaMismatch { baseline: String, report: String },
    #[error(
        "the report measured a different setup: {what} is {report} in the report but {baseline} in the baseline; record a new baseline for this setup"
    )]
    SetupMismatch {
        what: &'static str,
        baseline: String,
        report: String,
    },
    #[error("the baseline has no strategies")]
    EmptyBaseline,
    #[error(
        "the {which} is not a valid measurement: {strategy}'s {what} is {value}, not a positive \
         number of seconds; a gate against it would pass anything"
    )]
    InvalidReport {
        /// `baseline` or `report`.
        which: &'static str,
        strategy: String,
        what: String,
        value: f64,
    },
    #[error(
        "nothing was compared: no metric is in both the baseline and the report (skipped: \
         {skipped}); a gate that compares nothing cannot pass"
    )]
    NothingCompared { skipped: String },
    #[error("--rows names {name:?}, which is not a row of the baseline (its rows: {available})")]
    UnknownRow { name: String, available: String },
    #[error(
        "bad threshold {0:?}: expected METRIC=PERCENT, e.g. wall=15% (metrics: wall, p99, cpu, rss, efficiency, speedup)"
    )]
    BadThreshold(String),
}

/// Per-metric regression thresholds, as fractions (0.10 = 10%).
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    by_metric: BTreeMap<Metric, f64>,
}

impl Default for Thresholds {
    /// Defaults for a comparison on the same (shared) machine: wall time and the ratios 15%,
    /// p99 latency 20%, peak RSS 25%, CPU per device 60% (CPU time is what a busy neighbour
    /// inflates most: +50% was measured with nothing changed).
    fn default() -> Self {
        let by_metric = Metric::ALL
            .into_iter()
            .map(|m| {
                let t = match m {
                    Metric::Wall | Metric::Efficiency | Metric::Speedup => 0.15,
                    Metric::P99 => 0.20,
                    Metric::Rss => 0.25,
                    Metric::Cpu => 0.60,
                };
                (m, t)
            })
            .collect();
        Thresholds { by_metric }
    }
}

impl Thresholds {
    pub fn get(&self, m: Metric) -> f64 {
        self.by_metric.get(&m).copied().unwrap_or(0.15)
    }

    pub fn set(&mut self, m: Metric, fraction: f64) {
        self.by_metric.insert(m, fraction);
    }

    /// Applies one `METRIC=PERCENT` assignment (`wall=15%`; the `%` is optional: `wall=15`).
    pub fn apply(&mut self, assignment: &str) -> Result<(), CheckError> {
        let bad = || CheckError::BadThreshold(assignment.to_string());
        let (key, pct) = assignment.split_once('=').ok_or_else(bad)?;
        let metric = Metric::parse(key.trim()).ok_or_else(bad)?;
        let pct = pct.trim();
        let number = pct.strip_suffix('%').unwrap_or(pct).trim();
        let value: f64 = number.parse().map_err(|_| bad())?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(bad());
        }
        self.set(metric, value / 100.0);
        Ok(())
    }
}

/// The outcome of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Inside the threshold.
    Ok,
    /// Worse than the threshold but inside the noise band: not a regression.
    WithinNoise,
    Improved,
    Regression,
}

/// What a row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Metric(Metric),
    /// Devices polled successfully, per measured run (the mean over the runs).
    OkDevices,
    /// Measured runs whose external command did not exit 0 (external rows only).
    FailedExits,
}

/// One line of the verdict table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The report row: a built-in strategy or an external poller's name.
    pub strategy: StrategyId,
    pub measure: Measure,
    pub baseline: f64,
    pub current: f64,
    /// (current − baseline) / baseline; for failed devices, current − baseline.
    pub change: f64,
    /// The noise band, as a fraction (0 for failed devices).
    pub noise: f64,
    /// The threshold, as a fraction (0 for failed devices).
    pub threshold: f64,
    pub verdict: Verdict,
    /// For [`Measure::OkDevices`]: the report's failures by kind, most frequent first.
    pub kinds: Vec<(String, usize)>,
}

/// Every verdict of a check, and what could not be compared.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub rows: Vec<Row>,
    /// Metrics absent from the baseline or the report, per row.
    pub skipped: Vec<(StrategyId, Metric)>,
    /// Gated rows of the baseline that the report does not have: each fails the check.
    pub missing: Vec<StrategyId>,
    /// Rows in the report but not in the baseline (not checked).
    pub new_rows: Vec<StrategyId>,
    /// Rows of both reports left out by `--rows` (not checked).
    pub not_gated: Vec<StrategyId>,
    /// Differences worth knowing that do not stop the check (machine, workers).
    pub notes: Vec<String>,
    /// The two reports' setups, for a person (`when`, `where`, `what`).
    pub baseline_setup: String,
    pub report_setup: String,
}

impl CheckOutcome {
    pub fn regressions(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Regression)
            .count()
    }

    /// Regressions plus gated rows missing from the report.
    pub fn failures(&self) -> usize {
        self.regressions() + self.missing.len()
    }

    pub fn passed(&self) -> bool {
        self.failures() == 0
    }
}

/// Which rows of the baseline the gate judges (`--rows`): all of them, or those named.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows(Option<Vec<String>>);

impl Rows {
    pub fn all() -> Rows {
        Rows(None)
    }

    /// Only these rows (names as in the report: `async`, an external poller's NAME).
    pub fn only(names: Vec<String>) -> Rows {
        Rows(Some(names))
    }

    fn gates(&self, id: &StrategyId) -> bool {
        self.0
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == id.name()))
    }

    /// Every name given must be a row of the baseline: a typo would gate nothing.
    fn validate(&self, baseline: &Report) -> Result<(), CheckError> {
        for n in self.0.iter().flatten() {
            if !baseline.strategies.iter().any(|b| b.strategy.name() == n) {
                return Err(CheckError::UnknownRow {
                    name: n.clone(),
                    available: baseline
                        .strategies
                        .iter()
                        .map(|b| b.strategy.name().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        Ok(())
    }
}

/// Compares `current` with `baseline`; see the module docs for the rule.
pub fn check(
    baseline: &Report,
    current: &Report,
    thresholds: &Thresholds,
    rows_gated: &Rows,
) -> Result<CheckOutcome, CheckError> {
    same_setup(baseline, current)?;
    if baseline.strategies.is_empty() {
        return Err(CheckError::EmptyBaseline);
    }
    rows_gated.validate(baseline)?;
    valid_walls("baseline", baseline)?;
    valid_walls("report", current)?;
    let mut notes = Vec::new();
    if baseline.machine.cores != current.machine.cores
        || baseline.machine.hostname != current.machine.hostname
    {
        notes.push(format!(
            "baseline measured on {} ({} cores), report on {} ({} cores)",
            baseline.machine.hostname,
            baseline.machine.cores,
            current.machine.hostname,
            current.machine.cores
        ));
    }
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut missing = Vec::new();
    let mut not_gated = Vec::new();
    for b in &baseline.strategies {
        let id = &b.strategy;
        let found = current.strategies.iter().find(|c| c.strategy == *id);
        if !rows_gated.gates(id) {
            if found.is_some() {
                not_gated.push(id.clone());
            }
            continue;
        }
        let Some(c) = found else {
            missing.push(id.clone());
            continue;
        };
        if b.workers != c.workers {
            notes.push(format!(
                "{id}: {} workers in the baseline, {} in the report",
                b.workers, c.workers
            ));
        }
        for m in Metric::ALL {
            match (m.read(baseline, b), m.read(current, c)) {
                (Some(rb), Some(rc)) => {
                    rows.push(compare_metric(id, m, &rb, &rc, thresholds.get(m)))
                }
                // Speed-up of sequential over itself is not a metric, not a skip; nor is it
                // one for a report without a sequential row.
                _ if m == Metric::Speedup
                    && (b.strategy == StrategyKind::Sequential
                        || !has_sequential(baseline)
                        || !has_sequential(current)) => {}
                _ => skipped.push((id.clone(), m)),
            }
        }
        rows.extend(ok_devices(id, b, c));
        rows.extend(failed_exits(id, b, c));
    }
    if !rows.iter().any(|r| matches!(r.measure, Measure::Metric(_))) && missing.is_empty() {
        return Err(CheckError::NothingCompared {
            skipped: skipped
                .iter()
                .map(|(k, m)| format!("{k} {}", m.key()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let new_rows = current
        .strategies
        .iter()
        .map(|c| &c.strategy)
        .filter(|id| !baseline.strategies.iter().any(|b| b.strategy == **id))
        .cloned()
        .collect();
    Ok(CheckOutcome {
        rows,
        skipped,
        missing,
        new_rows,
        not_gated,
        notes,
        baseline_setup: describe(baseline),
        report_setup: describe(current),
    })
}

fn has_sequential(r: &Report) -> bool {
    r.strategies
        .iter()
        .any(|s| s.strategy == StrategyKind::Sequential)
}

/// Devices polled per measured run (the mean over the runs), against the baseline's: fewer
/// is a regression whatever the times (a poller that skips devices is not faster), with the
/// failures' kinds. The mean, not the worst run: it also moves when more runs fail alike.
fn ok_devices(id: &StrategyId, b: &StrategyReport, c: &StrategyReport) -> Option<Row> {
    let mean = |s: &StrategyReport| {
        (!s.runs.is_empty())
            .then(|| s.runs.iter().map(|r| r.ok as f64).sum::<f64>() / s.runs.len() as f64)
    };
    let (ob, oc) = (mean(b)?, mean(c)?);
    let any_failed = |s: &StrategyReport| s.runs.iter().any(|r| r.failed > 0);
    if ob == oc && !any_failed(b) && !any_failed(c) {
        return None;
    }
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for d in &c.devices {
        if let Some(e) = &d.error {
            *by_kind.entry(e.kind.clone()).or_default() += 1;
        }
    }
    let mut kinds: Vec<(String, usize)> = by_kind.into_iter().collect();
    kinds.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    Some(Row {
        strategy: id.clone(),
        measure: Measure::OkDevices,
        baseline: ob,
        current: oc,
        change: oc - ob,
        noise: 0.0,
        threshold: 0.0,
        // Means of whole counts over at most a few hundred runs: exact enough to compare.
        verdict: if oc < ob {
            Verdict::Regression
        } else if oc > ob {
            Verdict::Improved
        } else {
            Verdict::Ok
        },
        kinds,
    })
}

/// An external poller's runs that did not exit 0, against the baseline's.
fn failed_exits(id: &StrategyId, b: &StrategyReport, c: &StrategyReport) -> Option<Row> {
    let failed = |s: &StrategyReport| {
        s.external
            .as_ref()
            .map(|e| e.exit_codes.iter().filter(|x| **x != Some(0)).count())
    };
    let (fb, fc) = (failed(b)?, failed(c)?);
    if fb == 0 && fc == 0 {
        return None;
    }
    Some(Row {
        strategy: id.clone(),
        measure: Measure::FailedExits,
        baseline: fb as f64,
        current: fc as f64,
        change: fc as f64 - fb as f64,
        noise: 0.0,
        threshold: 0.0,
        verdict: match fc.cmp(&fb) {
            std::cmp::Ordering::Greater => Verdict::Regression,
            std::cmp::Ordering::Less => Verdict::Improved,
            std::cmp::Ordering::Equal => Verdict::Ok,
        },
        kinds: Vec::new(),
    })
}

/// Refuses a report whose built-in strategies' wall times are not positive numbers: a zero
/// or negative median reads as "absent", so every metric would be skipped and the gate pass.
fn valid_walls(which: &'static str, r: &Report) -> Result<(), CheckError> {
    for s in r.strategies.iter().filter(|s| s.strategy.kind().is_some()) {
        let w = &s.wall_s;
        let values = [
            ("median wall_s", w.median),
            ("min wall_s", w.min),
            ("max wall_s", w.max),
        ]
        .into_iter()
        .chain(s.runs.iter().map(|run| ("a run's wall_s", run.wall_s)));
        for (what, value) in values {
            if !(value.is_finite() && value > 0.0) {
                return Err(CheckError::InvalidReport {
                    which,
                    strategy: s.strategy.name().to_string(),
                    what: what.to_string(),
                    value,
                });
            }
        }
    }
    Ok(())
}

/// One metric of one row: the rule of the module docs.
pub fn compare_metric(
    strategy: &StrategyId,
    metric: Metric,
    baseline: &Reading,
    current: &Reading,
    threshold: f64,
) -> Row {
    let change = (current.value - baseline.value) / baseline.value;
    let worse = if metric.smaller_is_better() {
        change
    } else {
        -change
    };
    let noise = (baseline.relative_spread() + current.relative_spread()).max(0.0);
    let limit = threshold.max(noise);
    let verdict = if worse > limit {
        Verdict::Regression
    } else if worse < -limit {
        Verdict::Improved
    } else if worse > threshold {
        Verdict::WithinNoise
    } else {
        Verdict::Ok
    };
    Row {
        strategy: strategy.clone(),
        measure: Measure::Metric(metric),
        baseline: baseline.value,
        current: current.value,
        change,
        noise,
        threshold,
        verdict,
        kinds: Vec::new(),
    }
}

fn same_setup(b: &Report, c: &Report) -> Result<(), CheckError> {
    let mismatch = |what, baseline: String, report: String| {
        if baseline == report {
            Ok(())
        } else {
            Err(CheckError::SetupMismatch {
                what,
                baseline,
                report,
            })
        }
    };
    if b.schema != c.schema {
        return Err(CheckError::SchemaMismatch {
            baseline: b.schema.clone(),
            report: c.schema.clone(),
        });
    }
    mismatch(
        "the number of devices",
        b.fleet.devices.to_string(),
        c.fleet.devices.to_string(),
    )?;
    mismatch(
        "the fleet",
        fleet_kind(b).to_string(),
        fleet_kind(c).to_string(),
    )?;
    mismatch(
        "the profile",
        b.fleet.profile.clone().unwrap_or_default(),
        c.fleet.profile.clone().unwrap_or_default(),
    )?;
    mismatch(
        "the command list",
        format!("{:?}", b.commands),
        format!("{:?}", c.commands),
    )
}

fn fleet_kind(r: &Report) -> &'static str {
    if r.fleet.emulated {
        "emulated"
    } else {
        "an inventory"
    }
}

fn describe(r: &Report) -> String {
    let runs = r.strategies.iter().map(|s| s.runs.len()).max().unwrap_or(0);
    let when = chrono::DateTime::from_timestamp(r.created_unix as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let profile = r
        .fleet
        .profile
        .as_deref()
        .map_or(String::new(), |p| format!(", profile `{p}`"));
    format!(
        "{} devices ({}{profile}), {runs} runs per strategy, fleetbench {} on {} ({} cores), {when}",
        r.fleet.devices,
        fleet_kind(r),
        r.fleetbench_version,
        r.machine.hostname,
        r.machine.cores
    )
}

#[cfg(test)]
mod tests;
