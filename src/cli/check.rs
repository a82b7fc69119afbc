//! `fleetbench check`: the regression gate. Prints the markdown verdict table on stdout;
//! 0 no regression, 1 regression, 2 (an error) bad input.

use super::args::CheckArgs;
use super::files::Files;
use super::{EXIT_FAILED, EXIT_OK, config};
use anyhow::Result;

pub fn run(a: &CheckArgs) -> Result<i32> {
    let cfg = config::check(a)?;
    let baseline = super::files::read_report(&cfg.baseline)?;
    let current = super::files::read_report(&cfg.report)?;
    let outcome = crate::check::check(&baseline, &current, &cfg.thresholds, &cfg.rows)?;
    let mut files = Files::default();
    for (path, bytes) in crate::present::export::render_all(&current, &cfg.exports)? {
        files.write(path, &bytes)?;
    }
    super::stdio::out(&crate::present::sanitize::for_terminal_text(
        &crate::present::check::markdown(&outcome),
    ))?;
    let (n, gone) = (outcome.regressions(), outcome.missing.len());
    if outcome.passed() {
        crate::errln!("fleetbench: check: no regression");
        Ok(EXIT_OK)
    } else {
        crate::errln!(
            "fleetbench: check: {n} regression(s), {gone} gated row(s) missing, against {}",
            cfg.baseline.display()
        );
        Ok(EXIT_FAILED)
    }
}
