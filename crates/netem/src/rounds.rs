//! The report's `network` object as the link emulator starts it (its classes and the
//! lower bound); what each strategy adds is computed by [`fleetbench_report::network`].

use fleetbench_report::network::{
    ClassReport, NetworkReport, SESSION_ROUND_TRIPS, phase_round_trips, session_round_trips,
};

use crate::spec::{LinkParams, NetworkSpec};
use crate::tun::TunNetwork;
use fleetbench_report::network::Method;

/// The report's `network` object for `spec` over `method`, before any strategy ran: its
/// classes with their device counts (`links` is each device's class and link), the round
/// trips of one session running `commands` commands and the lower bound they make.
pub fn network_report(
    spec: &NetworkSpec,
    method: Method,
    links: &[(usize, LinkParams)],
    commands: usize,
) -> NetworkReport {
    let classes = spec
        .classes
        .iter()
        .enumerate()
        .map(|(k, c)| ClassReport {
            name: c.name.clone(),
            devices: links.iter().filter(|(i, _)| *i == k).count(),
            link: c.link.clone(),
        })
        .filter(|c| c.devices > 0)
        .collect::<Vec<_>>();
    let max_rtt = classes.iter().map(|c| c.link.rtt).max().unwrap_or_default();
    NetworkReport {
        profile: spec.name.clone(),
        method,
        biases: method.biases(),
        classes,
        session_round_trips: session_round_trips(commands, method),
        lower_bound_s: max_rtt.as_secs_f64() * f64::from(session_round_trips(commands, method)),
        strategies: Vec::new(),
    }
}

/// [`network_report`] of a `tun` network.
pub fn of_tun(net: &TunNetwork, commands: usize) -> NetworkReport {
    network_report(&net.spec, Method::Tun, &net.links, commands)
}

/// The round-trip table printed after `compare`'s tables.
pub fn render_table(n: &NetworkReport) -> String {
    use std::fmt::Write as _;
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
    let _ = write!(out, "{:<11}", "(README)");
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

    #[test]
    fn classes_count_their_devices_and_bound_a_session() {
        let spec = NetworkSpec::parse("rtt=100ms@50%;rtt=50ms").unwrap();
        let links = vec![
            (0, LinkParams::rtt_ms(100)),
            (1, LinkParams::rtt_ms(50)),
            (1, LinkParams::rtt_ms(50)),
        ];
        let n = network_report(&spec, Method::Tun, &links, 1);
        assert_eq!(n.classes[0].devices, 1);
        assert_eq!(n.classes[1].devices, 2);
        assert!((n.lower_bound_s - 1.3).abs() < 1e-9);
        let table = render_table(&n);
        assert!(table.contains("(README)"), "{table}");
    }
}
