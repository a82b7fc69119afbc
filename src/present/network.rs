//! The round-trip table printed after `compare`'s tables when it ran over `--network`: per
//! strategy, the round trips each phase took against the protocol's count.

use fleetbench_report::network::{
    NetworkReport, SESSION_ROUND_TRIPS, phase_round_trips, session_round_trips,
};
use std::fmt::Write as _;

/// The round-trip table printed after `compare`'s tables.
pub fn round_trips(n: &NetworkReport) -> String {
    let mut out = String::new();
    let classes: Vec<String> = n
        .classes
        .iter()
        .map(|c| {
            format!(
                "{} x{} (rtt {:.0} ms)",
                c.name,
                c.devices,
                c.link.rtt.as_secs_f64() * 1e3
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "network {} via {}: {}; a session needs {} round trips, so no session is shorter than {:.3} s",
        n.profile,
        n.method.name(),
        classes.join(", "),
        n.session_round_trips,
        n.lower_bound_s
    );
    for b in &n.biases {
        let _ = writeln!(out, "  bias: {b}");
    }
    let phases: Vec<&str> = SESSION_ROUND_TRIPS
        .iter()
        .map(|(p, _)| p.as_str())
        .collect();
    let _ = write!(out, "{:<11}", "round trips");
    for p in &phases {
        let _ = write!(out, " {:>9}", p);
    }
    let _ = writeln!(
        out,
        " {:>7} {:>7} {:>11} {:>13} {:>8}",
        "total", "fastest", "pkts up/dn", "bytes up/dn", "retrans"
    );
    let _ = write!(out, "{:<11}", "(model)");
    let commands = (n.session_round_trips - session_round_trips(0, n.method)) as usize;
    for &(p, k) in SESSION_ROUND_TRIPS {
        let _ = write!(out, " {:>9}", phase_round_trips(p, k, commands, n.method));
    }
    let _ = writeln!(
        out,
        " {:>7} {:>7}",
        n.session_round_trips, n.session_round_trips
    );
    for s in &n.strategies {
        let _ = write!(out, "{:<11}", s.strategy);
        for p in &phases {
            let _ = write!(
                out,
                " {:>9.2}",
                s.round_trips.get(*p).copied().unwrap_or(0.0)
            );
        }
        let (pk, by) = s.per_session.map_or(("-".into(), "-".into()), |p| {
            (
                format!("{:.0}/{:.0}", p.packets_up, p.packets_down),
                format!("{:.0}/{:.0}", p.bytes_up, p.bytes_down),
            )
        });
        let _ = writeln!(
            out,
            " {:>7.2} {:>7.2} {:>11} {:>13} {:>8}",
            s.total_round_trips, s.fastest_round_trips, pk, by, s.retransmits
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::network::{ClassReport, LinkParams, Method, StrategyNetwork};
    use std::collections::BTreeMap;

    #[test]
    fn the_table_puts_each_strategy_against_the_protocols_count() {
        let n = NetworkReport {
            profile: "rtt=100ms@50%;rtt=50ms".into(),
            method: Method::Tun,
            biases: Vec::new(),
            classes: vec![ClassReport {
                name: "rtt=100ms".into(),
                devices: 1,
                link: LinkParams::rtt_ms(100),
            }],
            session_round_trips: session_round_trips(1, Method::Tun),
            lower_bound_s: 1.3,
            strategies: vec![StrategyNetwork {
                strategy: "threads".into(),
                round_trips: BTreeMap::from([("connect".to_string(), 1.0)]),
                total_round_trips: 4.0,
                fastest_round_trips: 3.0,
                sessions: 3,
                traffic: None,
                per_session: None,
                retransmits: 2,
                retransmitting_sessions: 1,
            }],
        };
        let table = round_trips(&n);
        assert!(table.contains("threads"), "{table}");
        assert!(table.contains("(model)"), "{table}");
        assert!(table.contains("   4.00    3.00 "), "{table}");
        assert!(
            table.contains("no session is shorter than 1.300 s"),
            "{table}"
        );
    }
}
