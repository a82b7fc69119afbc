//! `fleetbench sweep`: every strategy over fleet sizes and worker counts into a folder.

use super::args::SweepArgs;
use super::render::{Console, Mode};
use super::{EXIT_FAILED, EXIT_OK, config, signals};
use crate::stop::Stop;
use anyhow::{Context, Result};

pub fn run(a: &SweepArgs) -> Result<i32> {
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let opts = config::sweep(a, command_line, &Stop::new())?;
    signals::install(&opts.stop).context("installing the signal handlers")?;
    crate::measure::raise_nofile_limit();
    eprintln!("fleetbench: sweep into {}", opts.out.display());
    let out = crate::sweep::run(
        &opts,
        &Console::new(Mode::Sweep, false, a.progress.progress.resolve()),
    )?;
    if let Some(last) = out.reports.last() {
        print!("{}", crate::compare::render_table(last));
    }
    eprintln!(
        "fleetbench: {} written to {} (open {} for the whole sweep on one page)",
        crate::plural::count(out.files.len(), "file"),
        out.dir.display(),
        out.dir.join("index.html").display()
    );
    Ok(if out.failed_devices > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}
