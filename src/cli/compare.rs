//! `fleetbench compare`: strategies side by side, the table, the report, the plots.

use super::args::CompareArgs;
use super::measure::{measure, write_page, write_report};
use super::render::Mode;
use super::{config, exit_of};
use crate::stop::Stop;
use anyhow::Result;

pub fn run(a: &CompareArgs) -> Result<i32> {
    let cfg = config::compare(a, &Stop::new())?;
    let report = measure(&cfg, Mode::Compare)?;
    write_report(&report, cfg.json.as_deref())?;
    write_page(&report, cfg.html.as_deref())?;
    print!("{}", crate::compare::render_table(&report));
    // Strategies a stop came before: say so, rather than leave them out silently.
    let missing: Vec<&str> = cfg
        .compare
        .strategies
        .iter()
        .filter(|k| !report.strategies.iter().any(|s| s.strategy == **k))
        .map(|k| k.name())
        .collect();
    if !missing.is_empty() {
        println!(
            "not run (interrupted before they started): {}",
            missing.join(", ")
        );
    }
    println!();
    print!("{}", crate::compare::render_latency_table(&report));
    if let Some(n) = &report.network {
        println!();
        print!("{}", crate::netem::rounds::render_table(n));
    }
    if let Some(dir) = &cfg.plots {
        let files = crate::plot::write_report_plots(&report, dir, "")?;
        eprintln!(
            "fleetbench: {} written to {}",
            crate::plural::count(files.len(), "plot"),
            dir.display()
        );
    }
    Ok(exit_of(&report))
}
