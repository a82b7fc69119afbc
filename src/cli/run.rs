//! `fleetbench run`: one strategy, one run, each device's output keyed by device.

use super::args::RunArgs;
use super::measure::{measure, write_report};
use super::render::Mode;
use super::{config, exit_of};
use crate::report::Report;
use crate::stop::Stop;
use anyhow::Result;
use std::io::Write;

pub fn run(a: &RunArgs) -> Result<i32> {
    let cfg = config::run(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Run)?;
    write_report(&report, cfg.json.as_deref())?;
    print_outputs(&report, &mut std::io::stdout().lock())?;
    Ok(exit_of(&report))
}

/// The classic `{ip: output}` view: every device's output, or its failure, then one line.
fn print_outputs(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    for sr in &report.strategies {
        for d in &sr.devices {
            match &d.error {
                None => {
                    writeln!(out, "{} ({}:{}):", d.name, d.host, d.port)?;
                    for line in d.output.lines() {
                        writeln!(out, "  {line}")?;
                    }
                }
                Some(e) => writeln!(
                    out,
                    "{} ({}:{}): FAILED [{}] {}",
                    d.name, d.host, d.port, e.kind, e.message
                )?,
            }
        }
        writeln!(
            out,
            "{} devices: {} ok, {} failed; wall {:.2} s ({}, {} worker{})",
            sr.devices.len(),
            sr.ok(),
            sr.failed(),
            sr.wall_s.median,
            sr.strategy,
            sr.workers,
            if sr.workers == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}
