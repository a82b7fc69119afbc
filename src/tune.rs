//! `fleetbench tune`: for each strategy (and external poller whose command takes
//! `{workers}`), the worker count to use on this fleet, found in few runs. [`search`] is
//! the pure state machine that picks each next point and says why; [`run`] measures the
//! points it asks for (one run each, through [`crate::compare::measure`] or
//! [`crate::external::measure`], the same code `compare` runs), shares the login and time
//! budgets fairly among the searches, and returns a report whose `tune` object records
//! every point, the chosen one and why (its text is [`crate::present::tune`]'s).

mod model;
pub mod search;

pub use model::{Known, knee_model};

use crate::compare::{self, CompareError, CompareOptions};
use crate::external::{self, ExternalError, ExternalSpec};
use crate::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::{Event, Observer};
use fleetbench_client::strategy::{RunConfig, StrategyError};
use fleetbench_report::tune::{
    KneeModel, Reason, TuneInfo, TunePoint, TuneRun, TuneSearch, TuneSettings, Why, grid_points,
};
use fleetbench_report::{Report, StrategyId, StrategyKind, StrategyReport};
use search::{Settings, Spent, Step};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What `tune` searches, and how.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    pub strategies: Vec<StrategyKind>,
    /// External pollers, each with `{workers}` in its command.
    pub externals: Vec<ExternalSpec>,
    /// Deadline of one external run.
    pub external_deadline: Duration,
    /// The knee is within this fraction of the best throughput.
    pub tolerance: f64,
    /// Devices allowed to fail beyond those failing at the lowest count.
    pub failure_budget: usize,
    /// Worker counts closer than this fraction are not told apart.
    pub resolution: f64,
    pub start: usize,
    /// The most workers tried (`None`: each strategy's own most, at most one per device).
    pub max_workers: Option<usize>,
    pub max_runs: usize,
    pub login_budget: Option<u64>,
    pub time_budget: Option<Duration>,
    /// A real inventory: stop at the first sign of trouble (see [`search`]).
    pub cautious: bool,
    /// Double past the knee until failures start (see [`search`]).
    pub probe: bool,
    /// The emulated fleet's AAA capacity, logins per second (for the model).
    pub aaa_per_s: Option<f64>,
    /// This process's open-file limit and what else holds files in it: no search tries more
    /// workers than fit (an EMFILE would read as the fleet failing).
    pub open_files: Option<OpenFiles>,
    /// How each run runs (workers and connect rate are set per point).
    pub run: RunConfig,
}

/// The open-file limit a tune runs under ([`crate::preflight`] counts the need).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenFiles {
    /// The soft limit, already raised as far as the hard one allows.
    pub limit: u64,
    /// Devices of an in-process emulator (0 for an inventory).
    pub emulated: usize,
    /// A relay between client and emulator (`--network-method relay`).
    pub relay: bool,
}

impl OpenFiles {
    /// Most workers of `kind` that fit (an external poller's sockets are in its own process:
    /// only the emulator's side of its sessions counts here, as for one socket a worker).
    pub fn workers(&self, kind: Option<StrategyKind>) -> usize {
        let kind = kind.unwrap_or(StrategyKind::Threads);
        crate::preflight::need(&[(kind, 1)], self.emulated, self.relay)
            .map_or(usize::MAX, |n| n.workers_within(self.limit))
    }
}

/// Most workers a search tries by default, per strategy: as many as `compare` allows, and
/// a few worker processes more (each costs memory and a start-up).
pub fn default_max_workers(kind: Option<StrategyKind>, devices: usize) -> usize {
    let cap = match kind {
        Some(StrategyKind::Sequential) => 1,
        Some(StrategyKind::Processes) => 256,
        _ => 1000,
    };
    devices.clamp(1, cap)
}

/// What the command line is told as a search goes.
pub trait Watch {
    /// A run was measured at `point` (its last run; `why` says how it was chosen).
    fn measured(&self, strategy: &StrategyId, point: &TunePoint);
    /// A search ended.
    fn finished(&self, search: &TuneSearch);
}

/// One searcher: a built-in strategy or an external poller.
enum Searcher<'a> {
    Builtin(StrategyKind),
    External(&'a ExternalSpec),
}

impl Searcher<'_> {
    fn id(&self) -> StrategyId {
        match self {
            Searcher::Builtin(k) => StrategyId::Builtin(*k),
            Searcher::External(s) => StrategyId::External(s.name.clone()),
        }
    }
}

