//! The connect-rate part of the search: at a worker count that fails without a rate, the
//! highest `--connect-rate` that keeps it clean. Start at the knee's throughput (what the
//! fleet sustained cleanly), step up by a quarter while it stays clean and the rate still
//! binds (throughput keeps up with it), down by a quarter while it fails (giving up below half
//! the start: then the rate is not the limit), then bisect between the highest clean and the
//! lowest failing rate to the resolution. The best is the lowest clean rate within the
//! tolerance of the best clean rate's throughput.

use fleetbench_report::tune::{RateChoice, TunePoint, Why};

/// The rate steps by this factor until one fails (or is clean).
const STEP: f64 = 1.25;
/// Below this fraction of the start, a rate that still fails says the rate is not the limit.
const FLOOR: f64 = 0.5;

/// The rate points measured at one worker count.
pub(super) struct RateSearch<'a> {
    pub(super) workers: usize,
    /// Within the failure limit, and beyond it.
    clean: Vec<&'a TunePoint>,
    failing: Vec<&'a TunePoint>,
    tolerance: f64,
    resolution: f64,
}

impl<'a> RateSearch<'a> {
    /// The points of `rates` at `workers`, a point failing above `limit` devices.
    pub(super) fn new(
        workers: usize,
        rates: &[&'a TunePoint],
        limit: usize,
        tolerance: f64,
        resolution: f64,
    ) -> RateSearch<'a> {
        let (clean, failing) = rates
            .iter()
            .copied()
            .filter(|p| p.workers == workers && p.connect_rate.is_some())
            .partition(|p| p.failed_max() <= limit);
        RateSearch {
            workers,
            clean,
            failing,
            tolerance,
            resolution,
        }
    }

    /// The lowest failing rate, and the highest clean rate below it.
    fn bracket(&self) -> (Option<f64>, Option<f64>) {
        let hi = self
            .failing
            .iter()
            .filter_map(|p| p.connect_rate)
            .reduce(f64::min);
        let lo = self
            .clean
            .iter()
            .filter_map(|p| p.connect_rate)
            .filter(|r| hi.is_none_or(|h| *r < h))
            .reduce(f64::max);
        (lo, hi)
    }

    /// The next rate to measure and why, starting from `start` (the knee's throughput);
    /// `None` when the rate is settled or is not the limit.
    pub(super) fn next(&self, start: f64) -> Option<(f64, Why)> {
        let start = round_rate(start);
        if start <= 0.0 {
            return None;
        }
        let (lo, hi) = self.bracket();
        let next = match (lo, hi) {
            (None, None) => start,
            (None, Some(h)) => Some(round_rate(h / STEP)).filter(|r| *r >= start * FLOOR)?,
            (Some(l), None) => {
                // Climb while the rate still binds: throughput keeps up with it.
                let at = self.clean.iter().find(|p| p.connect_rate == Some(l))?;
                if at.throughput() < (1.0 - self.tolerance) * l {
                    return None;
                }
                round_rate(l * STEP)
            }
            (Some(l), Some(h)) => {
                if h <= l * (1.0 + self.resolution) {
                    return None;
                }
                round_rate((l * h).sqrt())
            }
        };
        // A rate already measured (rounding) settles it.
        if self
            .clean
            .iter()
            .chain(&self.failing)
            .any(|p| p.connect_rate == Some(next))
        {
            return None;
        }
        let why = Why::Rate {
            workers: self.workers,
            clean: lo,
            failing: hi,
        };
        Some((next, why))
    }

    /// The best rate measured: the lowest clean rate within the tolerance of the best clean
    /// rate's throughput.
    pub(super) fn choice(&self) -> Option<RateChoice> {
        let best = self
            .clean
            .iter()
            .map(|p| p.throughput())
            .fold(0.0f64, f64::max);
        let p = self
            .clean
            .iter()
            .filter(|p| p.throughput() >= (1.0 - self.tolerance) * best)
            .min_by(|a, b| {
                a.connect_rate
                    .unwrap_or(0.0)
                    .total_cmp(&b.connect_rate.unwrap_or(0.0))
            })?;
        Some(RateChoice {
            workers: self.workers,
            connect_rate: p.connect_rate?,
            throughput: p.throughput(),
            wall_s: p.wall_s(),
            failed: p.failed_max(),
            failing_from: self.bracket().1,
        })
    }
}

/// Rates as a person would type them: whole numbers from 10/s, a tenth below.
pub(super) fn round_rate(r: f64) -> f64 {
    if r >= 10.0 {
        r.round()
    } else {
        (r * 10.0).round() / 10.0
    }
}
