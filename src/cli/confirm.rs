//! Before a command polls a real inventory many times: the notice of what it will cost
//! ([`crate::present::safety`]), and above `--confirm-above` the question on a terminal, or
//! the refusal (exit 2) without one unless `--yes`.

use super::config::ConfirmConfig;
use crate::present::safety;
use crate::safety::LoginPlan;
use anyhow::{Result, anyhow};
use std::io::{BufRead, IsTerminal, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// How long the question waits for an answer: no answer is no.
const ANSWER_DEADLINE: Duration = Duration::from_secs(300);

/// Says what `plan` costs the fleet; above the threshold, goes ahead only with `--yes` or a
/// `y` typed on the terminal.
pub fn confirm(plan: &LoginPlan, c: &ConfirmConfig) -> Result<()> {
    crate::errln!("fleetbench: this {}", safety::notice(plan));
    if !plan.needs_confirmation(c.above) || c.yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(anyhow!("{}", safety::refusal(plan, c.above)));
    }
    eprint!("{}", safety::QUESTION);
    let _ = std::io::stderr().flush();
    match answer()? {
        Some(a) if matches!(a.trim().to_ascii_lowercase().as_str(), "y" | "yes") => Ok(()),
        Some(_) => Err(anyhow!("not confirmed: nothing was polled")),
        None => Err(anyhow!(
            "no answer within {} s: nothing was polled",
            ANSWER_DEADLINE.as_secs()
        )),
    }
}

/// A line from standard input, if one comes before the deadline.
fn answer() -> Result<Option<String>> {
    let stdin = std::io::stdin();
    let mut fds = libc::pollfd {
        fd: stdin.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = ANSWER_DEADLINE.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut fds, 1, ms) };
    if ready <= 0 {
        return Ok(None);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(Some(line))
}