/// What the externals need, made once per tune.
struct Externals {
    ws: external::Workspace,
}

/// Searches every strategy and poller of `opts` over `fleet`; events of each run go to `obs`,
/// each measured point and each finished search to `watch`. The report's `strategies` hold
/// each search's last run at its chosen point (or its last run when nothing was chosen);
/// its `tune` object the searches.
pub fn run(
    opts: &TuneOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
    watch: &dyn Watch,
) -> Result<Report, CompareError> {
    let started = Instant::now();
    let mut report = Report::new(fleet.info.clone(), job.commands.clone());
    // Before any session of this process runs (then kept): never measured under load.
    report.machine.floor = crate::floor::for_report();
    report.network = fleet.network_report(job.commands.len());
    report.shard = fleet.shard.clone();
    report.bastion = fleet.bastion.clone();
    let searchers: Vec<Searcher> = opts
        .strategies
        .iter()
        .map(|&k| Searcher::Builtin(k))
        .chain(opts.externals.iter().map(Searcher::External))
        .collect();
    let externals = if opts.externals.is_empty() {
        None
    } else {
        let jump = fleet
            .emulator()
            .and_then(fleetbench_emulator::EmulatedFleet::bastion)
            .map(fleetbench_emulator::EmulatedBastion::jump_files)
            .unwrap_or_default();
        Some(Externals {
            ws: external::Workspace::new(&fleet.devices, fleet.info.emulated, &jump)?,
        })
    };
    let mut searches = Vec::new();
    let mut spent_logins = 0u64;
    for (i, searcher) in searchers.iter().enumerate() {
        if opts.run.stop.is_requested() {
            break;
        }
        // Each search gets a fair share of what is left.
        let left = (searchers.len() - i) as u64;
        let settings = Settings {
            devices: fleet.devices.len(),
            tolerance: opts.tolerance,
            failure_budget: opts.failure_budget,
            resolution: opts.resolution,
            start: opts.start,
            max_workers: max_workers(searcher, opts, fleet.devices.len()),
            max_runs: opts.max_runs,
            cautious: opts.cautious,
            probe: opts.probe,
            rate_search: matches!(searcher, Searcher::Builtin(_)),
            login_budget: opts
                .login_budget
                .map(|b| b.saturating_sub(spent_logins) / left),
            time_budget_s: opts.time_budget.map(|t| {
                (t.as_secs_f64() - started.elapsed().as_secs_f64()).max(0.0) / left as f64
            }),
        };
        let (search, row) = search_one(
            searcher,
            &settings,
            opts,
            fleet,
            job,
            obs,
            watch,
            externals.as_ref(),
        )?;
        spent_logins += search.logins;
        watch.finished(&search);
        if let Some(row) = row {
            report.strategies.push(row);
        }
        searches.push(search);
    }
    report.compute_speedups();
    report.tune = Some(TuneInfo {
        settings: TuneSettings {
            tolerance: opts.tolerance,
            failure_budget: opts.failure_budget,
            resolution: opts.resolution,
            start_workers: opts.start,
            max_runs_per_point: opts.max_runs,
            login_budget: opts.login_budget,
            time_budget_s: opts.time_budget.map(|t| t.as_secs_f64()),
            cautious: opts.cautious,
            probe: opts.probe && !opts.cautious,
        },
        logins: spent_logins,
        searches,
        elapsed_s: started.elapsed().as_secs_f64(),
        aaa_per_s: opts.aaa_per_s,
        cores: report.machine.cores,
    });
    Ok(report)
}

/// The most workers one search may try: `--max-workers` or its default, within the
/// open-file limit (at least one).
fn max_workers(searcher: &Searcher<'_>, opts: &TuneOptions, devices: usize) -> usize {
    let kind = match searcher {
        Searcher::Builtin(StrategyKind::Sequential) => return 1,
        Searcher::Builtin(k) => Some(*k),
        Searcher::External(_) => None,
    };
    let most = opts
        .max_workers
        .unwrap_or_else(|| default_max_workers(kind, devices));
    opts.open_files
        .map_or(most, |f| most.min(f.workers(kind)))
        .max(1)
}

