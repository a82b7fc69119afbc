//! `fleetbench sweep`: every strategy over fleet sizes and worker counts into a folder.

use super::args::SweepArgs;
use super::render::{Console, Mode};
use super::{EXIT_FAILED, EXIT_OK, config, signals};
use anyhow::{Context, Result};
use fleetbench_client::stop::Stop;

pub fn run(a: &SweepArgs) -> Result<i32> {
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    if !a.networks.is_empty() {
        return networks(a, command_line);
    }
    let opts = config::sweep(a, command_line, &Stop::new())?;
    signals::install(&opts.stop).context("installing the signal handlers")?;
    fleetbench_rusage::raise_nofile_limit();
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

/// `sweep --networks`: the same, over networks, with wall time against RTT.
fn networks(a: &SweepArgs, command_line: String) -> Result<i32> {
    let opts = config::sweep_networks(a, command_line, &Stop::new())?;
    if opts.method == fleetbench_netem::Method::Tun {
        // Before any thread (the signal thread included): see `netem::sys`.
        fleetbench_netem::sys::gain_namespace_rights()?;
    }
    signals::install(&opts.base.stop).context("installing the signal handlers")?;
    fleetbench_rusage::raise_nofile_limit();
    eprintln!("fleetbench: network sweep into {}", opts.base.out.display());
    let out = crate::sweep::network::run(
        &opts,
        &Console::new(Mode::Sweep, false, a.progress.progress.resolve()),
    )?;
    eprintln!(
        "fleetbench: {} file(s) written to {}",
        out.files.len(),
        out.dir.display()
    );
    Ok(if out.failed_devices > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}
