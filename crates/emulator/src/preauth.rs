//! Who a device's listener lets in before authentication: OpenSSH's `MaxStartups` random
//! early drop (the one rule, [`Startups`]), the vty line a connection takes on platforms that allocate
//! one at connect time, and one addition of the emulator's own: a connection that has sent
//! nothing at all (not even its SSH identification line) for [`Admission::evict_after`] gives
//! its place to a newcomer that would otherwise be turned away. Pure: the caller passes the
//! time, the connections pending and the random draw, so every rule is unit-tested on a fake
//! clock and a seeded draw.
//!
//! # Where the rules were read
//! - `sshd_config(5)`, `MaxStartups`: "the maximum number of concurrent unauthenticated
//!   connections to the SSH daemon. Additional connections will be dropped until
//!   authentication succeeds or the LoginGraceTime expires for a connection. The default is
//!   10:30:100. ... sshd(8) will refuse connection attempts with a probability of rate/100
//!   (30%) if there are currently start (10) unauthenticated connections. The probability
//!   increases linearly and all connection attempts are refused if the number of
//!   unauthenticated connections reaches full (60)." The arithmetic is sshd.c's
//!   `should_drop_connection`, integer percent and all (so the ramp is a staircase), and a
//!   dropped connection is sent sshd's notice ([`crate::startups::DROP_NOTICE`]) before it is
//!   closed, as sshd does.
//! - Why the eviction: 50 TCP connections that never send a byte used to hold a device's 50
//!   pre-authentication places until the 120 s login grace time ended, locking every real
//!   client out (fleetbench issue 27); OpenSSH is as exposed (its default `LoginGraceTime` is
//!   120 s). Every SSH client sends its identification line as soon as it connects
//!   (RFC 4253 4.2), so a connection still silent after half a second is not a client at
//!   work. Evicting one only when a newcomer would be refused keeps the limits exact for
//!   every client that speaks.

use std::time::{Duration, Instant};

use crate::startups::Startups;

/// How long a connection may stay completely silent before a newcomer may take its place.
pub const EVICT_AFTER: Duration = Duration::from_millis(500);

/// One connection accepted and not yet authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub id: u64,
    pub since: Instant,
    /// It has sent at least one byte.
    pub heard: bool,
    /// It holds one of the device's vty lines.
    pub vty: bool,
}

/// Why a device turned a connection away before any login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `MaxStartups` dropped it.
    Startups,
    /// Every vty line was busy.
    VtyBusy,
}

/// What happens to a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let in; first close the silent connection `evict`, if any, whose place it takes.
    Admit {
        evict: Option<u64>,
    },
    Refuse(Refusal),
}

/// One device's admission rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub startups: Startups,
    /// The vty lines, on platforms that take one when a connection arrives (IOS); `None`
    /// where the line is taken at login (or there are no lines).
    pub vty_at_connect: Option<usize>,
    pub evict_after: Duration,
}

