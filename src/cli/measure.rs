//! What `compare` and `run` share: signals, the fleet, the library run, the report file.

use super::config::{FleetSource, MeasureConfig};
use super::render::{Console, Mode};
use super::{fleet, signals};
use crate::output::{self, Access};
use crate::progress::{self, Planned};
use crate::report::Report;
use crate::strategy::StrategyKind;
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
    let console = Console::new(mode, cfg.verbose, cfg.progress);
    if let Some(line) = estimate(cfg) {
        console.line(&line);
    }
    let report = crate::compare::run(&cfg.compare, &fleet, &job, &console)?;
    fleet.stop();
    Ok(report)
}

/// The up-front estimate of a long run over an emulated fleet, from its profile's delays
/// (a real fleet's are unknown until sessions finish: the live ETA covers those).
fn estimate(cfg: &MeasureConfig) -> Option<String> {
    let FleetSource::Emulated {
        devices, profile, ..
    } = &cfg.fleet.source
    else {
        return None;
    };
    let p = &profile.profile;
    let session_s = p.login.as_secs_f64() + cfg.job.commands.len() as f64 * p.command.as_secs_f64();
    let c = &cfg.compare;
    let plan: Vec<Planned> = c
        .strategies
        .iter()
        .map(|&k| Planned {
            strategy: k,
            workers: match k {
                StrategyKind::Sequential => 1,
                _ => c.run.workers.unwrap_or_else(|| k.default_workers(*devices)),
            },
            runs: c.runs + c.warmup,
        })
        .collect();
    progress::estimate_line(&plan, *devices, session_s)
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

/// Writes the run's HTML page, if asked (after the JSON report).
pub fn write_page(report: &Report, html: Option<&Path>) -> Result<()> {
    if let Some(path) = html {
        let opts = crate::html::PageOptions {
            command_line: Some(std::env::args().collect::<Vec<_>>().join(" ")),
            ..Default::default()
        };
        let page = crate::html::report_page(report, &opts);
        output::write(path, page.as_bytes(), Access::Shared)?;
        eprintln!("fleetbench: page written to {}", path.display());
    }
    Ok(())
}
