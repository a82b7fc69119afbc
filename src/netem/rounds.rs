//! What the report says about the network: the profile and method, and per strategy the round
//! trips each phase took (phase time minus the device's own delays, over the device's RTT),
//! the packets and bytes each way, and the retransmissions the kernel counted (`TCP_INFO`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::link::Traffic;
use super::spec::{LinkParams, NetworkSpec};
use super::{Method, TunNetwork};
use crate::error::Phase;
use crate::result::DeviceResult;

/// Round trips of one session per phase, as derived in the README (libssh2 client, password
/// auth, `enable`, each command one round trip): connect 1 (SYN), handshake 3 (banners, ECDH
/// key exchange, the `ssh-userauth` service request), auth 1, shell 3 (channel open, pty,
/// shell), prompt 1 (`terminal length 0`), enable 2 (`enable`, the secret), command 1 each,
/// close 1 (`exit`).
pub const SESSION_ROUND_TRIPS: &[(Phase, u32)] = &[
    (Phase::Connect, 1),
    (Phase::Handshake, 3),
    (Phase::Auth, 1),
    (Phase::Shell, 3),
    (Phase::Prompt, 1),
    (Phase::Enable, 2),
    (Phase::Command, 1),
    (Phase::Close, 1),
];

/// Round trips of `phase` (`k` in [`SESSION_ROUND_TRIPS`]) over `method`: behind the relay the
/// TCP handshake is with a local socket, so connecting costs no round trip of the link.
pub fn phase_round_trips(phase: Phase, k: u32, commands: usize, method: Method) -> u32 {
    match phase {
        Phase::Connect if method == Method::Relay => 0,
        Phase::Command => k * commands as u32,
        _ => k,
    }
}

/// Round trips of one session running `commands` commands over `method`: 12 + one per
/// command through TUN, one fewer through the relay (no connect).
pub fn session_round_trips(commands: usize, method: Method) -> u32 {
    SESSION_ROUND_TRIPS
        .iter()
        .map(|&(p, k)| phase_round_trips(p, k, commands, method))
        .sum()
}

/// One class of the fleet's links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    pub name: String,
    pub devices: usize,
    #[serde(flatten)]
    pub link: LinkParams,
}

/// The report's `network` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkReport {
    /// `--network` as given.
    pub profile: String,
    pub method: Method,
    /// What the method does not model (empty for `tun`).
    pub biases: Vec<String>,
    pub classes: Vec<ClassReport>,
    /// Round trips one session needs (the README's derivation).
    pub session_round_trips: u32,
    /// No schedule finishes a session faster: `session_round_trips` x the largest RTT.
    pub lower_bound_s: f64,
    pub strategies: Vec<StrategyNetwork>,
}

/// The network as one strategy saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyNetwork {
    pub strategy: String,
    /// Per phase, the median over the last run's successful sessions of (phase time - the
    /// device's own delay in it) / the device's RTT.
    pub round_trips: BTreeMap<String, f64>,
    /// The median of each session's total.
    pub total_round_trips: f64,
    /// The fastest session's total: the protocol's count plus the CPU time of both ends, with
    /// no waiting for a busy core (the median adds that when many sessions share 2 cores).
    #[serde(default)]
    pub fastest_round_trips: f64,
    /// Sessions over which `traffic` was counted (warm-up runs included).
    pub sessions: u64,
    /// Through the link, both ways, over all of this strategy's runs (`tun` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    /// `traffic` divided by `sessions`: packets and bytes of one session, each way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_session: Option<PerSession>,
    /// Retransmitted segments on the client sockets of the last run (`TCP_INFO`).
    pub retransmits: u64,
    /// Sessions of the last run with at least one retransmission.
    pub retransmitting_sessions: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerSession {
    pub packets_up: f64,
    pub bytes_up: f64,
    pub packets_down: f64,
    pub bytes_down: f64,
}

