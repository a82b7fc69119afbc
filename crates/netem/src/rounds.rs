//! The report's `network` object as the link emulator starts it (its classes and the
//! lower bound); what each strategy adds is computed by [`fleetbench_report::network`].

use fleetbench_report::network::{ClassReport, NetworkReport, session_round_trips};

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
    }
}
