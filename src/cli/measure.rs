//! What `compare` and `run` share: signals, the fleet, the library run, the report file.

use super::config::{FleetSource, MeasureConfig};
use super::files::Files;
use super::render::{Console, Mode};
use super::{fleet, signals, stdio};
use crate::present::progress::{self, Planned};
use crate::present::table;
use anyhow::{Context, Result};
use fleetbench_report::Report;
use fleetbench_report::StrategyKind;
use std::path::Path;

/// Opens the fleet and runs `cfg`'s strategies over it, rendering events for `mode`.
pub fn measure(cfg: &MeasureConfig, mode: Mode) -> Result<Report> {
    if cfg.fleet.needs_namespaces() {
        // First, while this process has one thread: an unprivileged user needs a user
        // namespace for the link emulator, and only a single-threaded process may make one.
        fleetbench_netem::sys::gain_namespace_rights()?;
    }
    signals::install(&cfg.compare.run.stop).context("installing the signal handlers")?;
    // An emulated fleet starts in `open`: its need is checked before; an inventory's size
    // is known once read.
    if let FleetSource::Emulated { devices, .. } = &cfg.fleet.source {
        descriptors(cfg, *devices, *devices)?;
    }
    let fleet = fleet::open(&cfg.fleet)?;
    if let FleetSource::Inventory(_) = &cfg.fleet.source {
        descriptors(cfg, fleet.devices.len(), 0)?;
        // Before the first login: what the command costs the real fleet, and asking above
        // --confirm-above (compare; `run` polls it once).
        if let Some(c) = &cfg.confirm {
            super::confirm::confirm(&login_plan(cfg, fleet.devices.len()), c)?;
        }
    }
    let job = fleet::job(&cfg.job, &fleet);
    if cfg.debug_slowdown > 0.0 {
        crate::errln!(
            "fleetbench: debug slowdown active: every session made {:.0}% longer",
            cfg.debug_slowdown * 100.0
        );
    }
    let console = Console::new(mode, cfg.verbose, cfg.progress);
    if let Some(line) = estimate(cfg) {
        console.line(&line);
    }
    let report = crate::compare::run(&cfg.compare, &fleet, &job, &console)?;
    fleet.stop();
    Ok(report)
}

/// The descriptor preflight ([`crate::preflight`]) of a run over `devices`, `emulated` of them
/// in this process: raises the soft limit up to the hard one when the run needs more, says
/// so, and refuses (exit 2) with the fix when even that is short.
fn descriptors(cfg: &MeasureConfig, devices: usize, emulated: usize) -> Result<()> {
    let c = &cfg.compare;
    let plan: Vec<(StrategyKind, usize)> = c
        .strategies
        .iter()
        .map(|&k| {
            let w = fleetbench_client::strategy::effective_workers(k, c.run.workers, devices);
            (k, w)
        })
        .collect();
    preflight(&cfg.fleet, &plan, emulated)
}

/// The descriptor preflight of `plan` (each strategy with the sessions it holds at once)
/// over `cfg`'s fleet, `emulated` devices of it in this process.
pub fn preflight(
    cfg: &super::config::FleetConfig,
    plan: &[(StrategyKind, usize)],
    emulated: usize,
) -> Result<()> {
    let relay = matches!(
        &cfg.source,
        FleetSource::Emulated { network: Some(n), .. } if n.1 == fleetbench_netem::Method::Relay
    );
    let limits = fleetbench_rusage::nofile_limits();
    // Raised whatever the need: external pollers inherit it.
    let raised = fleetbench_rusage::raise_nofile_limit();
    let (Some(need), Some((soft, hard))) = (crate::preflight::need(plan, emulated, relay), limits)
    else {
        return Ok(());
    };
    if need.total <= soft {
        return Ok(());
    }
    if let Some(why) = need.shortfall(raised, hard) {
        return Err(anyhow::anyhow!("{why}"));
    }
    crate::errln!(
        "fleetbench: {}; raised the open-file limit from {soft} to {raised}",
        need.describe()
    );
    Ok(())
}

/// What `compare` will cost a real fleet of `devices`: every strategy's and poller's runs.
fn login_plan(cfg: &MeasureConfig, devices: usize) -> crate::safety::LoginPlan {
    let c = &cfg.compare;
    let workers = |k: StrategyKind| match k {
        StrategyKind::Sequential => 1,
        _ => c
            .run
            .workers
            .unwrap_or_else(|| fleetbench_client::strategy::default_workers(k, devices)),
    };
    let peak = c
        .strategies
        .iter()
        .map(|&k| workers(k))
        .chain((!c.external.pollers.is_empty()).then(|| workers(StrategyKind::Threads)))
        .max()
        .unwrap_or(1);
    let polls = ((c.strategies.len() + c.external.pollers.len()) * (c.runs + c.warmup)) as u64;
    crate::safety::LoginPlan::polls(
        devices,
        polls,
        peak,
        c.run.retry.retries,
        c.run.connect_rate,
    )
}

