//! The metrics the regression gate (`fleetbench check`) and the exporters (Bencher,
//! github-action-benchmark) read from a report, each with its measured spread, in one place
//! so both agree on what a number means.
//!
//! A metric that a report does not carry (a zero, an empty map, `None`: fields filled only by
//! newer versions) reads as `None`, and the gate skips it.

use crate::report::{Report, StrategyReport};
use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One measured quantity of one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Median wall time of a run over the whole fleet.
    Wall,
    /// 99th percentile of per-device session latency (`latency_s["total"].p99`).
    P99,
    /// Median client CPU of a run divided by the number of devices.
    Cpu,
    /// Peak resident memory of the client process during the strategy's runs.
    Rss,
    /// Ideal-schedule efficiency: the ideal wall time over the measured median (1.0 = perfect).
    Efficiency,
    /// Median sequential wall time over this strategy's (not read for `sequential` itself).
    Speedup,
}

/// The unit a metric's value is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Bytes,
    /// A dimensionless ratio (speed-up, efficiency).
    Ratio,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::Wall,
        Metric::P99,
        Metric::Cpu,
        Metric::Rss,
        Metric::Efficiency,
        Metric::Speedup,
    ];

    /// The key used on the command line (`--threshold wall=15%`).
    pub fn key(self) -> &'static str {
        match self {
            Metric::Wall => "wall",
            Metric::P99 => "p99",
            Metric::Cpu => "cpu",
            Metric::Rss => "rss",
            Metric::Efficiency => "efficiency",
            Metric::Speedup => "speedup",
        }
    }

    /// A short human label for tables and exports.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Wall => "median wall",
            Metric::P99 => "p99 device latency",
            Metric::Cpu => "CPU per device",
            Metric::Rss => "peak RSS",
            Metric::Efficiency => "efficiency (ideal)",
            Metric::Speedup => "speed-up vs sequential",
        }
    }

    pub fn parse(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::Wall | Metric::P99 | Metric::Cpu => Unit::Seconds,
            Metric::Rss => Unit::Bytes,
            Metric::Efficiency | Metric::Speedup => Unit::Ratio,
        }
    }

    /// True when a larger value is worse (times, CPU, memory); false for speed-up and
    /// efficiency.
    pub fn smaller_is_better(self) -> bool {
        !matches!(self, Metric::Efficiency | Metric::Speedup)
    }

    /// Reads this metric of `s` (a strategy of `report`), with its measured spread.
    pub fn read(self, report: &Report, s: &StrategyReport) -> Option<Reading> {
        let walls: Vec<f64> = s.runs.iter().map(|r| r.wall_s).collect();
        let wall = positive(s.wall_s.median)?;
        match self {
            Metric::Wall => Reading::with_samples(wall, &walls),
            Metric::P99 => {
                let p99 = positive(s.p99_total_s()?)?;
                // Each run's own p99, when every run has one: a p99 moves with single slow
                // sessions, which a run's wall time (a sum or a maximum over the fleet) hides.
                let per_run: Vec<f64> = s.runs.iter().map(|r| r.p99_s).collect();
                if !per_run.is_empty() && per_run.iter().all(|&x| positive(x).is_some()) {
                    return Reading::with_samples(p99, &per_run);
                }
                // Older and merged reports: the run-to-run spread of the wall time, relative
                // to its median, stands in.
                let (lo, hi) = relative_bounds(wall, &walls);
                Some(Reading {
                    value: p99,
                    lo: p99 * lo,
                    hi: p99 * hi,
                    measured_spread: false,
                    runs: walls.len(),
                })
            }
            Metric::Cpu => {
                // The per-run samples for the spread; the value is the one definition.
                let n = report.fleet.devices.max(1) as f64;
                let per_run: Vec<f64> = s.runs.iter().map(|r| r.cpu.total_s() / n).collect();
                let value = positive(s.cpu_per_device_s)
                    .or_else(|| positive(crate::stats::client_cpu_per_device(s)?))?;
                Reading::with_samples(value, &per_run)
            }
            Metric::Rss => {
                let v = positive(s.peak_rss_bytes as f64)?;
                // Each run's own peak, when every run has one (reports from this field on):
                // the spread that keeps an unchanged poller's memory from failing the gate.
                let per_run: Vec<f64> = s
                    .runs
                    .iter()
                    .filter_map(|r| r.peak_rss_bytes)
                    .map(|b| b as f64)
                    .collect();
                if per_run.len() > 1 && per_run.len() == s.runs.len() {
                    return Reading::with_samples(v, &per_run);
                }
                Some(Reading::single(v))
            }
            Metric::Efficiency => {
                let v = positive(s.efficiency?.ideal)?;
                // ideal_s / wall of each run: the wall time's relative spread, inverted.
                let (lo, hi) = relative_bounds(wall, &walls);
                Some(Reading {
                    value: v,
                    lo: v / hi,
                    hi: v / lo,
                    measured_spread: walls.len() > 1,
                    runs: walls.len(),
                })
            }
            Metric::Speedup => {
                if s.strategy == StrategyKind::Sequential {
                    return None;
                }
                let v = positive(s.speedup?)?;
                let seq = report
                    .strategies
                    .iter()
                    .find(|x| x.strategy == StrategyKind::Sequential)?;
                // The ratio's spread: the slowest sequential over the fastest run of this
                // strategy, and the other way round.
                let lo = seq.wall_s.min / s.wall_s.max.max(f64::MIN_POSITIVE);
                let hi = seq.wall_s.max / s.wall_s.min.max(f64::MIN_POSITIVE);
                Some(Reading {
                    value: v,
                    lo: lo.min(v),
                    hi: hi.max(v),
                    measured_spread: s.runs.len() > 1 || seq.runs.len() > 1,
                    runs: s.runs.len(),
                })
            }
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A metric's value and the range its runs spanned (`lo <= value <= hi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    /// False when `lo`/`hi` are not this metric's own per-run samples (a single number, or a
    /// spread borrowed from the wall time).
    pub measured_spread: bool,
    /// Measured runs behind the value.
    pub runs: usize,
}

impl Reading {
    pub fn single(value: f64) -> Reading {
        Reading {
            value,
            lo: value,
            hi: value,
            measured_spread: false,
            runs: 1,
        }
    }

    fn with_samples(value: f64, samples: &[f64]) -> Option<Reading> {
        let finite: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if finite.is_empty() {
            return Some(Reading::single(value));
        }
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Reading {
            value,
            lo: lo.min(value),
            hi: hi.max(value),
            measured_spread: finite.len() > 1,
            runs: finite.len(),
        })
    }

    /// The width of the measured spread relative to the value: (hi − lo) / value.
    pub fn relative_spread(&self) -> f64 {
        if self.value > 0.0 {
            (self.hi - self.lo) / self.value
        } else {
            0.0
        }
    }
}

fn positive(x: f64) -> Option<f64> {
    (x.is_finite() && x > 0.0).then_some(x)
}

/// min/center and max/center of `samples`, (1, 1) when there are none.
fn relative_bounds(center: f64, samples: &[f64]) -> (f64, f64) {
    let lo = samples.iter().copied().fold(center, f64::min);
    let hi = samples.iter().copied().fold(center, f64::max);
    (lo / center, hi / center)
}

/// The benchmark name exporters give a strategy: stable across runs of the same setup, and
/// distinct across setups, so histories never mix fleets.
pub fn benchmark_name(report: &Report, s: &StrategyReport) -> String {
    let setup = match (&report.fleet.profile, &report.fleet.inventory) {
        (Some(p), _) if report.fleet.emulated => p.clone(),
        _ => "inventory".to_string(),
    };
    format!(
        "fleetbench/{}-devices/{}/{}",
        report.fleet.devices,
        setup,
        s.strategy.name()
    )
}
