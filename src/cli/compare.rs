//! `fleetbench compare`: strategies side by side, the table, the report, the plots.

use super::args::CompareArgs;
use super::measure::{measure, write_report};
use super::render::Mode;
use super::{config, exit_of};
use crate::stop::Stop;
use anyhow::Result;

pub fn run(a: &CompareArgs) -> Result<i32> {
    let cfg = config::compare(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Compare)?;
    write_report(&report, cfg.json.as_deref())?;
    print!("{}", crate::compare::render_table(&report));
    println!();
    print!("{}", crate::compare::render_latency_table(&report));
    if let Some(n) = &report.network {
        println!();
        print!("{}", crate::netem::rounds::render_table(n));
    }
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
