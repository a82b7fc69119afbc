//! `fleetbench sweep`: every strategy over fleet sizes and worker counts into a folder, each
//! point's files written as soon as it is measured.

use super::args::SweepArgs;
use super::files::Files;
use super::render::{Console, Mode};
use super::{EXIT_FAILED, EXIT_OK, config, signals};
use crate::present::sweep as files_of;
use crate::sweep::network::{NetworkSweep, NetworkSweepOptions};
use crate::sweep::setup::Setup;
use crate::sweep::{Point, Sweep, SweepOptions};
use anyhow::{Context, Result};
use fleetbench_client::observe::Observer;
use fleetbench_client::stop::Stop;
use fleetbench_inventory::output;

pub fn run(a: &SweepArgs) -> Result<i32> {
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    if !a.networks.is_empty() {
        return networks(a, command_line);
    }
    if a.inventory.is_some() {
        return inventory(a, command_line);
    }
    let opts = config::sweep(a, command_line, &Stop::new())?;
    signals::install(&opts.stop).context("installing the signal handlers")?;
    fleetbench_rusage::raise_nofile_limit();
    crate::errln!("fleetbench: sweep into {}", opts.out.display());
    let console = Console::new(Mode::Sweep, false, a.progress.progress.resolve());
    let (points, files, page) = sweep_into(&opts, &console)?;
    finish(a, &opts, points, files, &page)
}

/// What a sweep shows once its folder is written: the page where `--html` asked for it too,
/// the last point's table and its answer on stdout, the folder on stderr. Returns the exit
/// code.
fn finish(
    a: &SweepArgs,
    opts: &SweepOptions,
    points: Vec<Point>,
    mut files: Files,
    page: &str,
) -> Result<i32> {
    if let Some(path) = &a.html {
        // The folder's page, also where it was asked for (its plots are inline).
        files.write(path.clone(), page.as_bytes())?;
        crate::errln!("fleetbench: page written to {}", path.display());
    }
    if let Some(last) = points.last() {
        // The last point at a glance, and its answer.
        let answer = crate::present::verdict::terminal(
            &super::measure::verdict_of(&last.report),
            crate::present::verdict::Part::All,
        );
        let text = format!(
            "{}\n{answer}",
            crate::present::table::strategies(&last.report)
        );
        super::stdio::out(&crate::present::sanitize::for_terminal_text(&text))?;
    }
    crate::errln!(
        "fleetbench: {} written to {} (open {} for the whole sweep on one page)",
        crate::present::plural::count(files.written.len(), "file"),
        opts.out.display(),
        opts.out.join("index.html").display()
    );
    Ok(exit_code(points.iter().map(|p| &p.report)))
}

/// Measures every point of `opts` and writes the sweep's folder: setup.md first, each point's
/// report and plots as soon as it is measured (an interrupted sweep keeps what it measured),
/// then sweep.csv, the scaling plots, summary.md and index.html (returned too).
fn sweep_into(opts: &SweepOptions, obs: &dyn Observer) -> Result<(Vec<Point>, Files, String)> {
    sweep_with(opts, Sweep::new(opts), obs)
}

/// [`sweep_into`] with the sweep given (over a fleet already open, for `--inventory`).
fn sweep_with(
    opts: &SweepOptions,
    mut sweep: Sweep<'_>,
    obs: &dyn Observer,
) -> Result<(Vec<Point>, Files, String)> {
    let dir = &opts.out;
    output::create_dir(dir)?;
    let setup = Setup::gather();
    let mut files = Files::default();
    files.write(
        dir.join("setup.md"),
        files_of::setup_md(opts, &setup).as_bytes(),
    )?;
    let mut points = Vec::new();
    while let Some(p) = sweep.next_point(obs)? {
        files.json(dir.join(files_of::report_file(&p)), &p.report)?;
        files.write_into(dir, &files_of::point_plots(opts, &p)?)?;
        points.push(p);
    }
    drop(sweep);
    files.write(dir.join("sweep.csv"), files_of::csv(&points).as_bytes())?;
    let mut scaling = Vec::new();
    for (name, caption, svg) in files_of::scaling_plots(opts, &setup, &points)? {
        files.write(dir.join(name), svg.as_bytes())?;
        scaling.push((caption, Ok(svg)));
    }
    files.write(
        dir.join("summary.md"),
        files_of::summary_md(opts, &setup, &points).as_bytes(),
    )?;
    let page = files_of::index_html(opts, &points, scaling);
    files.write(dir.join("index.html"), page.as_bytes())?;
    Ok((points, files, page))
}

