//! `fleetbench poll`: the fleet on a steady schedule. Before it starts, the logins it will
//! make (and, for a real inventory at scale on a terminal, a question); while it runs, a
//! line per finished cycle on stderr and in the `--stream` file, each appended as the cycle
//! finishes; at the end (or at Ctrl-C), the report, the page, the tables, the plots.

use super::args::PollArgs;
use super::config::{self, FleetSource, PollConfig};
use super::files::Files;
use super::measure::{preflight, write_page, write_report};
use super::{EXIT_FAILED, EXIT_OK, fleet, signals};
use crate::fleet::Fleet;
use crate::present::progress;
use crate::present::sanitize::{for_terminal, for_terminal_text};
use crate::safety::LoginPlan;
use crate::steady::CycleSink;
use anyhow::{Context, Result};
use fleetbench_client::observe::{Event, Observer};
use fleetbench_client::stop::Stop;
use fleetbench_report::steady::{SessionMode, StreamLine};
use fleetbench_report::{Report, StrategyKind};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn run(a: &PollArgs) -> Result<i32> {
    let stop = Stop::new();
    let cfg = config::poll(a, &stop)?;
    if cfg.fleet.needs_namespaces() {
        // First, while this process has one thread (see `measure`).
        fleetbench_netem::sys::gain_namespace_rights()?;
    }
    signals::install(&stop).context("installing the signal handlers")?;
    if let FleetSource::Emulated { devices, .. } = &cfg.fleet.source {
        preflight(&cfg.fleet, &holds(&cfg, *devices), *devices)?;
    }
    let fleet = fleet::open(&cfg.fleet)?;
    if let FleetSource::Inventory(_) = &cfg.fleet.source {
        preflight(&cfg.fleet, &holds(&cfg, fleet.devices.len()), 0)?;
    }
    let job = fleet::job(&cfg.job, &fleet);
    if cfg.debug_slowdown > 0.0 {
        crate::errln!(
            "fleetbench: debug slowdown active: every renewed session made {:.0}% longer",
            cfg.debug_slowdown * 100.0
        );
    }
    confirm(&cfg, &fleet)?;
    let sink = Sink::open(&cfg)?;
    let watcher = Failures {
        verbose: cfg.verbose,
    };
    let report = crate::steady::run(&cfg.steady, &fleet, &job, &watcher, &sink)?;
    fleet.stop();
    if let Some(p) = &cfg.stream {
        crate::errln!(
            "fleetbench: {} appended to {}",
            crate::present::plural::count(sink.lines(), "cycle line"),
            p.display()
        );
    }
    write_report(&report, cfg.json.as_deref())?;
    write_page(&report, cfg.html.as_deref())?;
    super::stdio::out(&for_terminal_text(&crate::present::steady::summary(
        &report,
    )))?;
    if let Some(dir) = &cfg.plots {
        let mut files = Files::default();
        files.write_into(dir, &crate::present::plot::poll_plots(&report)?)?;
        crate::errln!(
            "fleetbench: {} written to {}",
            crate::present::plural::count(files.written.len(), "plot"),
            dir.display()
        );
    }
    Ok(exit_of(&report))
}

