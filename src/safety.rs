//! What a command will cost a real fleet before it touches it: logins in all, the most at
//! once, and how fast new connections open ([`LoginPlan`]). `compare`, `tune` and `sweep
//! --inventory` say it, and above a threshold ask before they start (the command line asks;
//! [`crate::present::safety`] words it; this is the arithmetic). An AAA server, a bastion's
//! `MaxStartups` or a device's vty lines do not know a benchmark from an attack.

/// The default `--confirm-above`: more logins than this in one command are confirmed first.
pub const DEFAULT_CONFIRM_ABOVE: u64 = 200;

/// What polling a fleet will cost it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginPlan {
    pub devices: usize,
    /// Logins in all, at most (a retried session counts each attempt).
    pub logins: u64,
    /// Sessions open at once, at most.
    pub peak_concurrency: usize,
    /// `--connect-rate`: new connections per second, every worker together; `None`: no
    /// cap (the first `peak_concurrency` connections open at once).
    pub connect_rate: Option<f64>,
    /// How the logins add up.
    pub basis: Basis,
}

/// How a plan's logins add up.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// Every poll of the fleet: `polls` (strategies x runs, or sweep points x strategies x
    /// runs), each device up to `attempts` times.
    Polls { polls: u64, attempts: u64 },
    /// `tune`: its login budget, shared by `searches`.
    Budget { searches: usize },
}

impl LoginPlan {
    /// `polls` polls of the fleet (each strategy's warm-up and measured runs, each sweep
    /// point's), at most `workers` sessions at once, each device retried up to `retries`
    /// times.
    pub fn polls(
        devices: usize,
        polls: u64,
        workers: usize,
        retries: u32,
        connect_rate: Option<f64>,
    ) -> LoginPlan {
        let attempts = 1 + u64::from(retries);
        LoginPlan {
            devices,
            logins: polls * devices as u64 * attempts,
            peak_concurrency: workers.clamp(1, devices.max(1)),
            connect_rate,
            basis: Basis::Polls { polls, attempts },
        }
    }

    /// `tune`: at most its login budget, at most its most workers at once.
    pub fn tune(
        devices: usize,
        login_budget: u64,
        max_workers: usize,
        searches: usize,
        connect_rate: Option<f64>,
    ) -> LoginPlan {
        LoginPlan {
            devices,
            logins: login_budget,
            peak_concurrency: max_workers.clamp(1, devices.max(1)),
            connect_rate,
            basis: Basis::Budget { searches },
        }
    }

    /// Whether more logins than `above` are planned.
    pub fn needs_confirmation(&self, above: u64) -> bool {
        self.logins > above
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_add_up() {
        // compare's default on 40 devices: 5 strategies x 3 runs.
        let p = LoginPlan::polls(40, 15, 40, 0, None);
        assert_eq!((p.logins, p.peak_concurrency), (600, 40));
        assert!(p.needs_confirmation(DEFAULT_CONFIRM_ABOVE));
        assert!(!p.needs_confirmation(600));
        let p = LoginPlan::polls(3, 1, 1000, 2, Some(20.0));
        assert_eq!((p.logins, p.peak_concurrency), (9, 3));
        assert_eq!(
            p.basis,
            Basis::Polls {
                polls: 1,
                attempts: 3
            }
        );
        assert!(!p.needs_confirmation(DEFAULT_CONFIRM_ABOVE));
        let p = LoginPlan::tune(10, 100, 64, 2, None);
        assert_eq!((p.logins, p.peak_concurrency), (100, 10));
    }
}
