//! `fleetbench poll`: the fleet polled on a steady schedule, every device every interval for
//! a duration, with any strategy, sessions kept or renewed; [`run`] is the library entry
//! point. The schedule and its rules are the client's (`strategy::schedule`, on the real
//! clock in `strategy::steady`); this module drives one run per sessions mode, samples
//! both sides' resources at each finished cycle (`steady/sides.rs`), and folds the cycles
//! into the report's `steady` object and the stream (`steady/reporter.rs`), whose lines
//! go to a [`CycleSink`] as each cycle finishes, so a run cut short keeps them all.

mod reporter;
mod sides;

use crate::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Observer;
use fleetbench_client::strategy::keep::KeepSessions;
use fleetbench_client::strategy::poller::Poller;
use fleetbench_client::strategy::schedule::Plan;
use fleetbench_client::strategy::steady::Steady;
use fleetbench_client::strategy::{self, RunConfig, StrategyError};
use fleetbench_report::steady::{OnLate, SessionMode, Start, SteadyReport, SteadyRun, StreamLine};
use fleetbench_report::{Report, StrategyKind};
use std::sync::Arc;
use std::time::Duration;

pub use sides::established_to_ports;

/// What `poll` runs.
#[derive(Debug, Clone)]
pub struct SteadyOptions {
    pub strategy: StrategyKind,
    /// One run per mode, in this order.
    pub sessions: Vec<SessionMode>,
    pub every: Duration,
    /// Whole intervals: `--for` over `--every`, rounded up.
    pub cycles: u64,
    pub start: Start,
    pub on_late: OnLate,
    /// Workers, worker executable, stop token, the `renew` session, retries, connect rate.
    pub run: RunConfig,
    /// A separate `fleetbench emulate` serving the fleet: its CPU and memory from `/proc`.
    pub emulator_pid: Option<u32>,
}

/// The cycles a duration holds: `length / every`, rounded up, at least one.
pub fn cycles(every: Duration, length: Duration) -> u64 {
    let (e, l) = (every.as_nanos().max(1), length.as_nanos());
    u64::try_from(l.div_ceil(e)).unwrap_or(u64::MAX).max(1)
}

/// Logins a run of `opts` over `devices` devices makes at least: every poll with `renew`,
/// one per device with `keep` (each reconnect adds one).
pub fn logins(opts: &SteadyOptions, devices: usize) -> u64 {
    fleet_polls(opts).saturating_mul(devices as u64)
}

/// The fleet's polls a run of `opts` makes at least, as whole-fleet polls (the confirmation's
/// unit): every cycle with `renew`, the first with `keep` (each reconnect adds a login).
pub fn fleet_polls(opts: &SteadyOptions) -> u64 {
    opts.sessions
        .iter()
        .map(|m| match m {
            SessionMode::Renew => opts.cycles,
            SessionMode::Keep => 1,
        })
        .fold(0u64, u64::saturating_add)
}

/// Where finished cycles go as they finish (the command line appends them to the stream
/// file and prints a line each). Called from one thread at a time, in order.
pub trait CycleSink: Sync {
    fn cycle(&self, line: &StreamLine);
}

/// A sink that keeps nothing.
#[derive(Debug, Default)]
pub struct NoSink;

impl CycleSink for NoSink {
    fn cycle(&self, _: &StreamLine) {}
}

