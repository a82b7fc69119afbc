//! `fleetbench merge`: shard reports into one report of the whole fleet ([`crate::merge`]).

use super::config;
use super::files::read_report;
use super::measure::{Outputs, present};
use anyhow::Result;

/// Refuses a mismatched, missing or duplicated shard (exit 2); writes the merged report, then
/// prints the tables as `compare` does; exit 1 when some device failed, as for a run.
pub fn run(a: &super::args::MergeArgs) -> Result<i32> {
    let cfg = config::merge(a)?;
    let inputs = cfg
        .reports
        .iter()
        .map(|p| Ok((p.display().to_string(), read_report(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let report = crate::merge::merge(&inputs)?;
    crate::errln!(
        "fleetbench: merged {} shard(s): {} devices",
        inputs.len(),
        report.fleet.devices
    );
    let out = Outputs {
        json: Some(&cfg.output),
        html: None,
        plots: cfg.plots.as_deref(),
        baseline: None,
    };
    present(&report, &[], out)
}
