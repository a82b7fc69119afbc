//! sshd's `MaxStartups` rule as a pure function: whether a new connection is dropped, given
//! how many connections are pending (accepted, not yet authenticated) and a draw in 0..100.
//! The emulated bastion applies it ([`crate::bastion`]), and so does every device's own
//! pre-authentication limit ([`crate::preauth`], profile key `preauth`).
//!
//! Read from OpenSSH (openssh-portable): `sshd_config(5)`, *MaxStartups*: "Specifies the
//! maximum number of concurrent unauthenticated connections to the SSH daemon ... random
//! early drop can be enabled by specifying the three colon separated values start:rate:full
//! ... The default is 10:30:100"; `servconf.c` (`sMaxStartups`: `S` alone means `S:100:S`,
//! `start <= full`, `1 <= rate <= 100`, both counts above 0); `sshd.c`,
//! `should_drop_connection()`: with `startups` the connections pending when the new one is
//! accepted, none is dropped below `start`, all from `full` on, and in between with the
//! probability `p = rate + (100 - rate) * (startups - start) / (full - start)` percent, in
//! integer arithmetic, against `arc4random_uniform(100)`. `drop_connection()` then writes a
//! best-effort notice (OpenSSH 9.8 and later: `Not allowed at this time\r\n`; 8.2 to 9.7:
//! `Exceeded MaxStartups\r\n`; before 8.2 nothing) and closes the socket: no SSH banner.

use std::fmt;

/// The line sshd (9.8 and later) writes to a connection it drops, before closing it.
pub const DROP_NOTICE: &[u8] = b"Not allowed at this time\r\n";

/// `MaxStartups start:rate:full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Startups {
    pub start: u32,
    /// Percent, 1..=100.
    pub rate: u32,
    pub full: u32,
}

impl Default for Startups {
    /// OpenSSH's default, `10:30:100`.
    fn default() -> Self {
        Startups {
            start: 10,
            rate: 30,
            full: 100,
        }
    }
}

impl fmt::Display for Startups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.start, self.rate, self.full)
    }
}

impl Startups {
    /// `S:R:F`, or `S` alone (every connection dropped from `S` pending on), with OpenSSH's
    /// checks.
    pub fn parse(s: &str) -> Result<Startups, String> {
        let bad = || {
            format!(
                "startups={s}: expected start:rate:full like 10:30:100 (start <= full, rate 1-100), \
                 or a single count"
            )
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let num = |p: &str| p.trim().parse::<u32>().map_err(|_| bad());
        let st = match parts.as_slice() {
            [one] => {
                let n = num(one)?;
                Startups {
                    start: n,
                    rate: 100,
                    full: n,
                }
            }
            [a, b, c] => Startups {
                start: num(a)?,
                rate: num(b)?,
                full: num(c)?,
            },
            _ => return Err(bad()),
        };
        if st.start == 0 || st.full == 0 || st.start > st.full || !(1..=100).contains(&st.rate) {
            return Err(bad());
        }
        Ok(st)
    }

    /// The drop probability in percent for a connection arriving while `pending` others are
    /// pending: 0 below `start`, 100 from `full` on, sshd's integer line in between.
    pub fn drop_percent(&self, pending: u32) -> u32 {
        if pending < self.start {
            return 0;
        }
        if pending >= self.full || self.rate == 100 {
            return 100;
        }
        let over = u64::from(pending - self.start);
        let span = u64::from(self.full - self.start);
        let p = u64::from(100 - self.rate) * over / span + u64::from(self.rate);
        p.min(100) as u32
    }

    /// Whether sshd drops that connection, for a uniform `draw` in `0..100` (sshd's
    /// `arc4random_uniform(100)`; here a seeded draw).
    pub fn should_drop(&self, pending: u32, draw: u32) -> bool {
        draw < self.drop_percent(pending)
    }

    /// The expected number of drops when `arrivals` connections arrive one after another and
    /// none of them gets through its login before the last one arrives (a burst): each one
    /// accepted raises the pending count, a dropped one does not.
    pub fn expected_drops(&self, arrivals: usize) -> f64 {
        // dist[k]: probability that k connections are pending.
        let mut dist = vec![1.0f64];
        let mut drops = 0.0;
        for _ in 0..arrivals {
            let mut next = vec![0.0; dist.len() + 1];
            for (k, &pr) in dist.iter().enumerate() {
                if pr == 0.0 {
                    continue;
                }
                let p = f64::from(self.drop_percent(k as u32)) / 100.0;
                drops += pr * p;
                next[k] += pr * p;
                next[k + 1] += pr * (1.0 - p);
            }
            dist = next;
        }
        drops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn parses_like_servconf() {
        assert_eq!(Startups::parse("10:30:100").unwrap(), Startups::default());
        assert_eq!(
            Startups::parse("5").unwrap(),
            Startups {
                start: 5,
                rate: 100,
                full: 5
            }
        );
        for bad in [
            "",
            "0",
            "10:0:100",
            "10:101:100",
            "20:30:10",
            "1:2",
            "a:b:c",
            "10:30:0",
        ] {
            assert!(Startups::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Startups::default().to_string(), "10:30:100");
    }

    #[test]
    fn the_drop_line_is_sshds() {
        let s = Startups::default();
        assert_eq!(s.drop_percent(0), 0);
        assert_eq!(s.drop_percent(9), 0);
        assert_eq!(s.drop_percent(10), 30);
        // 30 + 70 * 45 / 90 = 65; integer division as in sshd.c.
        assert_eq!(s.drop_percent(55), 65);
        assert_eq!(s.drop_percent(11), 30);
        assert_eq!(s.drop_percent(99), 99);
        assert_eq!(s.drop_percent(100), 100);
        assert_eq!(s.drop_percent(5000), 100);
        let single = Startups::parse("3").unwrap();
        assert_eq!((single.drop_percent(2), single.drop_percent(3)), (0, 100));
        // The draw is compared strictly: 30% means draws 0..=29 drop.
        assert!(s.should_drop(10, 29) && !s.should_drop(10, 30));
        assert!(!s.should_drop(9, 0));
    }

    #[test]
    fn seeded_draws_drop_at_the_rule_rate() {
        // 10 000 arrivals while 10 are pending: 30% dropped, within a generous band, and the
        // same seed gives the same drops.
        let s = Startups::default();
        let count = |seed: u64| {
            let mut rng = crate::seed::session_rng(seed, 0, 0);
            (0..10_000)
                .filter(|_| s.should_drop(10, rng.random_range(0..100)))
                .count()
        };
        let n = count(7);
        assert!((2_700..=3_300).contains(&n), "{n}");
        assert_eq!(n, count(7));
    }

    #[test]
    fn expected_drops_of_a_burst() {
        let s = Startups::default();
        // Up to 10 pending nothing is dropped.
        assert!(s.expected_drops(10).abs() < 1e-12);
        // The 11th sees 10 pending: 30%.
        assert!((s.expected_drops(11) - 0.3).abs() < 1e-12);
        // A burst never drops more than it brings beyond `start`, and always at least the
        // share at the lowest rate.
        let d = s.expected_drops(50);
        assert!(d > 0.3 * 40.0 && d < 40.0, "{d}");
        let hard = Startups::parse("10").unwrap();
        assert!((hard.expected_drops(25) - 15.0).abs() < 1e-9);
    }
}
