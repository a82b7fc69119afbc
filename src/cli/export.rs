//! `fleetbench export`: a report in a benchmark tracker's format.

use super::args::ExportArgs;
use super::check::read_report;
use super::{EXIT_OK, config};
use crate::export::{self, ExportTarget};
use anyhow::Result;
use std::io::Write;

pub fn run(a: &ExportArgs) -> Result<i32> {
    let cfg = config::export(a)?;
    let report = read_report(&cfg.report)?;
    match cfg.output {
        Some(path) => export::write_exports(
            &report,
            &[ExportTarget {
                kind: cfg.kind,
                path,
            }],
        )?,
        None => std::io::stdout().write_all(&export::render(cfg.kind, &report)?)?,
    }
    Ok(EXIT_OK)
}