/// `sweep --inventory`: the worker settings over real devices, after saying what that costs
/// them (and asking, above `--confirm-above`).
fn inventory(a: &SweepArgs, command_line: String) -> Result<i32> {
    let mut cfg = config::sweep_inventory(a, command_line, &Stop::new())?;
    signals::install(&cfg.sweep.stop).context("installing the signal handlers")?;
    fleetbench_rusage::raise_nofile_limit();
    let fleet = super::fleet::open(&cfg.fleet)?;
    let n = fleet.devices.len();
    cfg.sweep.sizes = vec![n];
    let o = &cfg.sweep;
    let peak = o
        .workers
        .iter()
        .flat_map(|w| {
            o.strategies.iter().map(move |&k| match (k, w) {
                (fleetbench_report::StrategyKind::Sequential, _) => 1,
                (_, Some(w)) => *w,
                (k, None) => fleetbench_client::strategy::default_workers(k, n),
            })
        })
        .max()
        .unwrap_or(1);
    let polls = (o.workers.len() * o.strategies.len() * (o.runs + o.warmup)) as u64;
    let plan = crate::safety::LoginPlan::polls(n, polls, peak, 0, None);
    super::confirm::confirm(&plan, &cfg.confirm)?;
    let job = super::fleet::job(&cfg.job, &fleet);
    crate::errln!("fleetbench: sweep into {}", o.out.display());
    let console = Console::new(Mode::Sweep, false, a.progress.progress.resolve());
    let (points, files, page) = sweep_with(o, Sweep::over(o, fleet, job), &console)?;
    finish(a, o, points, files, &page)
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
    crate::errln!("fleetbench: network sweep into {}", opts.base.out.display());
    let console = Console::new(Mode::Sweep, false, a.progress.progress.resolve());
    let (points, files) = networks_into(&opts, &console)?;
    crate::errln!(
        "fleetbench: {} file(s) written to {}",
        files.written.len(),
        opts.base.out.display()
    );
    Ok(exit_code(points.iter().map(|p| &p.report)))
}

/// Measures every network point and writes its folder, as [`sweep_into`] does.
fn networks_into(
    opts: &NetworkSweepOptions,
    obs: &dyn Observer,
) -> Result<(Vec<crate::sweep::network::Point>, Files)> {
    use files_of::network as net;
    let dir = &opts.base.out;
    output::create_dir(dir)?;
    let setup = Setup::gather();
    let mut files = Files::default();
    files.write(dir.join("setup.md"), net::setup_md(opts, &setup).as_bytes())?;
    let mut sweep = NetworkSweep::new(opts);
    let mut points = Vec::new();
    while let Some(p) = sweep.next_point(obs)? {
        files.json(dir.join(net::report_file(&p)), &p.report)?;
        points.push(p);
    }
    files.write(dir.join("networks.csv"), net::csv(&points).as_bytes())?;
    files.write_into(dir, &net::rtt_plots(opts, &points)?)?;
    files.write(
        dir.join("summary.md"),
        net::summary_md(opts, &points).as_bytes(),
    )?;
    Ok((points, files))
}

/// 1 when some device failed in a point's last measured run, else 0.
fn exit_code<'a>(reports: impl Iterator<Item = &'a fleetbench_report::Report>) -> i32 {
    let failed: usize = reports.map(|r| r.failed_devices()).sum();
    if failed > 0 { EXIT_FAILED } else { EXIT_OK }
}

#[cfg(test)]
mod tests;