/// What stops a steady run as a whole (a device's failure never does).
#[derive(Debug, thiserror::Error)]
pub enum SteadyError {
    #[error("{strategy}: {source}")]
    Strategy {
        strategy: StrategyKind,
        source: StrategyError,
    },
    #[error("--sessions keep with processes: {0}")]
    KeepInProcesses(&'static str),
}

/// Why `keep` cannot run on `processes`, for every message that says so.
pub const KEEP_PROCESSES: &str = "a kept session lives in the worker process that opened it, so \
     each device would have to go to the same worker every time, and the pool hands devices to \
     whichever worker is free; use threads, async, rayon or sequential to keep sessions";

/// Runs `opts` over `fleet`: one steady run per sessions mode, until each ends or a stop.
/// Every finished cycle goes to `sink` as it finishes; the report holds what ran.
pub fn run(
    opts: &SteadyOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
    sink: &dyn CycleSink,
) -> Result<Report, SteadyError> {
    if opts.strategy == StrategyKind::Processes && opts.sessions.contains(&SessionMode::Keep) {
        return Err(SteadyError::KeepInProcesses(KEEP_PROCESSES));
    }
    let mut report = Report::new(fleet.info.clone(), job.commands.clone());
    // Before any session of this process runs (then kept): never measured under load.
    report.machine.floor = crate::floor::for_report();
    report.network = fleet.network_report(job.commands.len());
    report.shard = fleet.shard.clone();
    report.bastion = fleet.bastion.clone();
    let mut steady = SteadyReport {
        every_s: opts.every.as_secs_f64(),
        for_s: opts.every.as_secs_f64() * opts.cycles as f64,
        cycles: opts.cycles,
        start: opts.start,
        on_late: opts.on_late,
        runs: Vec::new(),
    };
    let stop = &opts.run.stop;
    for &mode in &opts.sessions {
        if stop.is_requested() {
            break;
        }
        steady
            .runs
            .push(run_mode(mode, opts, fleet, job, obs, sink)?);
    }
    report.interrupted = stop.is_requested();
    report.steady = Some(steady);
    Ok(report)
}

/// One sessions mode's run: the strategy's workers on the schedule, the reporter beside
/// them on a thread of its own.
fn run_mode(
    mode: SessionMode,
    opts: &SteadyOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
    sink: &dyn CycleSink,
) -> Result<SteadyRun, SteadyError> {
    let n = fleet.devices.len();
    let session: Arc<dyn Poller> = match mode {
        SessionMode::Keep => Arc::new(KeepSessions::new(n)),
        SessionMode::Renew => opts.run.session.clone(),
    };
    let cfg = RunConfig {
        session,
        ..opts.run.clone()
    };
    let plan = Plan {
        every: opts.every,
        cycles: opts.cycles,
        devices: n,
        start: opts.start,
        on_late: opts.on_late,
        sessions_kept: mode == SessionMode::Keep,
    };
    let (schedule, rx) = Steady::new(plan, &cfg.stop);
    let workers = strategy::effective_workers(opts.strategy, cfg.workers, n);
    let id = reporter::RunId {
        sessions: mode,
        strategy: opts.strategy,
        workers,
        every_s: opts.every.as_secs_f64(),
    };
    let sides = sides::Sides::new(fleet, opts.emulator_pid, schedule.clone());
    let reporter = reporter::Reporter::new(id, sides, sink);
    let (out, reporter) = std::thread::scope(|s| {
        let folding = s.spawn(move || {
            let mut reporter = reporter;
            for event in rx {
                reporter.on(event);
            }
            reporter
        });
        let out = strategy::run_steady(
            opts.strategy,
            &fleet.devices,
            job,
            &cfg,
            schedule.clone(),
            obs,
        );
        (out, folding.join())
    });
    let out = out.map_err(|source| SteadyError::Strategy {
        strategy: opts.strategy,
        source,
    })?;
    // The reporter only folds numbers; it has nothing to panic on, and a run's report is
    // not lost to it if it ever did: the run ends with what the totals had.
    let reporter = match reporter {
        Ok(r) => r,
        Err(_) => {
            return Err(SteadyError::Strategy {
                strategy: opts.strategy,
                source: StrategyError::Setup {
                    what: "steady reporter",
                    message: "the reporter thread ended early".into(),
                },
            });
        }
    };
    Ok(reporter.finish(out.workers.max(workers), cfg.stop.is_requested()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_round_up_and_logins_count_what_each_mode_opens() {
        let s = Duration::from_secs(1);
        assert_eq!(cycles(10 * s, 600 * s), 60);
        assert_eq!(cycles(10 * s, 601 * s), 61);
        assert_eq!(cycles(10 * s, s), 1);
        let opts = SteadyOptions {
            strategy: StrategyKind::Async,
            sessions: vec![SessionMode::Keep, SessionMode::Renew],
            every: 10 * s,
            cycles: 60,
            start: Start::Burst,
            on_late: OnLate::Skip,
            run: RunConfig::default(),
            emulator_pid: None,
        };
        assert_eq!(logins(&opts, 1000), 1000 + 60_000);
        assert_eq!(fleet_polls(&opts), 61);
    }
}