/// The up-front estimate of a long run over an emulated fleet, from its profile's delays
/// (a real fleet's are unknown until sessions finish: the live ETA covers those).
fn estimate(cfg: &MeasureConfig) -> Option<String> {
    let FleetSource::Emulated {
        devices, profile, ..
    } = &cfg.fleet.source
    else {
        return None;
    };
    let p = &profile.profile;
    let session_s = p.login.as_secs_f64() + cfg.job.commands.len() as f64 * p.command.as_secs_f64();
    let c = &cfg.compare;
    let plan: Vec<Planned> =
        c.strategies
            .iter()
            .map(|&k| Planned {
                strategy: k,
                workers: match k {
                    StrategyKind::Sequential => 1,
                    _ => c.run.workers.unwrap_or_else(|| {
                        fleetbench_client::strategy::default_workers(k, *devices)
                    }),
                },
                runs: c.runs + c.warmup,
            })
            .collect();
    progress::estimate_line(&plan, *devices, session_s)
}

/// Writes the report, if asked: the first file written after a run, so nothing written later
/// can cost it.
pub fn write_report(report: &Report, json: Option<&Path>) -> Result<()> {
    if let Some(path) = json {
        Files::default().json(path.to_path_buf(), report)?;
        crate::errln!("fleetbench: report written to {}", path.display());
    }
    Ok(())
}

/// Writes the run's HTML page, if asked (after the JSON report).
pub fn write_page(report: &Report, html: Option<&Path>) -> Result<()> {
    write_page_with(report, html, None)
}

/// [`write_page`], with a baseline's figures beside the report's.
pub fn write_page_with(
    report: &Report,
    html: Option<&Path>,
    baseline: Option<&Report>,
) -> Result<()> {
    if let Some(path) = html {
        let opts = crate::present::html::PageOptions {
            command_line: Some(std::env::args().collect::<Vec<_>>().join(" ")),
            baseline: baseline.cloned(),
            ..Default::default()
        };
        let page = crate::present::html::report_page(report, &opts);
        Files::default().write(path.to_path_buf(), page.as_bytes())?;
        crate::errln!("fleetbench: page written to {}", path.display());
    }
    Ok(())
}

/// The files `compare` and `merge` may write besides printing the tables.
pub struct Outputs<'a> {
    pub json: Option<&'a Path>,
    pub html: Option<&'a Path>,
    pub plots: Option<&'a Path>,
    /// `--baseline`: a report whose figures the page shows beside these.
    pub baseline: Option<&'a Report>,
}

/// What `compare` and `merge` make of a finished report: the report file first (so nothing
/// later can cost it), the page and the plots, then on stdout the tables (naming the
/// `planned` strategies a stop came before) and last the answer: the verdict, the failures
/// by kind with what to do, what shaped the figures. Returns the exit code.
pub fn present(report: &Report, planned: &[StrategyKind], out: Outputs<'_>) -> Result<i32> {
    write_report(report, out.json)?;
    write_page_with(report, out.html, out.baseline)?;
    if let Some(dir) = out.plots {
        let mut files = Files::default();
        files.write_into(dir, &crate::present::plot::report_plots(report, "")?)?;
        crate::errln!(
            "fleetbench: {} written to {}",
            crate::present::plural::count(files.written.len(), "plot"),
            dir.display()
        );
    }
    let mut text = table::strategies(report);
    // Strategies a stop came before: say so, rather than leave them out silently.
    let missing: Vec<&str> = planned
        .iter()
        .filter(|k| !report.strategies.iter().any(|s| s.strategy == **k))
        .map(|k| k.name())
        .collect();
    if !missing.is_empty() {
        text.push_str(&format!(
            "not run (interrupted before they started): {}\n",
            missing.join(", ")
        ));
    } else if report.interrupted {
        text.push_str(
            "interrupted: fewer runs than asked for; the last one reported may be partial\n",
        );
    }
    let latency = table::latency(report);
    let mut sections = vec![latency];
    if let Some(t) = crate::present::floor::multiples(report) {
        sections.push(t);
    }
    // `compare --device-view`: the devices' record against each strategy's results.
    if report.strategies.iter().any(|s| s.device_view.is_some()) {
        sections.push(crate::present::device_view::device_view(report));
    }
    if let Some(n) = &report.network {
        sections.push(crate::present::network::round_trips(n));
    }
    if report.bastion.is_some() {
        sections.push(crate::present::bastion::bastion(report));
    }
    // The devices' shared limits: what they did, by the devices' own count.
    sections.push(crate::present::limits::device_limits(report));
    sections.push(crate::present::verdict::terminal(
        &verdict_of(report),
        crate::present::verdict::Part::All,
    ));
    for s in sections.into_iter().filter(|s| !s.is_empty()) {
        text.push('\n');
        text.push_str(&s);
    }
    // Tables show names and messages from devices and files: escaped, lines kept.
    stdio::out(&crate::present::sanitize::for_terminal_text(&text))?;
    Ok(super::exit_of(report))
}

/// The report's verdict, or one computed now for a report written before verdicts were.
pub fn verdict_of(report: &Report) -> fleetbench_report::verdict::Verdict {
    report
        .verdict
        .clone()
        .unwrap_or_else(|| fleetbench_report::verdict::Verdict::of(report))
}
