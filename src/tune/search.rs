//! The search of `fleetbench tune` as a pure state machine: given the points measured so far
//! and what they cost, [`next`] says which point to measure and why, or gives the answer and
//! why it stops. No clock, no fleet, no randomness: the driver ([`super::run`]) measures,
//! the tests feed it synthetic curves.
//!
//! # The rules
//! - **Throughput** of a run is its ok devices over its wall time; a point's is the median of
//!   its runs. A point is **failing** when one of its runs failed more devices than the
//!   lowest worker count did plus the failure budget (devices that fail at every count, a
//!   device down or a wrong password, are not the worker count's doing). On a real
//!   inventory (`cautious`), a point with more failures of a [`TROUBLE`] kind than the
//!   lowest count also counts as failing. The lowest failing count is the **ceiling**:
//!   nothing at or above it is clean.
//! - **Bracket**: from the start, double the worker count while throughput rose by more than
//!   the tolerance over the last doubling (a rise short of it by less than the noise counts
//!   as a rise: another doubling is cheap, stopping early is wrong), until it stops rising,
//!   a point fails, or
//!   the most workers are reached.
//! - **The knee** is the fewest clean workers whose throughput is within the tolerance of the
//!   best clean throughput (the target). The best is read as the median of the clean points
//!   within the tolerance and the noise (at most the tolerance again) of the highest one:
//!   the highest of several noisy points is biased upwards. It lies between the most workers short of the
//!   target (`below`) and the fewest reaching it (`above`); bisect that interval at its
//!   geometric middle until it is within the resolution, or until the throughputs at both
//!   ends differ by less than their noise (no point between could be told apart).
//! - **Noise**: a point's noise is its runs' range over their median; a point of one
//!   run borrows the median noise of the points with more (or [`PRIOR_NOISE`] before any).
//!   When `below` or `above` is closer to the target than its noise and the best point's
//!   together, the one of those two with fewer runs is measured again, up to `max_runs`
//!   runs; after that the point counts as reaching the target (the knee is the fewest
//!   workers not shown to fall short of it).
//! - **Probe** (`probe`): once the knee is settled, an emulated fleet is pushed on: double
//!   past the most workers tried until a point fails or the most workers are reached, so
//!   the verdict can say where failures start (a real inventory never is: `cautious`).
//! - **Where failures start**: bisect between the most clean workers and the ceiling to the
//!   same resolution (before the knee when throughput was still rising at the ceiling, since
//!   the best may lie in between; never on a real inventory, which is not probed again near
//!   trouble).
//! - **The connect rate**: when the failures at the ceiling are mostly of a [`RATE_KINDS`]
//!   kind (the AAA server timing out or refusing, `MaxStartups`), search `--connect-rate` at
//!   the ceiling's worker count: start at the knee's throughput, step up (or down) by a
//!   quarter until a rate fails (or is clean), then bisect to the resolution. The best rate
//!   is the lowest clean one within the tolerance of the best clean rate's throughput.
//! - **Budgets**: before each run, its logins (the most any run made so far, else one per
//!   device) and its time (the wall time of the nearest point measured) must fit in what is
//!   left; otherwise the search ends with the answer so far.

use fleetbench_report::kind;
use fleetbench_report::tune::{FailureOnset, RateChoice, Reason, TuneChoice, TunePoint, Why};
use rate::RateSearch;
#[cfg(test)]
use rate::round_rate;
use std::collections::BTreeMap;

mod budget;
mod rate;

use budget::budgeted;

/// The noise assumed for a point of one run before any point was repeated.
pub const PRIOR_NOISE: f64 = 0.02;
/// The most runs one search makes: a guard (a knee at 500 workers takes about 20).
pub const MAX_STEPS: usize = 80;

/// Failure kinds about the rate of new connections: a connect rate can cure them.
pub const RATE_KINDS: [&str; 3] = [
    kind::AAA_TIMEOUT,
    kind::AAA_REJECTED,
    kind::DROPPED_AT_STARTUP,
];

/// Failure kinds that are a sign of trouble on a real fleet: the search stops climbing at
/// the first point that has more of them than the lowest worker count.
pub const TROUBLE: [&str; 11] = [
    kind::AAA_TIMEOUT,
    kind::AAA_REJECTED,
    kind::VTY_BUSY,
    kind::LOGIN_BLOCKED,
    kind::DROPPED_AT_STARTUP,
    kind::REFUSED,
    kind::DISCONNECTED,
    kind::TIMEOUT,
    kind::AUTH_REJECTED,
    kind::BASTION_REFUSED,
    kind::UNREACHABLE,
];

