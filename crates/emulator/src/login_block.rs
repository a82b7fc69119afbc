//! `block-for=S/N/W` in a profile: IOS's `login block-for S attempts N within W`. After N
//! failed logins within W seconds the device enters quiet mode for S seconds and refuses
//! every SSH connection meanwhile; when quiet mode ends the count starts afresh.
//!
//! # Where the behaviour was read
//! Cisco IOS `login block-for` (and the CIS benchmark's description of it): "If the
//! configured number of connection attempts fail within a specified time period, the Cisco
//! device will not accept any additional connections for a quiet period"; "all login
//! attempts made via Telnet or SSH are denied during the quiet period" (unless a `login
//! quiet-mode access-class` exempts the source, which the emulator does not model). IOS
//! applies an access list (`sl_def_acl`) to the vty lines in quiet mode, so a client's
//! connection is refused before any SSH is spoken; the emulator resets it before its
//! banner. The `login delay` IOS adds between attempts once block-for is on (1 s by default)
//! is not modelled: a poller makes one login per device at a time.
//!
//! What counts as a failed login: each rejected password or keyboard-interactive attempt,
//! whatever the reason (a wrong password, an AAA timeout or refusal without fallback).
//! Pure over the time passed in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// `block-for=S/N/W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockFor {
    /// Length of quiet mode.
    pub quiet: Duration,
    /// Failed logins that start it.
    pub attempts: u32,
    /// Within this window.
    pub within: Duration,
}

impl BlockFor {
    /// `120s/3/60s`: quiet for 120 s after 3 failures within 60 s.
    pub fn parse(s: &str) -> Result<BlockFor, String> {
        let bad = || format!("block-for={s}: expected QUIET/ATTEMPTS/WITHIN, like 120s/3/60s");
        let parts: Vec<&str> = s.split('/').map(str::trim).collect();
        let [quiet, attempts, within] = parts[..] else {
            return Err(bad());
        };
        let d = |v: &str| {
            fleetbench_units::duration::parse(v).map_err(|e| format!("block-for={s}: {e}"))
        };
        let b = BlockFor {
            quiet: d(quiet)?,
            attempts: attempts.parse().map_err(|_| bad())?,
            within: d(within)?,
        };
        if b.attempts == 0 || b.quiet.is_zero() || b.within.is_zero() {
            return Err(format!(
                "block-for={s}: quiet time, attempts and window must all be above 0"
            ));
        }
        Ok(b)
    }
}

/// One device's watch over its failed logins.
#[derive(Debug)]
pub struct LoginWatch {
    spec: BlockFor,
    failures: VecDeque<Instant>,
    quiet_until: Option<Instant>,
}

impl LoginWatch {
    pub fn new(spec: BlockFor) -> LoginWatch {
        LoginWatch {
            spec,
            failures: VecDeque::new(),
            quiet_until: None,
        }
    }

    /// Whether the device is in quiet mode at `now`.
    pub fn blocked(&mut self, now: Instant) -> bool {
        match self.quiet_until {
            Some(until) if now < until => true,
            Some(_) => {
                self.quiet_until = None;
                self.failures.clear();
                false
            }
            None => false,
        }
    }

    /// A login failed at `now`; true when this failure starts quiet mode.
    pub fn failed(&mut self, now: Instant) -> bool {
        if self.blocked(now) {
            return false;
        }
        while self
            .failures
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.spec.within)
        {
            self.failures.pop_front();
        }
        self.failures.push_back(now);
        if self.failures.len() >= self.spec.attempts as usize {
            self.failures.clear();
            self.quiet_until = Some(now + self.spec.quiet);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn parses_ios_order() {
        let b = BlockFor::parse("120s/3/60s").unwrap();
        assert_eq!((b.quiet, b.attempts, b.within), (120 * S, 3, 60 * S));
        for bad in ["120s/3", "120s/x/60s", "0/3/60s", "120s/0/60s", "2d/3/60s"] {
            assert!(BlockFor::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(BlockFor::parse("2m/3/1m").unwrap(), b, "minutes too");
    }

    #[test]
    fn n_failures_within_the_window_start_quiet_mode_which_ends() {
        let t0 = Instant::now();
        let mut w = LoginWatch::new(BlockFor::parse("10s/3/5s").unwrap());
        assert!(!w.failed(t0));
        assert!(!w.failed(t0 + S));
        assert!(!w.blocked(t0 + 2 * S));
        assert!(w.failed(t0 + 2 * S), "the third within 5 s");
        assert!(w.blocked(t0 + 2 * S));
        assert!(w.blocked(t0 + 11 * S));
        // Failures while quiet do not extend it.
        assert!(!w.failed(t0 + 5 * S));
        assert!(
            !w.blocked(t0 + 12 * S),
            "quiet mode ends 10 s after it began"
        );
        // The count starts afresh.
        assert!(!w.failed(t0 + 13 * S));
        assert!(!w.failed(t0 + 14 * S));
        assert!(!w.blocked(t0 + 14 * S));
    }

    #[test]
    fn failures_spread_wider_than_the_window_never_block() {
        let t0 = Instant::now();
        let mut w = LoginWatch::new(BlockFor::parse("10s/3/5s").unwrap());
        for i in 0..20 {
            assert!(!w.failed(t0 + 3 * S * i), "failure {i}");
        }
        assert!(!w.blocked(t0 + 60 * S));
    }
}
