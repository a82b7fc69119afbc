//! `fleetbench tune`: the worker count to use per strategy and poller, found in few runs,
//! said as a verdict, recorded in the report and the page.

use super::args::TuneArgs;
use super::config::{self, FleetSource, TuneConfig};
use super::files::Files;
use super::render::{Console, Mode};
use super::{exit_of, fleet, signals};
use crate::present::tune as show;
use anyhow::{Context, Result};
use fleetbench_client::stop::Stop;
use fleetbench_report::StrategyId;
use fleetbench_report::tune::{TunePoint, TuneSearch};

/// Lines while the search goes, above the live line.
struct Lines<'a>(&'a Console);

impl crate::tune::Watch for Lines<'_> {
    fn measured(&self, strategy: &StrategyId, point: &TunePoint) {
        self.0.line(&show::run_line(strategy.name(), point));
    }
    fn finished(&self, search: &TuneSearch) {
        self.0.line(&show::search_line(search));
    }
}

pub fn run(a: &TuneArgs) -> Result<i32> {
    let mut cfg = config::tune(a, &Stop::new())?;
    let m = &cfg.measure;
    if m.fleet.needs_namespaces() {
        // Before any thread: see `netem::sys`.
        fleetbench_netem::sys::gain_namespace_rights()?;
    }
    signals::install(&m.compare.run.stop).context("installing the signal handlers")?;
    let limit = fleetbench_rusage::raise_nofile_limit();
    let fleet = fleet::open(&m.fleet)?;
    let n = fleet.devices.len();
    if limit > 0 {
        let files = crate::tune::OpenFiles {
            limit,
            emulated: if fleet.emulator().is_some() { n } else { 0 },
            relay: matches!(
                &m.fleet.source,
                FleetSource::Emulated { network: Some(net), .. }
                    if net.1 == fleetbench_netem::Method::Relay
            ),
        };
        cfg.tune.open_files = Some(files);
        let most = cfg.tune.max_workers.unwrap_or(n);
        let fit = cfg
            .tune
            .strategies
            .iter()
            .map(|&k| files.workers(Some(k)))
            .min()
            .unwrap_or(usize::MAX);
        if fit < most.min(n) {
            crate::errln!(
                "fleetbench: the open-file limit here ({limit}) fits at most {fit} workers of \
                 some strategy with this fleet: searches stop there (raise the limit to try more)"
            );
        }
    }
    cfg.tune.failure_budget = cfg.failure_budget.devices(n);
    if let FleetSource::Inventory(_) = &m.fleet.source {
        let budget = *cfg
            .tune
            .login_budget
            .get_or_insert(config::TUNE_REAL_BUDGET_POLLS * n as u64);
        let most = cfg
            .tune
            .max_workers
            .unwrap_or(config::TUNE_REAL_MAX_WORKERS);
        let searches = cfg.tune.strategies.len() + cfg.tune.externals.len();
        let plan =
            crate::safety::LoginPlan::tune(n, budget, most, searches, cfg.tune.run.connect_rate);
        super::confirm::confirm(&plan, &cfg.confirm)?;
    }
    let job = fleet::job(&m.job, &fleet);
    // A line per run is this command's own (why each point): the progress keeps only its
    // live line on a terminal.
    let progress = match m.progress {
        crate::present::progress::Mode::Lines => crate::present::progress::Mode::Off,
        p => p,
    };
    let console = Console::new(Mode::Sweep, m.verbose, progress);
    let report = crate::tune::run(&cfg.tune, &fleet, &job, &console, &Lines(&console))?;
    fleet.stop();
    write(&cfg, &report)?;
    let mut text = String::new();
    for line in show::verdict(&report) {
        text.push_str(&line);
        text.push('\n');
    }
    if let Some(t) = &report.tune {
        text.push('\n');
        text.push_str(&show::table(t));
    }
    // Names from the fleet and pollers' messages: escaped, lines kept.
    super::stdio::out(&crate::present::sanitize::for_terminal_text(&text))?;
    // Ctrl-C: a partial answer, said as one (the interrupted run itself is not in it).
    let interrupted = report.tune.as_ref().is_some_and(|t| {
        t.searches.len() < cfg.tune.strategies.len() + cfg.tune.externals.len()
            || t.searches
                .iter()
                .any(|s| s.stopped == fleetbench_report::tune::Reason::Interrupted)
    });
    Ok(if interrupted {
        super::EXIT_FAILED
    } else {
        exit_of(&report)
    })
}

/// The report first, then the page.
fn write(cfg: &TuneConfig, report: &fleetbench_report::Report) -> Result<()> {
    if let Some(path) = &cfg.measure.json {
        Files::default().json(path.clone(), report)?;
        crate::errln!("fleetbench: report written to {}", path.display());
    }
    super::measure::write_page(report, cfg.measure.html.as_deref())
}
