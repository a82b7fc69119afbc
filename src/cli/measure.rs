//! What `compare` and `run` share: signals, the fleet, the library run, the report file.

use super::config::MeasureConfig;
use super::render::{Console, Mode};
use super::{fleet, signals};
use crate::output::{self, Access};
use crate::report::Report;
use anyhow::{Context, Result};
use std::path::Path;

/// Opens the fleet and runs `cfg`'s strategies over it, rendering events for `mode`.
pub fn measure(cfg: &MeasureConfig, mode: Mode) -> Result<Report> {
    if cfg.fleet.needs_namespaces() {
        // First, while this process has one thread: an unprivileged user needs a user
        // namespace for the link emulator, and only a single-threaded process may make one.
        crate::netem::sys::gain_namespace_rights()?;
    }
    signals::install(&cfg.compare.run.stop).context("installing the signal handlers")?;
    crate::measure::raise_nofile_limit();
    let fleet = fleet::open(&cfg.fleet)?;
    let job = fleet::job(&cfg.job, &fleet);
    if cfg.debug_slowdown > 0.0 {
        eprintln!(
            "fleetbench: debug slowdown active: every session made {:.0}% longer",
            cfg.debug_slowdown * 100.0
        );
    }
    let console = Console::new(mode, cfg.verbose);
    let report = crate::compare::run(&cfg.compare, &fleet, &job, &console)?;
    fleet.stop();
    Ok(report)
}

/// Writes the report, if asked: the first file written after a run, so nothing written later
/// can cost it.
pub fn write_report(report: &Report, json: Option<&Path>) -> Result<()> {
    if let Some(path) = json {
        output::write_json(path, report, Access::Shared)?;
        eprintln!("fleetbench: report written to {}", path.display());
    }
    Ok(())
}