/// What one search is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Devices polled per run.
    pub devices: usize,
    pub tolerance: f64,
    pub failure_budget: usize,
    pub resolution: f64,
    pub start: usize,
    pub max_workers: usize,
    pub max_runs: usize,
    pub cautious: bool,
    /// Double past the knee to find where failures start (never when cautious).
    pub probe: bool,
    /// Whether `--connect-rate` can be set (not for an external poller).
    pub rate_search: bool,
    pub login_budget: Option<u64>,
    pub time_budget_s: Option<f64>,
}

/// What the search has spent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spent {
    pub logins: u64,
    pub elapsed_s: f64,
}

/// The search's next move.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Measure {
        workers: usize,
        connect_rate: Option<f64>,
        why: Why,
    },
    Done(Outcome),
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub answer: Option<TuneChoice>,
    pub failures: Option<FailureOnset>,
    pub persistent: BTreeMap<String, usize>,
    pub connect_rate: Option<RateChoice>,
    pub stopped: Reason,
}

/// The next point to measure, or the answer: see the module's rules.
pub fn next(s: &Settings, points: &[TunePoint], spent: Spent) -> Step {
    let runs: usize = points.iter().map(|p| p.runs.len()).sum();
    if runs >= MAX_STEPS {
        return Step::Done(conclude(s, points, Reason::Steps { steps: runs }));
    }
    let Some(a) = Analysis::of(s, points) else {
        return budgeted(
            s,
            points,
            spent,
            s.start.clamp(1, s.max_workers.max(1)),
            None,
            Why::Start,
        );
    };
    match a.plan() {
        Plan::Measure(w, rate, why) => budgeted(s, points, spent, w, rate, why),
        Plan::Done(reason) => Step::Done(conclude(s, points, reason)),
    }
}

/// The answer from the points measured so far, the search ending for `stopped` (a budget,
/// Ctrl-C, or the search's own end).
pub fn conclude(s: &Settings, points: &[TunePoint], stopped: Reason) -> Outcome {
    let Some(a) = Analysis::of(s, points) else {
        return Outcome {
            answer: None,
            failures: None,
            persistent: BTreeMap::new(),
            connect_rate: None,
            stopped,
        };
    };
    let answer = a.answer(&stopped);
    Outcome {
        answer,
        failures: a.onset(),
        persistent: a.persistent(),
        connect_rate: a.rate_choice(),
        stopped,
    }
}

/// The plateau as the search reads it (the level its target is set from), for the model of
/// the knee to compare with its ceilings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau<'a> {
    /// The best clean throughput read robustly (see the module's rules), devices a second.
    pub level: f64,
    /// The noise around it: the best point's and a run's (pooled) together, a fraction.
    pub noise: f64,
    /// The clean point of the best throughput.
    pub best: &'a TunePoint,
    /// The most workers measured clean.
    pub top_workers: usize,
}

/// The plateau of the points measured so far (`None` before a clean point).
pub fn plateau<'a>(s: &'a Settings, points: &'a [TunePoint]) -> Option<Plateau<'a>> {
    let a = Analysis::of(s, points)?;
    let best = a.best()?;
    Some(Plateau {
        level: a.level(),
        noise: a.noise(best) + a.pooled,
        best,
        top_workers: a.clean.last().map_or(best.workers, |p| p.workers),
    })
}

enum Plan {
    Measure(usize, Option<f64>, Why),
    Done(Reason),
}

/// The points read against the rules.
struct Analysis<'a> {
    s: &'a Settings,
    lowest: &'a TunePoint,
    /// Devices that failed at the lowest count (its best run).
    base: usize,
    /// The worker points below the ceiling, fewest workers first.
    clean: Vec<&'a TunePoint>,
    /// The lowest failing worker point.
    ceiling: Option<&'a TunePoint>,
    /// The connect-rate points.
    rates: Vec<&'a TunePoint>,
    /// The noise of a point of one run.
    pooled: f64,
}

/// Where the knee stands.
enum Knee<'a> {
    Settled(&'a TunePoint, Reason),
    /// Measure the first again: the second is too close to the target to tell.
    Repeat(&'a TunePoint, &'a TunePoint, f64, f64),
    Bisect(&'a TunePoint, &'a TunePoint),
}

