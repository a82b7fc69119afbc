//! `fleetbench merge`: shard reports into one report of the whole fleet ([`crate::merge`]).

use super::check::read_report;
use super::measure::write_report;
use super::{config, exit_of};
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
    eprintln!(
        "fleetbench: merged {} shard(s): {} devices",
        inputs.len(),
        report.fleet.devices
    );
    write_report(&report, Some(&cfg.output))?;
    print!("{}", crate::compare::render_table(&report));
    println!();
    print!("{}", crate::compare::render_latency_table(&report));
    if let Some(dir) = &cfg.plots {
        let files = crate::plot::write_report_plots(&report, dir, "")?;
        eprintln!(
            "fleetbench: {} plot(s) written to {}",
            files.len(),
            dir.display()
        );
    }
    Ok(exit_of(&report))
}
