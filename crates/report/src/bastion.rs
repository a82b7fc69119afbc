//! A run through a jump host (`--bastion`): how the client used it ([`BastionInfo`], the
//! report's `bastion` object) and, for an emulated bastion, what the bastion itself counted
//! during each strategy's runs ([`BastionCounts`], a strategy's `bastion`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How device sessions reach their devices through the jump host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BastionMode {
    /// One bastion connection (TCP, handshake, login) per device session, as OpenSSH's
    /// `ProxyJump` and `ssh -W` do.
    #[default]
    PerSession,
    /// A small pool of bastion connections, each carrying up to its channel limit of device
    /// sessions as `direct-tcpip` channels (netmiko #1435's request).
    Shared,
}

impl BastionMode {
    pub const ALL: [BastionMode; 2] = [BastionMode::PerSession, BastionMode::Shared];

    pub fn name(self) -> &'static str {
        match self {
            BastionMode::PerSession => "per-session",
            BastionMode::Shared => "shared",
        }
    }
}

impl fmt::Display for BastionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The report's `bastion` object: the jump host the devices were reached through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BastionInfo {
    pub mode: BastionMode,
    /// `user@host:port` of each jump host the devices use (usually one). Never a secret.
    pub addresses: Vec<String>,
    /// The fleet's own emulated bastion (`--emulate N --bastion`).
    pub emulated: bool,
    /// Most device sessions one shared connection carries (its `direct-tcpip` channels).
    pub channels_per_connection: usize,
    /// The emulated bastion's limits, as its profile set them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<BastionLimits>,
}

/// An emulated bastion's limits (profile keys `startups`, `max-sessions`, `bastion-grace`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BastionLimits {
    /// `MaxStartups` as `start:rate:full`.
    pub startups: String,
    /// Channels one connection may hold open; `null` for no limit.
    pub max_sessions: Option<usize>,
    /// `LoginGraceTime`, seconds.
    pub login_grace_s: f64,
}

/// What an emulated bastion counted during one strategy's runs (warm-up runs included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BastionCounts {
    /// TCP connections accepted.
    pub connections: u64,
    /// Of those, closed at once by the `MaxStartups` rule, before the SSH banner.
    pub dropped_at_startup: u64,
    /// Connections that logged in.
    pub authenticated: u64,
    /// `direct-tcpip` channels opened to devices.
    pub channels_opened: u64,
    /// Channel opens refused: over the per-connection limit, a target outside the fleet,
    /// or a device that did not answer.
    pub channels_refused: u64,
    /// Most connections pending at once (accepted, not yet authenticated).
    pub peak_pending: u64,
}

impl BastionCounts {
    /// Counts of two periods one after the other: sums, and the higher peak.
    pub fn add(&self, other: &BastionCounts) -> BastionCounts {
        BastionCounts {
            connections: self.connections + other.connections,
            dropped_at_startup: self.dropped_at_startup + other.dropped_at_startup,
            authenticated: self.authenticated + other.authenticated,
            channels_opened: self.channels_opened + other.channels_opened,
            channels_refused: self.channels_refused + other.channels_refused,
            peak_pending: self.peak_pending.max(other.peak_pending),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_serialize_by_name() {
        for m in BastionMode::ALL {
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.name())
            );
        }
        assert_eq!(BastionMode::default(), BastionMode::PerSession);
    }

    #[test]
    fn counts_add_and_keep_the_higher_peak() {
        let a = BastionCounts {
            connections: 3,
            peak_pending: 7,
            ..Default::default()
        };
        let b = BastionCounts {
            connections: 2,
            dropped_at_startup: 1,
            peak_pending: 4,
            ..Default::default()
        };
        let s = a.add(&b);
        assert_eq!(
            (s.connections, s.dropped_at_startup, s.peak_pending),
            (5, 1, 7)
        );
    }
}