impl<'a> Analysis<'a> {
    fn of(s: &'a Settings, points: &'a [TunePoint]) -> Option<Analysis<'a>> {
        let mut workers: Vec<&TunePoint> = points
            .iter()
            .filter(|p| p.connect_rate.is_none() && !p.runs.is_empty())
            .collect();
        workers.sort_by_key(|p| p.workers);
        let lowest = *workers.first()?;
        let base = lowest.failed_min();
        let base_trouble = lowest.runs.iter().map(trouble).min().unwrap_or(0);
        let failing = |p: &TunePoint| {
            p.failed_max() > base + s.failure_budget
                || (s.cautious
                    && p.workers > lowest.workers
                    && p.runs.iter().map(trouble).max().unwrap_or(0) > base_trouble)
        };
        let ceiling = workers.iter().copied().find(|p| failing(p));
        let clean = workers
            .iter()
            .copied()
            .filter(|p| ceiling.is_none_or(|c| p.workers < c.workers))
            .collect();
        let spreads: Vec<f64> = points
            .iter()
            .filter(|p| p.runs.len() >= 2)
            .map(TunePoint::spread)
            .collect();
        let pooled = if spreads.is_empty() {
            PRIOR_NOISE
        } else {
            fleetbench_report::Spread::of(&spreads).median
        };
        let mut rates: Vec<&TunePoint> = points
            .iter()
            .filter(|p| p.connect_rate.is_some() && !p.runs.is_empty())
            .collect();
        rates.sort_by(|a, b| {
            let r = |p: &TunePoint| p.connect_rate.unwrap_or(0.0);
            r(a).total_cmp(&r(b))
        });
        Some(Analysis {
            s,
            lowest,
            base,
            clean,
            ceiling,
            rates,
            pooled,
        })
    }

    fn noise(&self, p: &TunePoint) -> f64 {
        if p.runs.len() >= 2 {
            p.spread()
        } else {
            self.pooled
        }
    }

    /// The clean point of the best throughput (the fewest workers of equals).
    fn best(&self) -> Option<&'a TunePoint> {
        self.clean.iter().copied().reduce(|a, b| {
            if b.throughput() > a.throughput() {
                b
            } else {
                a
            }
        })
    }

    /// The best throughput, read robustly: the median of the clean points within the
    /// tolerance and the noise of the highest one. The highest of several noisy points is
    /// biased upwards (the winner's curse), and a target set from it alone would push the
    /// knee up the plateau.
    fn level(&self) -> f64 {
        let Some(best) = self.best() else {
            return 0.0;
        };
        // The noise widens the window by at most the tolerance again: with runs that spread
        // wildly, the whole curve would otherwise count as the plateau.
        let widen = (self.noise(best) + self.pooled).min(self.s.tolerance);
        let floor = (1.0 - self.s.tolerance - widen) * best.throughput();
        let near: Vec<f64> = self
            .clean
            .iter()
            .map(|p| p.throughput())
            .filter(|t| *t >= floor)
            .collect();
        fleetbench_report::Spread::of(&near).median
    }

    fn target(&self) -> f64 {
        (1.0 - self.s.tolerance) * self.level()
    }

    /// The interval `(a, b)` is within the resolution.
    fn close(&self, a: usize, b: usize) -> bool {
        b <= a + 1 || b as f64 <= a as f64 * (1.0 + self.s.resolution)
    }

    /// The rise of throughput over the last step of the climb: from the clean point before
    /// the top one to the top one.
    fn last_rise(&self) -> Option<(&'a TunePoint, f64)> {
        let n = self.clean.len();
        if n < 2 {
            return None;
        }
        let (prev, top) = (self.clean[n - 2], self.clean[n - 1]);
        let t = prev.throughput();
        (t > 0.0).then(|| (prev, top.throughput() / t - 1.0))
    }

    fn plan(&self) -> Plan {
        let s = self.s;
        if self.lowest.runs.iter().all(|r| r.ok == 0) {
            return Plan::Done(Reason::FailsAtLowest {
                workers: self.lowest.workers,
            });
        }
        if s.max_workers <= 1 {
            return Plan::Done(Reason::OneWorker);
        }
        let Some(&top) = self.clean.last() else {
            // The lowest point is clean by definition (its own failures are the base).
            return Plan::Done(Reason::FailsAtLowest {
                workers: self.lowest.workers,
            });
        };
        // Bracket: climb while the last doubling rose by more than the tolerance. A rise
        // inside the noise of the tolerance climbs on; a fall never does (a flat plateau would
        // otherwise climb on every lucky draw).
        if self.ceiling.is_none() && top.workers < s.max_workers {
            let climb = match self.last_rise() {
                None => Some((top.workers, None)),
                Some((prev, rise)) => {
                    let band = self.noise(prev) + self.noise(top);
                    (rise > (s.tolerance - band).max(0.0)).then_some((prev.workers, Some(rise)))
                }
            };
            if let Some((from, rise)) = climb {
                return Plan::Measure(
                    (top.workers * 2).min(s.max_workers),
                    None,
                    Why::Climb {
                        from,
                        to: top.workers,
                        rise,
                    },
                );
            }
        }
        let rising_at_ceiling = self.ceiling.is_some()
            && self.best().is_some_and(|b| b.workers == top.workers)
            && self.last_rise().is_some_and(|(_, r)| r > s.tolerance);
        if rising_at_ceiling && let Some(p) = self.onset_step() {
            return p;
        }
        let knee_reason = match self.knee() {
            Knee::Repeat(again, of, band, margin) => {
                return Plan::Measure(
                    again.workers,
                    None,
                    Why::Repeat {
                        of: of.workers,
                        spread: band,
                        margin,
                    },
                );
            }
            Knee::Bisect(below, above) => {
                return Plan::Measure(
                    geometric_middle(below.workers, above.workers),
                    None,
                    Why::Knee {
                        below: below.workers,
                        above: above.workers,
                    },
                );
            }
            Knee::Settled(_, reason) => reason,
        };
        if let Some(p) = self.onset_step() {
            return p;
        }
        // Past the knee: double until failures start or the most workers (not cautious).
        if s.probe && !s.cautious && self.ceiling.is_none() && top.workers < s.max_workers {
            return Plan::Measure(
                (top.workers * 2).min(s.max_workers),
                None,
                Why::Probe { from: top.workers },
            );
        }
        if let Some(p) = self.rate_step() {
            return p;
        }
        // Why the search ended: the most telling of what bounded it.
        if let Some(c) = self.ceiling
            && s.cautious
        {
            return Plan::Done(Reason::Trouble { workers: c.workers });
        }
        if self.ceiling.is_none()
            && top.workers >= s.max_workers
            && self.last_rise().is_some_and(|(_, r)| r > s.tolerance)
        {
            return Plan::Done(Reason::MostWorkers {
                workers: s.max_workers,
            });
        }
        Plan::Done(knee_reason)
    }

    /// The knee's interval and whether it is settled.
    fn knee(&self) -> Knee<'a> {
        let (Some(best), target) = (self.best(), self.target()) else {
            return Knee::Settled(
                self.lowest,
                Reason::FailsAtLowest {
                    workers: self.lowest.workers,
                },
            );
        };
        // A point closer to the target than its noise and the best's together is measured
        // again (or the best is, whichever has fewer runs) up to the most runs; after that
        // it counts as reaching the target: the knee is the fewest workers not shown to fall
        // short of it.
        let reaches = |p: &TunePoint| {
            p.throughput() >= target || self.doubt(p, best, target).is_some_and(|d| d.2.is_none())
        };
        let Some(above) = self.clean.iter().copied().find(|p| reaches(p)) else {
            return Knee::Settled(
                best,
                Reason::Lowest {
                    workers: best.workers,
                },
            );
        };
        let below = self
            .clean
            .iter()
            .copied()
            .rfind(|p| p.workers < above.workers);
        for p in [Some(above), below].into_iter().flatten() {
            if let Some((band, margin, Some(again))) = self.doubt(p, best, target) {
                return Knee::Repeat(again, p, band, margin);
            }
        }
        let Some(below) = below else {
            return Knee::Settled(
                above,
                Reason::Lowest {
                    workers: above.workers,
                },
            );
        };
        let reason = if self.close(below.workers, above.workers) {
            Reason::Resolution {
                below: below.workers,
                above: above.workers,
            }
        } else if target > 0.0
            && (above.throughput() - below.throughput()).abs() / target
                <= self.noise(above) + self.noise(below)
        {
            Reason::Noise {
                below: below.workers,
                above: above.workers,
            }
        } else {
            return Knee::Bisect(below, above);
        };
        Knee::Settled(above, reason)
    }

    /// When `p` is closer to the target than its noise and the best's together: that band,
    /// the margin, and which of the two to measure again (`None`: both have their most runs).
    fn doubt(
        &self,
        p: &'a TunePoint,
        best: &'a TunePoint,
        target: f64,
    ) -> Option<(f64, f64, Option<&'a TunePoint>)> {
        if std::ptr::eq(p, best) || target <= 0.0 {
            return None;
        }
        let margin = (p.throughput() - target).abs() / target;
        let band = self.noise(p) + self.noise(best);
        if margin >= band {
            return None;
        }
        let again = if best.runs.len() < p.runs.len() {
            best
        } else {
            p
        };
        Some((
            band,
            margin,
            (again.runs.len() < self.s.max_runs).then_some(again),
        ))
    }

    /// The next point of the onset's bisection, if it is not settled (never when cautious).
    fn onset_step(&self) -> Option<Plan> {
        let (c, top) = (self.ceiling?, *self.clean.last()?);
        if self.s.cautious || self.close(top.workers, c.workers) {
            return None;
        }
        Some(Plan::Measure(
            geometric_middle(top.workers, c.workers),
            None,
            Why::Onset {
                clean: top.workers,
                failing: c.workers,
            },
        ))
    }

    fn onset(&self) -> Option<FailureOnset> {
        let c = self.ceiling?;
        let top = self.clean.last()?;
        let persistent = self.persistent();
        let worst = c.worst()?;
        let less = |m: &BTreeMap<String, usize>| -> BTreeMap<String, usize> {
            m.iter()
                .map(|(k, &n)| {
                    (
                        k.clone(),
                        n.saturating_sub(*persistent.get(k).unwrap_or(&0)),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect()
        };
        Some(FailureOnset {
            clean_up_to: top.workers,
            failing_from: c.workers,
            failed: worst.failed.saturating_sub(self.base),
            kinds: less(&worst.kinds),
            client_kinds: worst.client_kinds.clone(),
            settled: self.close(top.workers, c.workers),
        })
    }

    /// Failures at the lowest count, by kind (its best run).
    fn persistent(&self) -> BTreeMap<String, usize> {
        self.lowest
            .runs
            .iter()
            .min_by_key(|r| r.failed)
            .map(|r| r.kinds.clone())
            .unwrap_or_default()
    }

    /// Whether the onset's new failures are mostly about the connect rate.
    fn rate_bound(&self) -> bool {
        self.onset().is_some_and(|o| {
            let total: usize = o.kinds.values().sum();
            let rate: usize = RATE_KINDS
                .iter()
                .map(|k| o.kinds.get(*k).copied().unwrap_or(0))
                .sum();
            total > 0 && rate * 2 >= total
        })
    }

    /// The connect-rate search at the ceiling's worker count.
    fn rate_search(&self) -> Option<RateSearch<'a>> {
        Some(RateSearch::new(
            self.ceiling?.workers,
            &self.rates,
            self.base + self.s.failure_budget,
            self.s.tolerance,
            self.s.resolution,
        ))
    }

    fn rate_step(&self) -> Option<Plan> {
        let s = self.s;
        if !s.rate_search || s.cautious || !self.rate_bound() {
            return None;
        }
        let r = self.rate_search()?;
        let (next, why) = r.next(self.best()?.throughput())?;
        Some(Plan::Measure(r.workers, Some(next), why))
    }

    fn rate_choice(&self) -> Option<RateChoice> {
        self.rate_search()?.choice()
    }

    fn answer(&self, stopped: &Reason) -> Option<TuneChoice> {
        let (p, reason) = match self.knee() {
            Knee::Settled(p, r) => (p, r),
            // Open: the fewest workers known to reach the target, for the reason it stopped.
            Knee::Repeat(..) | Knee::Bisect(..) => {
                let target = self.target();
                let p = self
                    .clean
                    .iter()
                    .copied()
                    .find(|p| p.throughput() >= target)?;
                (p, stopped.clone())
            }
        };
        if matches!(reason, Reason::FailsAtLowest { .. }) || p.runs.iter().all(|r| r.ok == 0) {
            return None;
        }
        Some(TuneChoice {
            workers: p.workers,
            throughput: p.throughput(),
            wall_s: p.wall_s(),
            failed: p.failed_max(),
            reason,
        })
    }
}

/// Devices of a run that failed with a [`TROUBLE`] kind.
fn trouble(r: &fleetbench_report::tune::TuneRun) -> usize {
    TROUBLE
        .iter()
        .map(|k| r.kinds.get(*k).copied().unwrap_or(0))
        .sum()
}

/// The worker count between `a` and `b` (`a + 1 < b`) at their geometric middle.
pub fn geometric_middle(a: usize, b: usize) -> usize {
    let m = ((a.max(1) as f64) * (b as f64)).sqrt().round() as usize;
    m.clamp(a + 1, b.saturating_sub(1).max(a + 1))
}

#[cfg(test)]
mod tests;
