//! `fleetbench sweep`: every strategy over fleet sizes and worker counts against an
//! in-process emulated fleet, one point at a time ([`Sweep::next_point`]), so the command
//! line stores each point as soon as it is measured and an interrupted sweep keeps what it
//! measured. What the folder holds, and how each file looks, is
//! [`crate::present::sweep`]'s; [`setup`] gathers what `setup.md` says about the machine.

use crate::compare::{self, CompareOptions};
use crate::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Observer;
use fleetbench_client::stop::Stop;
use fleetbench_client::strategy::{RunConfig, StrategyError};
use fleetbench_emulator::{EmulatorError, Profile};
use fleetbench_report::{self as report, Report, StrategyKind};
use std::path::{Path, PathBuf};

pub mod network;
pub mod setup;

/// What a sweep runs. Validated by the caller (non-empty lists, sizes and workers >= 1).
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub sizes: Vec<usize>,
    /// The emulated fleet's profile, already parsed (its name is [`SweepOptions::profile`]).
    pub profile_spec: Profile,
    /// Worker counts; `None` = each strategy's default for the size.
    pub workers: Vec<Option<usize>>,
    pub strategies: Vec<StrategyKind>,
    /// Emulator profile name (`lan`, `classic`, ... or a custom spec).
    pub profile: String,
    pub seed: u64,
    pub runs: usize,
    pub warmup: usize,
    pub commands: Vec<String>,
    pub out: PathBuf,
    /// The fleetbench binary for worker processes (`None`: this executable).
    pub worker_exe: Option<PathBuf>,
    /// Timelines are drawn for fleets up to this size (a 1000-row timeline is a large SVG).
    pub timeline_max: usize,
    /// The command line, for setup.md.
    pub command_line: String,
    /// Stops the sweep after the current run.
    pub stop: Stop,
    /// `sweep --inventory`: the real devices swept (their fleet is given to [`Sweep::over`];
    /// `sizes` is then their number).
    pub inventory: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("emulated fleet of {devices}: {source}")]
    Emulator {
        devices: usize,
        source: EmulatorError,
    },
    #[error("{devices} devices, {strategy}: {source}")]
    Strategy {
        devices: usize,
        strategy: StrategyKind,
        source: StrategyError,
    },
    #[error(transparent)]
    External(#[from] crate::external::ExternalError),
}

/// One measured point: every strategy over `devices` devices at one worker setting.
#[derive(Debug, Clone)]
pub struct Point {
    pub devices: usize,
    /// The `--workers` setting: `None` = each strategy's default.
    pub workers: Option<usize>,
    pub report: Report,
}

/// A sweep under way: sizes in order, each size's worker settings in order, one fleet per
/// size (started at its first point, stopped after its last).
pub struct Sweep<'a> {
    opts: &'a SweepOptions,
    /// The next point, as an index into sizes x worker settings.
    next: usize,
    /// The current size's fleet and job.
    fleet: Option<(Fleet, Job)>,
    /// The fleet was given ([`Sweep::over`]): it is not started or stopped per size.
    given: bool,
}

impl<'a> Sweep<'a> {
    pub fn new(opts: &'a SweepOptions) -> Sweep<'a> {
        Sweep {
            opts,
            next: 0,
            fleet: None,
            given: false,
        }
    }

    /// A sweep of the worker settings over a fleet already open (`sweep --inventory`): one
    /// size, this fleet's.
    pub fn over(opts: &'a SweepOptions, fleet: Fleet, job: Job) -> Sweep<'a> {
        Sweep {
            opts,
            next: 0,
            fleet: Some((fleet, job)),
            given: true,
        }
    }

    /// Measures the next point (its compare's events go to `obs`), or `None` when every point
    /// is done or a stop was requested.
    pub fn next_point(&mut self, obs: &dyn Observer) -> Result<Option<Point>, SweepError> {
        let opts = self.opts;
        let per_size = opts.workers.len().max(1);
        let (i, k) = (self.next / per_size, self.next % per_size);
        let (Some(&n), Some(&w)) = (opts.sizes.get(i), opts.workers.get(k)) else {
            self.stop_fleet();
            return Ok(None);
        };
        if opts.stop.is_requested() {
            self.stop_fleet();
            return Ok(None);
        }
        if k == 0 && !self.given {
            self.stop_fleet();
            let fleet = Fleet::emulated_n(n, opts.profile_spec.clone(), &opts.profile, opts.seed)
                .map_err(|source| SweepError::Emulator { devices: n, source })?;
            let job = Job::new(opts.commands.clone(), fleet.host_keys.clone());
            self.fleet = Some((fleet, job));
        }
        let Some((fleet, job)) = &self.fleet else {
            return Ok(None);
        };
        let copts = CompareOptions {
            external: Default::default(),
            strategies: opts.strategies.clone(),
            runs: opts.runs,
            warmup: opts.warmup,
            run: RunConfig {
                workers: w,
                worker_exe: opts.worker_exe.clone(),
                stop: opts.stop.clone(),
                ..RunConfig::default()
            },
        };
        let report = compare::run(&copts, fleet, job, obs).map_err(|e| match e {
            compare::CompareError::Strategy { strategy, source } => SweepError::Strategy {
                devices: n,
                strategy,
                source,
            },
            // A sweep runs no external poller.
            compare::CompareError::External(e) => SweepError::External(e),
        })?;
        self.next += 1;
        if k + 1 == per_size && !self.given {
            self.stop_fleet();
        }
        Ok(Some(Point {
            devices: n,
            workers: w,
            report,
        }))
    }

    fn stop_fleet(&mut self) {
        if let Some((fleet, _)) = self.fleet.take() {
            fleet.stop();
        }
    }
}

impl Drop for Sweep<'_> {
    fn drop(&mut self) {
        self.stop_fleet();
    }
}

/// `results/<YYYY-MM-DD>-<hostname>` under `base`.
pub fn default_dir(base: &Path) -> PathBuf {
    let date = chrono::Local::now().format("%Y-%m-%d");
    base.join(format!("{date}-{}", report::hostname()))
}

/// The folder a sweep writes into when none is given: `results/<YYYY-MM-DD>-<hostname>`
/// under `base`, or, when that one already exists, the first of `...-2`, `...-3`, ... that
/// does not: a sweep never writes over earlier results (the committed reference included).
pub fn fresh_dir(base: &Path) -> PathBuf {
    let first = default_dir(base);
    if !first.exists() {
        return first;
    }
    let name = first
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (2..)
        .map(|i| first.with_file_name(format!("{name}-{i}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Whether `dir` already holds files (an earlier sweep's results).
pub fn holds_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}