/// One search to its end: the record and the report row of its chosen point.
#[allow(clippy::too_many_arguments)]
fn search_one(
    searcher: &Searcher<'_>,
    s: &Settings,
    opts: &TuneOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
    watch: &dyn Watch,
    externals: Option<&Externals>,
) -> Result<(TuneSearch, Option<StrategyReport>), CompareError> {
    let id = searcher.id();
    let started = Instant::now();
    let mut points: Vec<TunePoint> = Vec::new();
    // The last run's row at each worker count (any of them may end as the answer), and the
    // newest row of all. Outputs stay only in the answer so far and the newest: they can be
    // MiBs per device, and the other rows keep the devices' results without them.
    let mut rows: BTreeMap<usize, StrategyReport> = BTreeMap::new();
    // The newest run: at a worker count of `rows` (`Ok`), or at a connect rate (`Err`).
    let mut newest: Option<Result<usize, StrategyReport>> = None;
    let mut spent = Spent::default();
    let outcome = loop {
        if opts.run.stop.is_requested() {
            break search::conclude(s, &points, Reason::Interrupted);
        }
        let (workers, rate, why) = match search::next(s, &points, spent) {
            Step::Done(o) => break o,
            Step::Measure {
                workers,
                connect_rate,
                why,
            } => (workers, connect_rate, why),
        };
        let (run, row) = match searcher {
            Searcher::Builtin(kind) => builtin(*kind, workers, rate, why, opts, fleet, job, obs)
                .map_err(|source| CompareError::Strategy {
                    strategy: *kind,
                    source,
                })?,
            Searcher::External(spec) => {
                let Some(x) = externals else {
                    break search::conclude(s, &points, Reason::Interrupted);
                };
                poller(spec, workers, why, opts, fleet, job, x)?
            }
        };
        // An interrupted run is not a measurement of its worker count. Told before the run is
        // shown: a run shown as measured is one the search keeps, whenever a Ctrl-C comes.
        if opts.run.stop.is_requested() {
            break search::conclude(s, &points, Reason::Interrupted);
        }
        spent.logins += run.logins;
        let index = match points
            .iter()
            .position(|p| p.workers == workers && p.connect_rate == rate)
        {
            Some(i) => {
                points[i].runs.push(run);
                i
            }
            None => {
                points.push(TunePoint {
                    workers,
                    connect_rate: rate,
                    runs: vec![run],
                });
                points.len() - 1
            }
        };
        spent.elapsed_s = started.elapsed().as_secs_f64();
        watch.measured(&id, &points[index]);
        let keep = search::conclude(s, &points, Reason::Interrupted)
            .answer
            .map(|a| a.workers);
        newest = Some(match rate {
            None => {
                rows.insert(workers, row);
                Ok(workers)
            }
            Some(_) => Err(row),
        });
        for (w, r) in rows.iter_mut() {
            if Some(*w) != keep && !matches!(newest, Some(Ok(n)) if n == *w) {
                for d in &mut r.devices {
                    d.outputs = Vec::new();
                }
            }
        }
    };
    let row = outcome
        .answer
        .as_ref()
        .and_then(|a| rows.remove(&a.workers))
        .or_else(|| match newest {
            Some(Ok(w)) => rows.remove(&w),
            Some(Err(row)) => Some(row),
            None => None,
        });
    let runs: usize = points.iter().map(|p| p.runs.len()).sum();
    let rate_runs = points
        .iter()
        .filter(|p| p.connect_rate.is_some())
        .map(|p| p.runs.len())
        .sum();
    let model = model(&points, s, opts, fleet);
    let search = TuneSearch {
        strategy: id,
        max_workers: s.max_workers,
        logins: points.iter().map(TunePoint::logins).sum(),
        runs,
        rate_runs,
        grid_runs: grid_points(s.start, s.max_workers, s.resolution),
        points,
        answer: outcome.answer,
        stopped: outcome.stopped,
        failures: outcome.failures,
        persistent: outcome.persistent,
        connect_rate: outcome.connect_rate,
        model,
    };
    Ok((search, row))
}

