//! The notice before a command polls a real inventory many times, and the question or the
//! refusal that follows it above `--confirm-above` ([`crate::safety`] is the arithmetic).

use crate::present::plural::count;
use crate::safety::{Basis, LoginPlan};

/// `polls 40 real devices: up to 600 logins in all (15 polls of 40 devices), up to 40 at
/// once, new connections unpaced (the first 40 open at once; --connect-rate caps them)`.
pub fn notice(p: &LoginPlan) -> String {
    let basis = match &p.basis {
        Basis::Polls { polls, attempts } => format!(
            "{} of {}{}",
            count(*polls as usize, "poll"),
            count(p.devices, "device"),
            if *attempts > 1 {
                format!(", each up to {attempts} attempts")
            } else {
                String::new()
            }
        ),
        Basis::Budget { searches } => {
            format!("the login budget, shared by {}", count(*searches, "search"))
        }
    };
    let pace = match p.connect_rate {
        Some(r) => format!("at most {r} new connections a second (--connect-rate)"),
        None => format!(
            "new connections unpaced (the first {} open at once; --connect-rate caps them)",
            p.peak_concurrency
        ),
    };
    format!(
        "polls {} real {}: up to {} logins in all ({basis}), up to {} at once, {pace}",
        p.devices,
        crate::present::plural::noun(p.devices, "device"),
        p.logins,
        p.peak_concurrency
    )
}

/// Why a command above the threshold does not start without a terminal to ask on.
pub fn refusal(p: &LoginPlan, above: u64) -> String {
    format!(
        "{} logins is more than --confirm-above {above}, and there is no terminal to ask on: \
         add --yes to go ahead (or fewer runs, strategies or a smaller --login-budget)",
        p.logins
    )
}

/// The question on a terminal.
pub const QUESTION: &str = "fleetbench: go ahead? [y/N] ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_says_logins_concurrency_and_pace() {
        let p = LoginPlan::polls(40, 15, 40, 0, None);
        assert_eq!(
            notice(&p),
            "polls 40 real devices: up to 600 logins in all (15 polls of 40 devices), up to 40 \
             at once, new connections unpaced (the first 40 open at once; --connect-rate caps \
             them)"
        );
        let p = LoginPlan::polls(1, 2, 5, 1, Some(2.5));
        assert_eq!(
            notice(&p),
            "polls 1 real device: up to 4 logins in all (2 polls of 1 device, each up to 2 \
             attempts), up to 1 at once, at most 2.5 new connections a second (--connect-rate)"
        );
        let p = LoginPlan::tune(10, 100, 64, 2, None);
        assert!(notice(&p).contains("(the login budget, shared by 2 searches)"));
        assert!(refusal(&p, 50).contains("add --yes"));
    }
}
