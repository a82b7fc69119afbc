//! The device-limits table: per strategy, what the devices' shared limits (the fleet's AAA
//! server, vty lines, login blocks, `MaxStartups`) did to its last run, by the devices' own
//! count, and its failures by kind (a kind the devices' record gave says what the client saw).

use fleetbench_report::{Report, outcome};
use std::fmt::Write as _;

/// The table, or an empty string when no strategy has the devices' count.
pub fn device_limits(report: &Report) -> String {
    if report.strategies.iter().all(|s| s.device_limits.is_none()) {
        return String::new();
    }
    let mut t = format!(
        "{:<11} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
        "limits",
        "sessions",
        "vty-busy",
        "blocked",
        "dropped",
        "aaa-req",
        "answered",
        "timeouts",
        "refused",
        "fallback",
        "aaa-wait",
        "answers/s"
    );
    let mut notes = String::new();
    for s in &report.strategies {
        let Some(d) = &s.device_limits else { continue };
        let _ = writeln!(
            t,
            "{:<11} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
            s.strategy.name(),
            d.sessions,
            d.vty_busy,
            d.login_blocked,
            d.dropped_at_startup + d.idle_closed,
            d.aaa_requests,
            d.aaa_answered,
            d.aaa_timeouts,
            d.aaa_rejections,
            d.aaa_fallbacks,
            d.aaa_wait_mean_s()
                .map_or_else(|| "-".into(), |w| format!("{:.1} ms", w * 1000.0)),
            d.aaa_answers_per_s()
                .map_or_else(|| "-".into(), |r| format!("{r:.1}")),
        );
        let failures: Vec<String> = outcome::error_groups(s)
            .iter()
            .map(|g| {
                let seen: Vec<&str> = s
                    .devices
                    .iter()
                    .filter_map(|d| d.error.as_ref())
                    .filter(|e| e.kind == g.kind)
                    .filter_map(|e| e.client_kind.as_deref())
                    .collect();
                match seen.first() {
                    Some(c) => format!("{} {} (the client saw {c})", g.devices.len(), g.kind),
                    None => format!("{} {}", g.devices.len(), g.kind),
                }
            })
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(notes, "  {}: {}", s.strategy.name(), failures.join(", "));
        }
    }
    if !notes.is_empty() {
        t.push_str("failures by kind (the devices' record names what a client cannot tell):\n");
        t.push_str(&notes);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::ErrorInfo;
    use fleetbench_report::limits::DeviceLimits;
    use fleetbench_report::testing::full_report;

    #[test]
    fn the_table_shows_counts_and_the_devices_causes() {
        let mut r = full_report(4);
        assert_eq!(device_limits(&r), "");
        let s = &mut r.strategies[0];
        s.device_limits = Some(DeviceLimits {
            sessions: 4,
            vty_busy: 1,
            aaa_requests: 3,
            aaa_answered: 2,
            aaa_timeouts: 1,
            aaa_wait_s: 0.3,
            span_s: 1.0,
            ..DeviceLimits::default()
        });
        s.devices[1].ok = false;
        s.devices[1].error = Some(ErrorInfo {
            kind: "vty_busy".into(),
            message: "m".into(),
            phase: None,
            client_kind: Some("disconnected".into()),
        });
        let t = device_limits(&r);
        assert!(t.contains("100.0 ms"), "{t}");
        assert!(
            t.contains("1 vty_busy (the client saw disconnected)"),
            "{t}"
        );
    }
}
