//! `fleetbench compare`: strategies side by side, the table, the report, the plots.

use super::args::CompareArgs;
use super::config;
use super::measure::{measure, present};
use super::render::Mode;
use crate::stop::Stop;
use anyhow::Result;

pub fn run(a: &CompareArgs) -> Result<i32> {
    let cfg = config::compare(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Compare)?;
    present(&report, cfg.json.as_deref(), cfg.plots.as_deref())
}
