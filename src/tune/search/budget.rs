//! The search's budgets (`--login-budget`, `--time-budget`): a run that would pass one is
//! not measured, and the answer so far is the search's.

use super::{Settings, Spent, Step, conclude};
use fleetbench_report::tune::{Reason, TunePoint, Why};

/// `Measure` if the run fits the budgets, else the answer so far.
pub(super) fn budgeted(
    s: &Settings,
    points: &[TunePoint],
    spent: Spent,
    workers: usize,
    connect_rate: Option<f64>,
    why: Why,
) -> Step {
    let cost = points
        .iter()
        .flat_map(|p| &p.runs)
        .map(|r| r.logins)
        .max()
        .unwrap_or(s.devices as u64);
    if let Some(budget) = s.login_budget
        && spent.logins + cost > budget
    {
        let stopped = Reason::LoginBudget {
            spent: spent.logins,
            budget,
        };
        return Step::Done(conclude(s, points, stopped));
    }
    if let Some(budget_s) = s.time_budget_s {
        let nearest = points.iter().min_by(|a, b| {
            let d = |p: &TunePoint| (p.workers as f64).ln() - (workers as f64).ln();
            d(a).abs().total_cmp(&d(b).abs())
        });
        let estimate = nearest.map_or(0.0, TunePoint::wall_s);
        if spent.elapsed_s + estimate > budget_s {
            let stopped = Reason::TimeBudget {
                spent_s: spent.elapsed_s,
                budget_s,
            };
            return Step::Done(conclude(s, points, stopped));
        }
    }
    Step::Measure {
        workers,
        connect_rate,
        why,
    }
}
