//! The concurrency strategies. Each one only schedules: it hands devices to the one session
//! core ([`crate::session`]) and collects [`DeviceResult`]s in inventory order. None of them
//! sees an SSH byte.
//!
//! | strategy     | what runs the sessions                                        |
//! |--------------|---------------------------------------------------------------|
//! | `sequential` | the calling thread, one device after another                  |
//! | `threads`    | W std threads pulling devices from a crossbeam channel queue  |
//! | `processes`  | a pool of W worker processes (this binary, re-executed), pipes |
//! | `async`      | tokio tasks over non-blocking libssh2, W at once (semaphore)  |
//! | `rayon`      | a dedicated rayon pool of W threads, one spawned job per device |
//!
//! Every strategy takes its devices from the one queue of the shell (`pool.rs`), which also
//! paces new connections (`--connect-rate`, [`pace`]) and retries failed devices
//! (`--retries`, [`retry`]) the same way for all five. That queue is one sweep of the
//! fleet, or a steady-state schedule ([`run_steady`]: [`schedule`] the pure rules,
//! [`steady`] their clock), where each device comes again whenever it is due; sessions
//! can then be kept between a device's polls ([`keep`]).

mod asyncrt;
pub mod keep;
pub mod pace;
pub mod poller;
mod pool;
pub mod processes;
mod rayon_pool;
pub mod retry;
pub mod schedule;
mod sequential;
pub mod steady;
mod threads;

use crate::job::Job;
use crate::observe::Observer;
use crate::stop::Stop;
use fleetbench_inventory::Device;
use fleetbench_report::{DeviceResult, StrategyKind};
use poller::Poller;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The worker count used when `--workers` is not given, for a fleet of `n` devices.
///
/// Polling is waiting, not computing: a worker per device lets every device's latency
/// overlap, which is what the classic course does for three routers. The caps bound what
/// one run may hold at once: 1000 sessions for threads, rayon and async (about 1000
/// client sockets plus, with an in-process emulator, as many server sockets; a thread
/// stack is reserved, not resident, so 1000 threads cost a few MiB), and 64 worker
/// processes, where each process costs a few MiB of resident memory and a fork+exec to
/// start (the pool's start-up cost grows with it).
pub fn default_workers(kind: StrategyKind, n: usize) -> usize {
    let cap = match kind {
        StrategyKind::Sequential => 1,
        StrategyKind::Processes => 64,
        _ => 1000,
    };
    n.clamp(1, cap)
}

/// The workers a run of `kind` over `devices` devices has when `requested` were asked for:
/// [`default_workers`] unless asked, never more than devices, 1 for sequential.
pub fn effective_workers(kind: StrategyKind, requested: Option<usize>, devices: usize) -> usize {
    if kind == StrategyKind::Sequential {
        return 1;
    }
    requested
        .unwrap_or_else(|| default_workers(kind, devices))
        .max(1)
        .min(devices.max(1))
}

/// How to run: the concurrency bound, for `processes` which executable to start, the stop
/// token the run obeys, and the session each device gets.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Concurrency bound; `None` = [`default_workers`].
    pub workers: Option<usize>,
    /// The fleetbench binary for worker processes; `None` = the current executable. Tests
    /// set it, since their current executable is the test harness.
    pub worker_exe: Option<PathBuf>,
    /// Set to stop the run early ([`crate::stop`]).
    pub stop: Stop,
    /// How one device is polled: the SSH session core, possibly wrapped, or a mock.
    pub session: Arc<dyn Poller>,
    /// Retries of failed devices (`--retries`; none by default).
    pub retry: retry::RetryPolicy,
    /// Most new connections per second, all workers together (`--connect-rate`); `None`:
    /// no cap.
    pub connect_rate: Option<f64>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            workers: None,
            worker_exe: None,
            stop: Stop::new(),
            session: Arc::new(poller::Ssh::default()),
            retry: retry::RetryPolicy::default(),
            connect_rate: None,
        }
    }
}

/// What one run of one strategy produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub strategy: StrategyKind,
    pub workers: usize,
    /// One result per device, in inventory order.
    pub results: Vec<DeviceResult>,
    /// Wall clock of the whole run, pool start-up included.
    pub wall: Duration,
    /// Time to bring the pool up before the first device could start (processes: spawn and
    /// handshake of every worker; rayon and async: building the pool or runtime).
    pub startup: Duration,
    /// Threads the strategy ran sessions on (1 for sequential; for processes, per worker).
    pub threads: usize,
    /// Worker processes started, replacements for dead ones included.
    pub processes: usize,
}

impl RunOutcome {
    pub fn ok(&self) -> usize {
        self.results.iter().filter(|r| r.ok).count()
    }
    pub fn failed(&self) -> usize {
        self.results.len() - self.ok()
    }
}

/// Errors that stop a strategy as a whole (a device's failure never does).
#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    #[error("cannot build the {what}: {message}")]
    Setup { what: &'static str, message: String },
    #[error("cannot start worker process {exe}: {message}")]
    Spawn { exe: String, message: String },
}

/// Runs `kind` over `devices`: one sweep, each device once.
pub fn run(
    kind: StrategyKind,
    devices: &[Device],
    job: &Job,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> Result<RunOutcome, StrategyError> {
    run_with(kind, devices, job, cfg, obs, None)
}

/// Runs `kind` over `devices` on `schedule` ([`steady`]): each device whenever it is due,
/// until the schedule ends or a stop. Every poll's result goes to the schedule (the
/// outcome's `results` is empty); finished cycles come out of the schedule's receiver.
/// Closes the schedule before it returns, whatever happened.
pub fn run_steady(
    kind: StrategyKind,
    devices: &[Device],
    job: &Job,
    cfg: &RunConfig,
    schedule: Arc<steady::Steady>,
    obs: &dyn Observer,
) -> Result<RunOutcome, StrategyError> {
    let out = run_with(kind, devices, job, cfg, obs, Some(schedule.clone()));
    schedule.close();
    out
}

fn run_with(
    kind: StrategyKind,
    devices: &[Device],
    job: &Job,
    cfg: &RunConfig,
    obs: &dyn Observer,
    steady: Option<Arc<steady::Steady>>,
) -> Result<RunOutcome, StrategyError> {
    let workers = effective_workers(kind, cfg.workers, devices.len());
    let r = pool::Run {
        devices,
        job,
        workers,
        cfg,
        obs,
        steady,
    };
    let t0 = Instant::now();
    let out = match kind {
        StrategyKind::Sequential => sequential::run(&r),
        StrategyKind::Threads => threads::run(&r),
        StrategyKind::Processes => processes::run(&r),
        StrategyKind::Async => asyncrt::run(&r),
        StrategyKind::Rayon => rayon_pool::run(&r),
    };
    // What the session kept for the run (shared bastion connections) ends with it.
    cfg.session.end_run();
    let mut out = out?;
    out.wall = t0.elapsed();
    out.strategy = kind;
    out.workers = workers;
    Ok(out)
}

#[cfg(test)]
mod tests;
