//! What a strategy's last run came to beyond its numbers: whether it was cut short, its
//! failures grouped by kind (what the tables, summary lines and the HTML page say), and
//! whether its figures can be compared with the other rows' ([`comparability`]).
//!
//! A run stopped by Ctrl-C finishes the sessions in flight and marks every device it never
//! started `interrupted`; its wall time and efficiency then describe a smaller fleet, so a
//! screen must say "partial" rather than print them as if the whole fleet had been polled.

use crate::error::{Phase, kind::INTERRUPTED};
use crate::report::{Report, StrategyReport};
use crate::verdict::NotComparable;
use std::collections::BTreeMap;

/// Devices of the strategy's last run that never ran to the end because the run was
/// interrupted.
pub fn never_ran(s: &StrategyReport) -> usize {
    s.devices
        .iter()
        .filter(|d| d.error.as_ref().is_some_and(|e| e.kind == INTERRUPTED))
        .count()
}

/// Whether the strategy's last run was cut short.
pub fn is_partial(s: &StrategyReport) -> bool {
    never_ran(s) > 0
}

/// Strategies of the report whose last run was cut short.
pub fn partial_strategies(r: &Report) -> Vec<&StrategyReport> {
    r.strategies.iter().filter(|s| is_partial(s)).collect()
}

/// All devices of one strategy that failed with one error kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorGroup {
    pub kind: String,
    /// The phases the kind happened in (most kinds have one).
    pub phases: Vec<Phase>,
    /// Device names, in inventory order.
    pub devices: Vec<String>,
    /// The first device's message, as an example.
    pub example: String,
}

/// The failures of the strategy's last run, grouped by kind, largest group first (ties by
/// kind name, so the order is stable).
pub fn error_groups(s: &StrategyReport) -> Vec<ErrorGroup> {
    let mut by_kind: BTreeMap<&str, ErrorGroup> = BTreeMap::new();
    for d in &s.devices {
        let Some(e) = &d.error else { continue };
        let g = by_kind
            .entry(e.kind.as_str())
            .or_insert_with(|| ErrorGroup {
                kind: e.kind.clone(),
                phases: Vec::new(),
                devices: Vec::new(),
                example: e.message.clone(),
            });
        if let Some(p) = e.phase.filter(|p| !g.phases.contains(p)) {
            g.phases.push(p);
        }
        g.devices.push(d.name.clone());
    }
    let mut groups: Vec<ErrorGroup> = by_kind.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.devices.len()));
    groups
}

/// Whether `s`'s figures can be compared with other rows': every measured run polled at
/// least one device to the end, no run failed as a whole (an external poller that crashed,
/// timed out or exited non-zero), and it was not interrupted. A row that is not gets no
/// speed-up or bounds and moves no other row's ([`crate::verdict`]).
pub fn comparability(s: &StrategyReport) -> Result<(), NotComparable> {
    if s.runs.is_empty() {
        return Err(NotComparable::NoRuns);
    }
    let never_ran = never_ran(s);
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
            kinds: error_groups(s).into_iter().map(|g| g.kind).collect(),
        });
    }
    Ok(())
}

/// Whether the row polled: [`comparability`] is `Ok`.
pub fn polled(s: &StrategyReport) -> bool {
    comparability(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ErrorInfo;
    use crate::testing::full_report;

    #[test]
    fn interrupted_devices_make_a_partial_run() {
        let mut r = full_report(5);
        assert!(partial_strategies(&r).is_empty());
        let s = &mut r.strategies[0];
        for d in &mut s.devices[2..] {
            d.ok = false;
            d.error = Some(ErrorInfo {
                kind: INTERRUPTED.into(),
                message: "run interrupted before this device finished".into(),
                phase: None,
                client_kind: None,
            });
        }
        assert_eq!(never_ran(&r.strategies[0]), 3);
        assert_eq!(partial_strategies(&r).len(), 1);
    }

    #[test]
    fn errors_group_by_kind_largest_first() {
        let mut r = full_report(6);
        let s = &mut r.strategies[1];
        for i in [0, 2] {
            s.devices[i].ok = false;
            s.devices[i].error = Some(ErrorInfo {
                kind: "auth_rejected".into(),
                message: "authentication rejected for user 'cisco'".into(),
                phase: Some(Phase::Auth),
                client_kind: None,
            });
        }
        let g = error_groups(&r.strategies[1]);
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!(g[0].kind, "auth_rejected");
        assert_eq!(g[0].devices, ["R1", "R3"]);
        assert_eq!(g[0].phases, [Phase::Auth]);
        assert_eq!(g[1].kind, "timeout");
        assert_eq!(g[1].devices, ["R6"]);
    }
}