impl Admission {
    /// The verdict on a connection arriving `now` while `pending` are unauthenticated and
    /// `vty_in_use` lines are taken (by pending and logged-in sessions alike), for a uniform
    /// `draw` in 0..100.
    pub fn admit(
        &self,
        pending: &[Pending],
        vty_in_use: usize,
        now: Instant,
        draw: u32,
    ) -> Verdict {
        let refusal = |pending: usize, vty: usize| {
            if self
                .startups
                .should_drop(u32::try_from(pending).unwrap_or(u32::MAX), draw)
            {
                Some(Refusal::Startups)
            } else if self.vty_at_connect.is_some_and(|max| vty >= max) {
                Some(Refusal::VtyBusy)
            } else {
                None
            }
        };
        let Some(why) = refusal(pending.len(), vty_in_use) else {
            return Verdict::Admit { evict: None };
        };
        let silent = pending
            .iter()
            .filter(|p| !p.heard && now.saturating_duration_since(p.since) >= self.evict_after)
            .min_by_key(|p| (p.since, p.id));
        match silent {
            Some(v)
                if refusal(
                    pending.len() - 1,
                    vty_in_use.saturating_sub(usize::from(v.vty)),
                )
                .is_none() =>
            {
                Verdict::Admit { evict: Some(v.id) }
            }
            _ => Verdict::Refuse(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_is_sshds_staircase() {
        let m = Startups::default();
        // The values sshd's integer arithmetic gives on its default.
        for (pending, pct) in [
            (0, 0),
            (9, 0),
            (10, 30),
            (11, 30),
            (12, 31),
            (20, 37),
            (55, 65),
            (99, 99),
            (100, 100),
            (500, 100),
        ] {
            assert_eq!(m.drop_percent(pending), pct, "{pending}");
        }
        assert!(!m.should_drop(10, 30) && m.should_drop(10, 29));
        // A single number is a hard cap.
        let cap = Startups::parse("3").unwrap();
        assert_eq!((cap.drop_percent(2), cap.drop_percent(3)), (0, 100));
    }

    #[test]
    fn the_drop_rate_follows_the_ramp_over_seeded_draws() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let n = 20_000;
        let dropped = (0..n)
            .filter(|_| Startups::default().should_drop(55, rng.random_range(0..100)))
            .count();
        let share = dropped as f64 / n as f64;
        assert!((share - 0.65).abs() < 0.02, "{share}");
    }

    fn pending(t0: Instant, ids: &[(u64, u64, bool, bool)]) -> Vec<Pending> {
        ids.iter()
            .map(|&(id, ms, heard, vty)| Pending {
                id,
                since: t0 + Duration::from_millis(ms),
                heard,
                vty,
            })
            .collect()
    }

    #[test]
    fn vty_lines_taken_at_connect_refuse_the_next_one() {
        let t0 = Instant::now();
        let a = Admission {
            startups: Startups::default(),
            vty_at_connect: Some(2),
            evict_after: EVICT_AFTER,
        };
        let now = t0 + Duration::from_millis(100);
        let two = pending(t0, &[(1, 0, true, true), (2, 10, true, true)]);
        assert_eq!(
            a.admit(&two[..1], 1, now, 0),
            Verdict::Admit { evict: None }
        );
        assert_eq!(a.admit(&two, 2, now, 99), Verdict::Refuse(Refusal::VtyBusy));
        // Lines held by logged-in sessions count the same.
        assert_eq!(a.admit(&[], 2, now, 99), Verdict::Refuse(Refusal::VtyBusy));
        let lines_at_login = Admission {
            vty_at_connect: None,
            ..a
        };
        assert_eq!(
            lines_at_login.admit(&[], 9, now, 99),
            Verdict::Admit { evict: None }
        );
    }

    #[test]
    fn a_silent_connection_gives_way_only_when_the_newcomer_would_be_refused() {
        let t0 = Instant::now();
        let a = Admission {
            startups: Startups::parse("3").unwrap(),
            vty_at_connect: None,
            evict_after: EVICT_AFTER,
        };
        // Three pending: 1 spoke, 2 and 3 silent (3 the younger).
        let p = pending(
            t0,
            &[
                (1, 0, true, false),
                (2, 0, false, false),
                (3, 5, false, false),
            ],
        );
        // Too soon: the silent ones may still be clients about to speak.
        let soon = t0 + Duration::from_millis(100);
        assert_eq!(a.admit(&p, 0, soon, 0), Verdict::Refuse(Refusal::Startups));
        // Later, the oldest silent one goes.
        let later = t0 + EVICT_AFTER + Duration::from_millis(10);
        assert_eq!(a.admit(&p, 0, later, 0), Verdict::Admit { evict: Some(2) });
        // Room left: nobody is evicted.
        assert_eq!(
            a.admit(&p[..2], 0, later, 0),
            Verdict::Admit { evict: None }
        );
        // Nobody silent: refused.
        let spoke = pending(
            t0,
            &[
                (1, 0, true, false),
                (2, 0, true, false),
                (3, 0, true, false),
            ],
        );
        assert_eq!(
            a.admit(&spoke, 0, later, 0),
            Verdict::Refuse(Refusal::Startups)
        );
    }

    #[test]
    fn evicting_frees_the_vty_line_of_the_silent_connection() {
        let t0 = Instant::now();
        let a = Admission {
            startups: Startups::default(),
            vty_at_connect: Some(5),
            evict_after: EVICT_AFTER,
        };
        // 50 idle connections: the first five hold the lines (the rest were refused).
        let idle: Vec<Pending> = (0..5)
            .map(|i| Pending {
                id: i,
                since: t0,
                heard: false,
                vty: true,
            })
            .collect();
        let now = t0 + Duration::from_secs(1);
        assert_eq!(a.admit(&idle, 5, now, 0), Verdict::Admit { evict: Some(0) });
        // A silent connection without a line frees none: still refused.
        let lineless = [Pending {
            vty: false,
            ..idle[0]
        }];
        assert_eq!(
            a.admit(&lineless, 5, now, 0),
            Verdict::Refuse(Refusal::VtyBusy)
        );
    }
}
