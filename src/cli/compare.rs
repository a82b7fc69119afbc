//! `fleetbench compare`: strategies side by side, the table, the report, the page, the plots.

use super::args::CompareArgs;
use super::config;
use super::measure::{Outputs, measure, present};
use super::render::Mode;
use anyhow::Result;
use fleetbench_client::stop::Stop;

pub fn run(a: &CompareArgs) -> Result<i32> {
    let cfg = config::compare(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Compare)?;
    let out = Outputs {
        json: cfg.json.as_deref(),
        html: cfg.html.as_deref(),
        plots: cfg.plots.as_deref(),
        baseline: cfg.baseline.as_ref(),
    };
    present(&report, &cfg.compare.strategies, out)
}
