//! `fleetbench run`: one strategy, one run, each device's output keyed by device.

use super::args::RunArgs;
use super::measure::{measure, write_page, write_report};
use super::render::Mode;
use super::{config, exit_of};
use anyhow::Result;
use fleetbench_client::stop::Stop;

pub fn run(a: &RunArgs) -> Result<i32> {
    let cfg = config::run(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Run)?;
    write_report(&report, cfg.json.as_deref())?;
    write_page(&report, cfg.html.as_deref())?;
    let mut text = crate::present::outputs::device_outputs(&report, a.raw);
    // One strategy: no comparison, but the failures with what to do, and what shaped the run.
    let answer = crate::present::verdict::terminal(
        &super::measure::verdict_of(&report),
        crate::present::verdict::Part::Failures,
    );
    if !answer.is_empty() {
        text.push('\n');
        text.push_str(&answer);
    }
    super::stdio::out(&text)?;
    Ok(exit_of(&report))
}
