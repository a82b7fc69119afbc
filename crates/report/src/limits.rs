//! What the devices' shared limits did to a strategy's last run, as the devices themselves
//! counted it (an emulated fleet's session record): sessions turned away and why, and the
//! fleet's AAA server's requests, waits, timeouts and refusals. The record becoming these
//! counts is the application's (`external::devside`); the model and its derived numbers are
//! here.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The devices' own count of one run's sessions and what their limits did to them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceLimits {
    /// Connections the devices accepted (every attempt, refused ones included).
    pub sessions: usize,
    /// Turned away: every vty line busy.
    pub vty_busy: usize,
    /// Turned away: `login block-for` quiet mode.
    pub login_blocked: usize,
    /// Turned away before the banner by `MaxStartups`.
    pub dropped_at_startup: usize,
    /// Closed for sending nothing at all.
    pub idle_closed: usize,
    /// Password and keyboard-interactive attempts rejected.
    pub auth_failures: u64,
    /// Requests to the fleet's AAA server, and how each ended.
    pub aaa_requests: u64,
    pub aaa_answered: u64,
    pub aaa_timeouts: u64,
    pub aaa_rejections: u64,
    /// Timeouts and refusals after which the local database decided.
    pub aaa_fallbacks: u64,
    /// Time devices spent waiting for the AAA server, all requests together, seconds.
    pub aaa_wait_s: f64,
    /// The run's wall time by the devices' clock: first connection accepted to last closed.
    pub span_s: f64,
}

impl DeviceLimits {
    /// Whether any limit turned a session away or the fleet has an AAA server.
    pub fn any(&self) -> bool {
        self.vty_busy + self.login_blocked + self.dropped_at_startup > 0 || self.aaa_requests > 0
    }

    /// Mean wait for one AAA answer (or give-up), seconds.
    pub fn aaa_wait_mean_s(&self) -> Option<f64> {
        let waited = self.aaa_answered + self.aaa_timeouts;
        (waited > 0).then(|| self.aaa_wait_s / waited as f64)
    }

    /// Two shards' counts as one fleet's (each shard's emulator has its own AAA server; the
    /// shards ran side by side, so the span is the longer one).
    pub fn merged(&self, o: &DeviceLimits) -> DeviceLimits {
        DeviceLimits {
            sessions: self.sessions + o.sessions,
            vty_busy: self.vty_busy + o.vty_busy,
            login_blocked: self.login_blocked + o.login_blocked,
            dropped_at_startup: self.dropped_at_startup + o.dropped_at_startup,
            idle_closed: self.idle_closed + o.idle_closed,
            auth_failures: self.auth_failures + o.auth_failures,
            aaa_requests: self.aaa_requests + o.aaa_requests,
            aaa_answered: self.aaa_answered + o.aaa_answered,
            aaa_timeouts: self.aaa_timeouts + o.aaa_timeouts,
            aaa_rejections: self.aaa_rejections + o.aaa_rejections,
            aaa_fallbacks: self.aaa_fallbacks + o.aaa_fallbacks,
            aaa_wait_s: self.aaa_wait_s + o.aaa_wait_s,
            span_s: self.span_s.max(o.span_s),
        }
    }

    /// AAA answers per second over the run: the logins per second the AAA let through.
    pub fn aaa_answers_per_s(&self) -> Option<f64> {
        (self.span_s > 0.0).then(|| self.aaa_answered as f64 / self.span_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_numbers() {
        let d = DeviceLimits {
            aaa_requests: 12,
            aaa_answered: 8,
            aaa_timeouts: 2,
            aaa_rejections: 2,
            aaa_wait_s: 1.0,
            span_s: 2.0,
            ..DeviceLimits::default()
        };
        assert!(d.any());
        assert_eq!(d.aaa_wait_mean_s(), Some(0.1));
        assert_eq!(d.aaa_answers_per_s(), Some(4.0));
        assert!(!DeviceLimits::default().any());
        let m = d.merged(&d);
        assert_eq!((m.aaa_requests, m.span_s), (24, 2.0));
        assert_eq!(DeviceLimits::default().aaa_wait_mean_s(), None);
    }
}
