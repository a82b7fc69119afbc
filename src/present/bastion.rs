//! The `--bastion` table: per strategy, the jump host's two phases, what an emulated bastion
//! counted, and the devices that failed at it, by kind.

use super::human;
use fleetbench_report::Report;
use fleetbench_report::kind;
use std::fmt::Write as _;

/// The table, or nothing when the run had no jump host.
pub fn bastion(report: &Report) -> String {
    let Some(b) = &report.bastion else {
        return String::new();
    };
    let mut t = format!("bastion {} via {}", b.mode, b.addresses.join(", "));
    if let Some(l) = &b.limits {
        let sessions = l.max_sessions.map_or("off".to_string(), |n| n.to_string());
        let _ = write!(
            t,
            " (emulated: startups {}, max-sessions {sessions})",
            l.startups
        );
    }
    if b.mode == fleetbench_report::bastion::BastionMode::Shared {
        let _ = write!(
            t,
            ", up to {} sessions a connection",
            b.channels_per_connection
        );
    }
    t.push('\n');
    let _ = writeln!(
        t,
        "{:<12} {:>11} {:>11} {:>7} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "strategy",
        "p99 bastion",
        "p99 channel",
        "logins",
        "dropped",
        "channels",
        "refused",
        "peak pnd",
        "dropped*",
        "refused*"
    );
    for s in &report.strategies {
        let p99 = |phase: &str| {
            s.latency_s
                .get(phase)
                .map_or("-".to_string(), |p| human::secs(p.p99))
        };
        let failed = |k: &str| {
            s.devices
                .iter()
                .filter(|d| d.error.as_ref().is_some_and(|e| e.kind == k))
                .count()
        };
        let c = |f: fn(&fleetbench_report::bastion::BastionCounts) -> u64| {
            s.bastion
                .as_ref()
                .map_or("-".to_string(), |b| f(b).to_string())
        };
        let _ = writeln!(
            t,
            "{:<12} {:>11} {:>11} {:>7} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}",
            s.strategy.name(),
            p99("bastion"),
            p99("bastion_channel"),
            c(|b| b.authenticated),
            c(|b| b.dropped_at_startup),
            c(|b| b.channels_opened),
            c(|b| b.channels_refused),
            c(|b| b.peak_pending),
            failed(kind::DROPPED_AT_STARTUP),
            failed(kind::BASTION_REFUSED),
        );
    }
    t.push_str(
        "logins .. peak pnd: the emulated bastion's own counts over the strategy's runs (warm-up \
         included); dropped*, refused*: devices of the last run that failed so.\n",
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::bastion::{BastionCounts, BastionInfo, BastionMode};

    #[test]
    fn nothing_without_a_bastion_and_a_row_per_strategy_with_one() {
        let mut r = fleetbench_report::testing::pair(1.0);
        assert_eq!(bastion(&r), "");
        r.bastion = Some(BastionInfo {
            mode: BastionMode::Shared,
            addresses: vec!["jump@127.0.0.1:2222".into()],
            emulated: true,
            channels_per_connection: 10,
            limits: None,
        });
        r.strategies[1].bastion = Some(BastionCounts {
            authenticated: 2,
            dropped_at_startup: 3,
            ..Default::default()
        });
        let t = bastion(&r);
        assert!(
            t.starts_with("bastion shared via jump@127.0.0.1:2222"),
            "{t}"
        );
        assert!(t.contains("up to 10 sessions a connection"), "{t}");
        assert_eq!(
            t.lines().filter(|l| l.starts_with("threads")).count(),
            1,
            "{t}"
        );
    }
}