/// One run of a built-in strategy at `workers` (and `rate`).
#[allow(clippy::too_many_arguments)]
fn builtin(
    kind: StrategyKind,
    workers: usize,
    rate: Option<f64>,
    why: Why,
    opts: &TuneOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
) -> Result<(TuneRun, StrategyReport), StrategyError> {
    let copts = CompareOptions {
        strategies: vec![kind],
        runs: 1,
        warmup: 0,
        run: RunConfig {
            workers: Some(workers),
            connect_rate: rate.or(opts.run.connect_rate),
            ..opts.run.clone()
        },
        external: Default::default(),
    };
    // The emulated bastion's counts are each run's own.
    let _ = fleet.take_bastion_counts();
    let mut sr = compare::measure(kind, fleet, job, &copts, obs)?;
    sr.bastion = fleet.take_bastion_counts();
    match fleet.record_new_keys(&sr.devices) {
        Ok(Some((count, path))) => obs.on(&Event::HostKeysRecorded { count, path }),
        Ok(None) => {}
        Err(e) => obs.on(&Event::Warning {
            message: &format!("could not record new host keys: {e}"),
        }),
    }
    let (client_cpu_s, server_cpu_s) = sr
        .runs
        .first()
        .map_or((0.0, 0.0), |r| (r.cpu.total_s(), r.server_cpu_s));
    Ok((tune_run(&sr, why, client_cpu_s, server_cpu_s), sr))
}

/// One run of an external poller with `{workers}` = `workers`.
fn poller(
    spec: &ExternalSpec,
    workers: usize,
    why: Why,
    opts: &TuneOptions,
    fleet: &Fleet,
    job: &Job,
    x: &Externals,
) -> Result<(TuneRun, StrategyReport), ExternalError> {
    let eopts = external::ExternalOptions {
        runs: 1,
        warmup: 0,
        deadline: opts.external_deadline,
        cwd: None,
        stop: opts.run.stop.clone(),
        workers,
    };
    let view: &dyn external::DeviceView = match fleet.emulator() {
        Some(f) => f,
        None => &external::NoDeviceView,
    };
    let server0 = fleet.server_cpu();
    let mut sr = external::measure(spec, &fleet.devices, job, &x.ws, &eopts, view)?;
    let server = fleet.server_cpu().saturating_sub(server0).as_secs_f64();
    sr.workers = workers;
    let client = sr.runs.first().map_or(0.0, |r| r.cpu.total_s());
    Ok((tune_run(&sr, why, client, server), sr))
}

/// A measured run as the search reads it.
fn tune_run(sr: &StrategyReport, why: Why, client_cpu_s: f64, server_cpu_s: f64) -> TuneRun {
    let mut kinds = BTreeMap::new();
    let mut client_kinds = BTreeMap::new();
    for e in sr
        .devices
        .iter()
        .filter(|d| !d.ok)
        .filter_map(|d| d.error.as_ref())
    {
        *kinds.entry(e.kind.clone()).or_insert(0) += 1;
        if let Some(c) = &e.client_kind {
            *client_kinds.entry(c.clone()).or_insert(0) += 1;
        }
    }
    let run = sr.runs.first();
    TuneRun {
        wall_s: run.map_or(0.0, |r| r.wall_s),
        ok: sr.ok(),
        failed: sr.failed(),
        logins: sr
            .devices
            .iter()
            .map(|d| u64::from(d.attempts.max(1)))
            .sum(),
        kinds,
        client_kinds,
        client_cpu_s,
        server_cpu_s,
        why,
    }
}

/// The simple model of the knee for one search over `fleet` (see [`knee_model`]): `None`
/// for a real fleet, whose ceilings are unknown.
fn model(
    points: &[TunePoint],
    s: &Settings,
    opts: &TuneOptions,
    fleet: &Fleet,
) -> Option<KneeModel> {
    if !fleet.info.emulated {
        return None;
    }
    let known = Known {
        aaa_per_s: opts.aaa_per_s,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()) as f64,
        cpu_measured: fleet.emulator().is_some(),
        // A jump host or an emulated network may hold a ceiling of its own.
        unmodelled: fleet.bastion.is_some() || fleet.network().is_some(),
    };
    knee_model(points, s, &known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_search_tries_more_workers_than_the_open_files_allow() {
        // The limits chapter's example: 400 in-process devices under 1024 open files.
        let f = OpenFiles {
            limit: 1024,
            emulated: 400,
            relay: false,
        };
        assert_eq!(f.workers(Some(StrategyKind::Threads)), 186);
        assert_eq!(f.workers(None), 186);
        assert_eq!(f.workers(Some(StrategyKind::Processes)), 93);
        assert_eq!(
            default_max_workers(Some(StrategyKind::Processes), 1000),
            256
        );
        assert_eq!(default_max_workers(Some(StrategyKind::Async), 500), 500);
        assert_eq!(default_max_workers(Some(StrategyKind::Sequential), 500), 1);
    }
}
