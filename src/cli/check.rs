//! `fleetbench check`: the regression gate. Prints the markdown verdict table on stdout;
//! 0 no regression, 1 regression, 2 (an error) bad input.

use super::args::CheckArgs;
use super::files::Files;
use super::{EXIT_FAILED, EXIT_OK, config};
use anyhow::{Context, Result};
use fleetbench_report::Report;
use std::path::Path;

pub fn run(a: &CheckArgs) -> Result<i32> {
    let cfg = config::check(a)?;
    let baseline = read_report(&cfg.baseline)?;
    let current = read_report(&cfg.report)?;
    let outcome = crate::check::check(&baseline, &current, &cfg.thresholds, &cfg.rows)?;
    let mut files = Files::default();
    for (path, bytes) in crate::present::export::render_all(&current, &cfg.exports)? {
        files.write(path, &bytes)?;
    }
    print!(
        "{}",
        crate::present::sanitize::for_terminal_text(&crate::present::check::markdown(&outcome))
    );
    let (n, gone) = (outcome.regressions(), outcome.missing.len());
    if outcome.passed() {
        eprintln!("fleetbench: check: no regression");
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "fleetbench: check: {n} regression(s), {gone} gated row(s) missing, against {}",
            cfg.baseline.display()
        );
        Ok(EXIT_FAILED)
    }
}

/// A `--json` report from a file: a regular file of at most 1 GiB (`input::REPORT`), so a
/// FIFO or a link to `/dev/zero` is refused at once instead of blocking or growing.
pub fn read_report(path: &Path) -> Result<Report> {
    use fleetbench_inventory::input;
    let bytes = input::read(path, input::REPORT)?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a fleetbench report", path.display()))
}