/// 0 when every poll that ran answered; 1 when one failed or a stop cut the run short.
/// Skipped and not-run polls are the schedule's verdict on the setup, said in the tables,
/// not a device's failure.
fn exit_of(report: &Report) -> i32 {
    let failed = report
        .steady
        .iter()
        .flat_map(|s| &s.runs)
        .any(|r| r.polls.failed > 0);
    if failed || report.interrupted {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Each strategy's sessions at its busiest, for the descriptor preflight: its workers,
/// and with `keep` every device's session besides.
fn holds(cfg: &PollConfig, devices: usize) -> Vec<(StrategyKind, usize)> {
    let s = &cfg.steady;
    let workers =
        fleetbench_client::strategy::effective_workers(s.strategy, s.run.workers, devices);
    let held = if s.sessions.contains(&SessionMode::Keep) {
        workers.max(devices)
    } else {
        workers
    };
    vec![(s.strategy, held)]
}

/// Says what the run will do and how many logins it makes; for a real inventory, the same
/// notice and confirmation as `compare` and `tune` (`--yes`, `--confirm-above`), with every
/// device's session held at once under `keep`.
fn confirm(cfg: &PollConfig, fleet: &Fleet) -> Result<()> {
    let s = &cfg.steady;
    let n = fleet.devices.len();
    let logins = crate::steady::logins(s, n);
    let polls = (n as u64).saturating_mul(s.cycles);
    let modes: Vec<&str> = s.sessions.iter().map(|m| m.name()).collect();
    crate::errln!(
        "fleetbench: poll: {} every {} for {} ({}; {}, {}): {} polls per sessions mode ({}), \
         at least {} logins in all{}",
        crate::present::plural::count(n, "device"),
        crate::present::human::secs(s.every.as_secs_f64()),
        crate::present::human::secs(s.every.as_secs_f64() * s.cycles as f64),
        crate::present::plural::count(s.cycles as usize, "cycle"),
        s.strategy.name(),
        crate::present::plural::count(
            fleetbench_client::strategy::effective_workers(s.strategy, s.run.workers, n),
            "worker"
        ),
        polls,
        modes.join(" then "),
        logins,
        if modes.contains(&"keep") {
            "; keep adds one per reconnect"
        } else {
            ""
        }
    );
    if fleet.info.emulated {
        return Ok(());
    }
    let held = holds(cfg, n).first().map_or(1, |h| h.1);
    let plan = LoginPlan::polls(
        n,
        crate::steady::fleet_polls(s),
        held,
        s.run.retry.retries,
        s.run.connect_rate,
    );
    super::confirm::confirm(&plan, &cfg.confirm)
}

/// Where finished cycles go: the stream file, appended and flushed line by line, and a
/// line each on stderr.
struct Sink {
    file: Mutex<Option<std::fs::File>>,
    path: Option<PathBuf>,
    /// A write failed once: said once, the run goes on (the report still gets every cycle).
    failed: AtomicBool,
    written: Mutex<usize>,
    print: bool,
    cycles: u64,
}

impl Sink {
    fn open(cfg: &PollConfig) -> Result<Sink> {
        let file = match &cfg.stream {
            Some(p) => Some(open_stream(p)?),
            None => None,
        };
        Ok(Sink {
            file: Mutex::new(file),
            path: cfg.stream.clone(),
            failed: AtomicBool::new(false),
            written: Mutex::new(0),
            print: cfg.progress != progress::Mode::Off,
            cycles: cfg.steady.cycles,
        })
    }

    fn lines(&self) -> usize {
        *self.written.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn open_stream(p: &Path) -> Result<std::fs::File> {
    fleetbench_inventory::output::open_append(p, 0o666, false)
        .with_context(|| format!("--stream {}", p.display()))
}

impl CycleSink for Sink {
    /// The line reaches the file before the terminal: a cycle shown has been appended.
    fn cycle(&self, line: &StreamLine) {
        self.append(line);
        if self.print {
            crate::errln!(
                "fleetbench: {}",
                for_terminal(&crate::present::steady::cycle_line(line, self.cycles))
            );
        }
    }
}

impl Sink {
    fn append(&self, line: &StreamLine) {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let Some(f) = file.as_mut() else {
            return;
        };
        let mut bytes = match serde_json::to_vec(line) {
            Ok(b) => b,
            Err(_) => return,
        };
        bytes.push(b'\n');
        // One write per line on an O_APPEND file: a line is whole or absent, whenever the
        // process dies; nothing is buffered in this process.
        match f.write_all(&bytes).and_then(|()| f.flush()) {
            Ok(()) => *self.written.lock().unwrap_or_else(|p| p.into_inner()) += 1,
            Err(e) => {
                if !self.failed.swap(true, Ordering::AcqRel) {
                    crate::errln!(
                        "fleetbench: warning: cannot append to the stream {}: {e}; the report \
                         will still have every cycle",
                        self.path
                            .as_deref()
                            .map_or_else(String::new, |p| p.display().to_string())
                    );
                }
            }
        }
    }
}

/// `--verbose`: a line per failed poll (a poll that answered says nothing: a steady run
/// makes too many for a line each).
struct Failures {
    verbose: bool,
}

impl Observer for Failures {
    fn on(&self, e: &Event<'_>) {
        if let Event::DeviceFinished { result, .. } = e
            && self.verbose
            && let Some(err) = &result.error
        {
            crate::errln!(
                "fleetbench: {}: {} ({})",
                for_terminal(&result.name),
                for_terminal(&err.kind),
                for_terminal(&err.message)
            );
        }
    }
}
