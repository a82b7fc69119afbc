//! The performance regression gate: `fleetbench check --baseline FILE REPORT`.
//!
//! Pure over two [`Report`]s: for every strategy of the baseline and every [`Metric`] both
//! reports carry, it compares the current value with the baseline's and gives a [`Verdict`].
//! The verdict as markdown is [`crate::present::check`]'s.
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
//! - A strategy whose runs had more failed devices than the baseline's is a regression too:
//!   its timings are not comparable.
//! - A metric absent from either report (a zero or missing field, e.g. written by an older
//!   version) is skipped and listed as such; but a report whose wall times are not positive
//!   numbers is refused, and so is a check in which no metric at all was compared: a gate
//!   that compared nothing must not pass (exit 2).
//!
//! The reports must describe the same experiment (schema, fleet size, emulated or not,
//! profile, commands), or the check refuses with a [`CheckError`] (exit 2).

use fleetbench_report::Report;
use fleetbench_report::StrategyKind;
use fleetbench_report::metrics::{Metric, Reading};
use fleetbench_report::stats;
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
    #[error("strategy {0} is in the baseline but not in the report")]
    MissingStrategy(StrategyKind),
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
    /// Failed devices summed over the measured runs.
    FailedDevices,
}

/// One line of the verdict table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub strategy: StrategyKind,
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
}

/// Every verdict of a check, and what could not be compared.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub rows: Vec<Row>,
    /// Metrics absent from the baseline or the report, per strategy.
    pub skipped: Vec<(StrategyKind, Metric)>,
    /// Strategies in the report but not in the baseline (not checked).
    pub new_strategies: Vec<StrategyKind>,
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

    pub fn passed(&self) -> bool {
        self.regressions() == 0
    }
}

/// Compares `current` with `baseline`; see the module docs for the rule.
pub fn check(
    baseline: &Report,
    current: &Report,
    thresholds: &Thresholds,
) -> Result<CheckOutcome, CheckError> {
    same_setup(baseline, current)?;
    if baseline.strategies.is_empty() {
        return Err(CheckError::EmptyBaseline);
    }
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
    for b in &baseline.strategies {
        // The gate judges the built-in strategies; external pollers' rows are not its business.
        let Some(kind) = b.strategy.kind() else {
            continue;
        };
        let c = current
            .strategies
            .iter()
            .find(|c| c.strategy == kind)
            .ok_or(CheckError::MissingStrategy(kind))?;
        if b.workers != c.workers {
            notes.push(format!(
                "{}: {} workers in the baseline, {} in the report",
                b.strategy, b.workers, c.workers
            ));
        }
        for m in Metric::ALL {
            match (m.read(baseline, b), m.read(current, c)) {
                (Some(rb), Some(rc)) => {
                    rows.push(compare_metric(kind, m, &rb, &rc, thresholds.get(m)))
                }
                // Speed-up of sequential over itself is not a metric, not a skip.
                _ if m == Metric::Speedup && b.strategy == StrategyKind::Sequential => {}
                _ => skipped.push((kind, m)),
            }
        }
        let (fb, fc) = (stats::failed_in_runs(b), stats::failed_in_runs(c));
        if fb > 0 || fc > 0 {
            rows.push(Row {
                strategy: kind,
                measure: Measure::FailedDevices,
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
            });
        }
    }
    if !rows.iter().any(|r| matches!(r.measure, Measure::Metric(_))) {
        return Err(CheckError::NothingCompared {
            skipped: skipped
                .iter()
                .map(|(k, m)| format!("{k} {}", m.key()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let new_strategies = current
        .strategies
        .iter()
        .filter_map(|c| c.strategy.kind())
        .filter(|k| !baseline.strategies.iter().any(|b| b.strategy == *k))
        .collect();
    Ok(CheckOutcome {
        rows,
        skipped,
        new_strategies,
        notes,
        baseline_setup: describe(baseline),
        report_setup: describe(current),
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

/// One metric of one strategy: the rule of the module docs.
pub fn compare_metric(
    strategy: StrategyKind,
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
        strategy,
        measure: Measure::Metric(metric),
        baseline: baseline.value,
        current: current.value,
        change,
        noise,
        threshold,
        verdict,
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
