//! The report's `network` object (`--network`): the emulated links, the method and what it
//! gets wrong, and per strategy the round trips each phase took (phase time minus the
//! device's own delays, over the device's RTT), the packets and bytes each way, and the
//! retransmissions the kernel counted. The link emulator that produces the links and the
//! traffic is the `fleetbench-netem` crate; the types it shares with the report are here.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Phase;
use crate::result::DeviceResult;
use crate::spread::Spread;

/// Packets a rate-limited direction may queue before tail drop, unless `queue=` says.
pub const DEFAULT_QUEUE: usize = 1000;

/// One device's link, both directions alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LinkParams {
    /// Round-trip time added by the link (half each way).
    #[serde(with = "secs", rename = "rtt_s")]
    #[schemars(with = "f64")]
    pub rtt: Duration,
    /// Round-trip jitter: each one-way delay moves by a uniform draw in ±jitter/2.
    #[serde(with = "secs", rename = "jitter_s")]
    #[schemars(with = "f64")]
    pub jitter: Duration,
    /// Probability that a packet is lost, each way.
    pub loss: f64,
    /// Bits per second each way; `None`: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    /// Packets that may wait for the rate limit; more are dropped (tail drop).
    pub queue: usize,
    /// Whether jitter may reorder packets.
    pub reorder: bool,
}

impl LinkParams {
    pub fn rtt_ms(ms: u64) -> LinkParams {
        LinkParams {
            rtt: Duration::from_millis(ms),
            jitter: Duration::ZERO,
            loss: 0.0,
            rate_bps: None,
            queue: DEFAULT_QUEUE,
            reorder: false,
        }
    }

    /// Half the round trip: each direction's base delay.
    pub fn one_way(&self) -> Duration {
        self.rtt / 2
    }
}

/// How the link is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Every IP packet through TUN devices between two network namespaces.
    Tun,
    /// A userspace TCP relay per device on 127.0.0.1 (where namespaces are refused).
    Relay,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "tun" => Some(Method::Tun),
            "relay" => Some(Method::Relay),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Method::Tun => "tun",
            Method::Relay => "relay",
        }
    }
    /// What the method gets wrong, for the report.
    pub fn biases(self) -> Vec<String> {
        match self {
            Method::Tun => Vec::new(),
            Method::Relay => vec![
                "the TCP handshake is not delayed (the client connects to a local relay)".into(),
                "no packet is lost: loss is ignored, and TCP never retransmits".into(),
                "delay and rate apply to the byte chunks the relay reads, not to packets, so slow start and ACK clocking are not modelled".into(),
                "TCP_INFO describes the loopback connection to the relay, not the emulated link".into(),
            ],
        }
    }
}

/// Packets and bytes through the link (`up`: client to devices).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Traffic {
    pub packets_up: u64,
    pub bytes_up: u64,
    pub packets_down: u64,
    pub bytes_down: u64,
    /// Packets the link lost on purpose (random loss), both ways.
    pub lost: u64,
    /// Packets dropped by a full rate-limit queue or the in-flight bound, both ways.
    pub queue_drops: u64,
}

impl Traffic {
    pub fn minus(&self, before: &Traffic) -> Traffic {
        Traffic {
            packets_up: self.packets_up.saturating_sub(before.packets_up),
            bytes_up: self.bytes_up.saturating_sub(before.bytes_up),
            packets_down: self.packets_down.saturating_sub(before.packets_down),
            bytes_down: self.bytes_down.saturating_sub(before.bytes_down),
            lost: self.lost.saturating_sub(before.lost),
            queue_drops: self.queue_drops.saturating_sub(before.queue_drops),
        }
    }
}

/// Round trips of one session per phase, as the user guide derives them (libssh2 client, password
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClassReport {
    pub name: String,
    pub devices: usize,
    #[serde(flatten)]
    pub link: LinkParams,
}

/// The report's `network` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkReport {
    /// `--network` as given.
    pub profile: String,
    pub method: Method,
    /// What the method does not model (empty for `tun`).
    pub biases: Vec<String>,
    pub classes: Vec<ClassReport>,
    /// Round trips one session needs ([`SESSION_ROUND_TRIPS`]).
    pub session_round_trips: u32,
    /// No schedule finishes a session faster: `session_round_trips` x the largest RTT.
    pub lower_bound_s: f64,
    pub strategies: Vec<StrategyNetwork>,
}

/// The network as one strategy saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PerSession {
    pub packets_up: f64,
    pub bytes_up: f64,
    pub packets_down: f64,
    pub bytes_down: f64,
}

fn median(v: &[f64]) -> f64 {
    Spread::of(v).median
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
            // The jump host's phases exist only through one (never behind --network).
            if matches!(phase, Phase::Bastion | Phase::BastionChannel)
                && !r.phases.iter().any(|p| p.phase == phase)
            {
                continue;
            }
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

/// Durations as seconds (f64) in reports.
mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::PhaseTime;

    fn result(phases: &[(Phase, f64)], retrans: u32) -> DeviceResult {
        let mut r = DeviceResult::blank("R1", "198.18.0.1", 22);
        r.ok = true;
        r.ended_unix = 1.0;
        r.worker = "w".into();
        r.phases = phases
            .iter()
            .map(|&(phase, secs)| PhaseTime {
                phase,
                index: None,
                start_s: 0.0,
                secs,
            })
            .collect();
        r.tcp = Some(crate::result::TcpStats {
            retransmits: retrans,
            ..Default::default()
        });
        r
    }

    #[test]
    fn round_trips_subtract_device_delays_and_take_each_devices_rtt() {
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
        assert_eq!(session_round_trips(1, Method::Tun), 13);
        assert_eq!(session_round_trips(1, Method::Relay), 12);
        assert_eq!(session_round_trips(3, Method::Tun), 15);
    }
}