impl NetworkReport {
    pub fn new(
        spec: &NetworkSpec,
        method: Method,
        links: &[(usize, LinkParams)],
        commands: usize,
    ) -> Self {
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

    /// For a `tun` network.
    pub fn of_tun(net: &TunNetwork, commands: usize) -> Self {
        NetworkReport::new(&net.spec, Method::Tun, &net.links, commands)
    }
}

fn median(v: &[f64]) -> f64 {
    crate::stats::Spread::of(v).median
}

/// Summarises one strategy. `results` are the last run's, in device order (`links[i]` is
/// device `i`'s); `device_delay(phase)` is what the emulated device itself waits in that phase.
pub fn strategy_network(
    strategy: &str,
    results: &[DeviceResult],
    links: &[(usize, LinkParams)],
    device_delay: &dyn Fn(Phase) -> Duration,
    traffic: Option<Traffic>,
    sessions: u64,
) -> StrategyNetwork {
    let mut per_phase: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let mut totals = Vec::new();
    for (r, (_, link)) in results.iter().zip(links) {
        if !r.ok || link.rtt.is_zero() {
            continue;
        }
        let rtt = link.rtt.as_secs_f64();
        let mut total = 0.0;
        for phase in Phase::ALL {
            let secs = r.phase_secs(phase);
            let rounds = ((secs - device_delay(phase).as_secs_f64()) / rtt).max(0.0);
            per_phase.entry(phase.as_str()).or_default().push(rounds);
            total += rounds;
        }
        totals.push(total);
    }
    let round_trips = per_phase
        .into_iter()
        .map(|(p, v)| (p.to_string(), (median(&v) * 100.0).round() / 100.0))
        .collect();
    let retransmits = results
        .iter()
        .filter_map(|r| r.tcp.map(|t| u64::from(t.retransmits)))
        .sum();
    let retransmitting_sessions = results
        .iter()
        .filter(|r| r.tcp.is_some_and(|t| t.retransmits > 0))
        .count();
    let per_session = traffic.filter(|_| sessions > 0).map(|t| {
        let s = sessions as f64;
        PerSession {
            packets_up: t.packets_up as f64 / s,
            bytes_up: t.bytes_up as f64 / s,
            packets_down: t.packets_down as f64 / s,
            bytes_down: t.bytes_down as f64 / s,
        }
    });
    StrategyNetwork {
        strategy: strategy.to_string(),
        round_trips,
        total_round_trips: (median(&totals) * 100.0).round() / 100.0,
        fastest_round_trips: (totals.iter().copied().reduce(f64::min).unwrap_or(0.0) * 100.0)
            .round()
            / 100.0,
        sessions,
        traffic,
        per_session,
        retransmits,
        retransmitting_sessions,
    }
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
    use crate::result::PhaseTime;

    fn result(phases: &[(Phase, f64)], retrans: u32) -> DeviceResult {
        DeviceResult {
            name: "R1".into(),
            host: "198.18.0.1".into(),
            port: 22,
            ok: true,
            outputs: Vec::new(),
            error: None,
            started_unix: 0.0,
            ended_unix: 1.0,
            phases: phases
                .iter()
                .map(|&(phase, secs)| PhaseTime {
                    phase,
                    index: None,
                    start_s: 0.0,
                    secs,
                })
                .collect(),
            host_key: None,
            new_host_key: None,
            worker: "w".into(),
            tcp: Some(crate::netem::TcpStats {
                retransmits: retrans,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn round_trips_subtract_device_delays_and_take_each_devices_rtt() {
        let spec = NetworkSpec::parse("rtt=100ms@50%;rtt=50ms").unwrap();
        let links = vec![
            (0, LinkParams::rtt_ms(100)),
            (1, LinkParams::rtt_ms(50)),
            (1, LinkParams::rtt_ms(50)),
        ];
        let results = vec![
            result(&[(Phase::Connect, 0.1), (Phase::Prompt, 0.7)], 0),
            result(&[(Phase::Connect, 0.05), (Phase::Prompt, 0.65)], 2),
            result(&[(Phase::Connect, 0.05), (Phase::Prompt, 0.7)], 0),
        ];
        // The device waits 0.5 s before its first prompt.
        let delay = |p: Phase| {
            if p == Phase::Prompt {
                Duration::from_millis(500)
            } else {
                Duration::ZERO
            }
        };
        let t = Traffic {
            packets_up: 30,
            bytes_up: 3000,
            packets_down: 60,
            bytes_down: 9000,
            ..Default::default()
        };
        let s = strategy_network("threads", &results, &links, &delay, Some(t), 3);
        assert_eq!(s.round_trips["connect"], 1.0);
        // Two, three and four round trips: the median is three.
        assert_eq!(s.round_trips["prompt"], 3.0);
        assert_eq!(s.round_trips["auth"], 0.0);
        assert_eq!(s.total_round_trips, 4.0);
        assert_eq!(s.fastest_round_trips, 3.0);
        assert_eq!((s.retransmits, s.retransmitting_sessions), (2, 1));
        assert_eq!(s.per_session.unwrap().bytes_down, 3000.0);
        let mut n = NetworkReport::new(&spec, Method::Tun, &links, 1);
        assert_eq!(n.classes[0].devices, 1);
        assert_eq!(n.classes[1].devices, 2);
        assert_eq!(session_round_trips(1, Method::Tun), 13);
        assert_eq!(session_round_trips(1, Method::Relay), 12);
        assert_eq!(session_round_trips(3, Method::Tun), 15);
        assert!((n.lower_bound_s - 1.3).abs() < 1e-9);
        n.strategies.push(s);
        let table = render_table(&n);
        assert!(table.contains("threads"), "{table}");
        assert!(table.contains("(README)"), "{table}");
        assert!(table.contains("   4.00    3.00 "), "{table}");
    }
}
