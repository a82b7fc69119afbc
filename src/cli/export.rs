//! `fleetbench export`: a report in a benchmark tracker's format.

use super::args::ExportArgs;
use super::files::Files;
use super::files::read_report;
use super::{EXIT_OK, config};
use crate::present::export;
use anyhow::Result;

pub fn run(a: &ExportArgs) -> Result<i32> {
    let cfg = config::export(a)?;
    let report = read_report(&cfg.report)?;
    let bytes = export::render(cfg.kind, &report)?;
    match cfg.output {
        Some(path) => Files::default().write(path, &bytes)?,
        None => super::stdio::write_out(&bytes)?,
    }
    Ok(EXIT_OK)
}
