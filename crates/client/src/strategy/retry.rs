//! `--retries N`: a device whose session failed before it got a shell, for a reason that can
//! pass (a refused or reset connection, a timeout, a busy or blocked device, an AAA that did
//! not answer), is polled again, up to N more times, after an exponential backoff with
//! seeded jitter. Its worker waits out the backoff (as a netmiko script's retry loop does),
//! so retries also lower how many logins are in flight at once; every attempt goes through
//! the run's connect rate ([`super::pace`]).
//!
//! Never retried: a rejected password (retrying one is how `login block-for` locks a
//! device), host key and algorithm mismatches, anything after the shell opened (a command
//! may have run), an interrupted run.

use fleetbench_report::{DeviceResult, ErrorInfo, Phase, kind};
use std::time::Duration;

/// The kinds a retry may cure, when they happen before the shell.
pub const RETRIED: &[&str] = &[
    kind::REFUSED,
    kind::TIMEOUT,
    kind::DISCONNECTED,
    kind::AAA_TIMEOUT,
    kind::AAA_REJECTED,
    kind::VTY_BUSY,
    kind::LOGIN_BLOCKED,
    kind::DROPPED_AT_STARTUP,
];

/// The first backoff (before jitter); each next one doubles, up to [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// How failed devices are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryPolicy {
    /// Attempts after the first; 0: none.
    pub retries: u32,
    /// The jitter's seed (`--seed`).
    pub seed: u64,
}

impl RetryPolicy {
    /// Whether a failure can be cured by trying again.
    pub fn retryable(e: &ErrorInfo) -> bool {
        // The bastion's phases come before the device's own session: a login dropped by the
        // bastion's MaxStartups, or a bastion that timed out, never reached the device.
        let before_shell = matches!(
            e.phase,
            Some(
                Phase::Bastion
                    | Phase::BastionChannel
                    | Phase::Connect
                    | Phase::Handshake
                    | Phase::Auth
            )
        ) || e.kind == kind::VTY_BUSY;
        before_shell && RETRIED.contains(&e.kind.as_str())
    }

    /// The wait before retry `n` (1 for the first) of device `index`: `BASE_BACKOFF` doubled
    /// `n - 1` times, capped at `MAX_BACKOFF`, then half of it fixed and half drawn from the
    /// seed ("equal jitter"), so devices that failed together do not retry together.
    pub fn backoff(&self, index: usize, n: u32) -> Duration {
        let full = BASE_BACKOFF
            .saturating_mul(1u32 << n.saturating_sub(1).min(16))
            .min(MAX_BACKOFF);
        let draw = fleetbench_units::seed::mix(
            fleetbench_units::seed::mix(self.seed, index as u64),
            u64::from(n),
        );
        // The draw's top 53 bits as a fraction in [0, 1).
        let u = (draw >> 11) as f64 / (1u64 << 53) as f64;
        full / 2 + (full / 2).mul_f64(u)
    }

    /// After `attempts` attempts of device `index` ended with `r`: the wait before the next
    /// one, or `None` when `r` is final.
    pub fn next(&self, index: usize, attempts: u32, r: &DeviceResult) -> Option<Duration> {
        let e = r.error.as_ref()?;
        (attempts <= self.retries && Self::retryable(e)).then(|| self.backoff(index, attempts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(kind: &str, phase: Phase) -> DeviceResult {
        DeviceResult {
            error: Some(ErrorInfo {
                kind: kind.into(),
                message: String::new(),
                phase: Some(phase),
                client_kind: None,
            }),
            ..DeviceResult::blank("R1", "h", 22)
        }
    }

    #[test]
    fn which_kinds_are_retried() {
        let p = RetryPolicy {
            retries: 3,
            seed: 1,
        };
        for (kind, phase) in [
            ("refused", Phase::Connect),
            ("timeout", Phase::Auth),
            ("disconnected", Phase::Handshake),
            ("aaa_timeout", Phase::Auth),
            ("vty_busy", Phase::Prompt),
            ("dropped_at_startup", Phase::Bastion),
            ("dropped_at_startup", Phase::Handshake),
            ("timeout", Phase::BastionChannel),
        ] {
            assert!(
                p.next(0, 1, &failed(kind, phase)).is_some(),
                "{kind} in {phase}"
            );
        }
        for (kind, phase) in [
            ("auth_rejected", Phase::Auth),
            ("timeout", Phase::Command),
            ("disconnected", Phase::Command),
            ("host_key_changed", Phase::Handshake),
            ("command_rejected", Phase::Command),
            ("interrupted", Phase::Connect),
            ("bastion_auth_rejected", Phase::Bastion),
            ("bastion_refused", Phase::BastionChannel),
        ] {
            assert!(
                p.next(0, 1, &failed(kind, phase)).is_none(),
                "{kind} in {phase}"
            );
        }
        let ok = DeviceResult {
            ok: true,
            ..DeviceResult::blank("R1", "h", 22)
        };
        assert_eq!(p.next(0, 1, &ok), None);
    }

    #[test]
    fn retries_stop_after_n() {
        let p = RetryPolicy {
            retries: 2,
            seed: 1,
        };
        let r = failed("refused", Phase::Connect);
        assert!(p.next(3, 1, &r).is_some());
        assert!(p.next(3, 2, &r).is_some());
        assert_eq!(p.next(3, 3, &r), None);
        assert_eq!(RetryPolicy::default().next(3, 1, &r), None);
    }

    #[test]
    fn backoff_doubles_with_seeded_equal_jitter() {
        let p = RetryPolicy {
            retries: 10,
            seed: 42,
        };
        for n in 1..=8u32 {
            let full = (BASE_BACKOFF * (1 << (n - 1))).min(MAX_BACKOFF);
            for dev in 0..50 {
                let d = p.backoff(dev, n);
                assert!(d >= full / 2 && d <= full, "retry {n}: {d:?}");
                assert_eq!(d, p.backoff(dev, n), "the same seed, the same wait");
            }
        }
        // Devices that failed together spread out.
        let waits: std::collections::BTreeSet<Duration> =
            (0..50).map(|dev| p.backoff(dev, 1)).collect();
        assert!(waits.len() > 40);
        let other = RetryPolicy { seed: 43, ..p };
        assert_ne!(p.backoff(0, 1), other.backoff(0, 1));
        assert_eq!(p.backoff(0, 100), p.backoff(0, 100).min(MAX_BACKOFF));
    }
}
