//! Runs strategies side by side, with warm-up and repeated runs, into a report (its tables
//! are [`crate::present::table`]'s).
//! [`run`] is the library entry point of `compare` and `run`, and what `sweep` calls for
//! each of its points.

use crate::external::{self, ExternalError};
use crate::fleet::Fleet;
use fleetbench_client::job::Job;
use fleetbench_client::observe::{Event, Observer};
use fleetbench_client::strategy::{self, RunConfig, StrategyError};
use fleetbench_report::Cpu;
use fleetbench_report::StrategyKind;
use fleetbench_report::histo::LatencyHistograms;
use fleetbench_report::stats;
use fleetbench_report::{Report, RunSummary, Spread, StrategyReport};
use fleetbench_rusage::cpu_now;
use std::time::Duration;

/// What `compare` runs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub strategies: Vec<StrategyKind>,
    /// Measured runs per strategy.
    pub runs: usize,
    /// Unmeasured runs before them.
    pub warmup: usize,
    pub run: RunConfig,
    /// External pollers run after the built-in strategies, and the device-side checks.
    pub external: crate::external::ExternalPlan,
}

/// What stops a compare as a whole (a device's failure never does).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{strategy}: {source}")]
    Strategy {
        strategy: StrategyKind,
        source: StrategyError,
    },
    #[error(transparent)]
    External(#[from] ExternalError),
}

/// Runs every strategy of `opts` over `fleet` and returns the report (speed-ups and
/// efficiencies filled in). Stops after the current run once `opts.run.stop` is set; the
/// report then holds what was measured, the partial run last.
pub fn run(
    opts: &CompareOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
) -> Result<Report, CompareError> {
    let mut report = Report::new(fleet.info.clone(), job.commands.clone());
    // Before any session of this process runs (then kept): never measured under load.
    report.machine.floor = crate::floor::for_report();
    report.network = fleet.network_report(job.commands.len());
    report.shard = fleet.shard.clone();
    report.bastion = fleet.bastion.clone();
    obs.on(&Event::CompareStarted {
        fleet: &fleet.info,
        commands: &job.commands,
        strategies: &opts.strategies,
        runs: opts.runs,
        warmup: opts.warmup,
    });
    for &kind in &opts.strategies {
        let since = fleet.traffic();
        // The emulated bastion's counts restart with each strategy.
        let _ = fleet.take_bastion_counts();
        let mut sr =
            measure(kind, fleet, job, opts, obs).map_err(|source| CompareError::Strategy {
                strategy: kind,
                source,
            })?;
        sr.bastion = fleet.take_bastion_counts();
        let sessions = (fleet.devices.len() * (opts.warmup + opts.runs)) as u64;
        if let (Some(n), Some(nr)) = (
            fleet.strategy_network(kind.name(), &sr.devices, &job.commands, since, sessions),
            report.network.as_mut(),
        ) {
            nr.strategies.push(n);
        }
        obs.on(&Event::StrategyFinished { report: &sr });
        match fleet.record_new_keys(&sr.devices) {
            Ok(Some((count, path))) => obs.on(&Event::HostKeysRecorded { count, path }),
            Ok(None) => {}
            Err(e) => obs.on(&Event::Warning {
                message: &format!("could not record new host keys: {e}"),
            }),
        }
        report.strategies.push(sr);
        if opts.run.stop.is_requested() {
            break;
        }
    }
    if !opts.external.pollers.is_empty() && !opts.run.stop.is_requested() {
        run_external(opts, fleet, job, obs, &mut report)?;
    }
    // Fewer runs or strategies than asked, even if every device reached answered.
    report.interrupted = opts.run.stop.is_requested();
    report.compute_speedups();
    Ok(report)
}

/// Runs every poller of `opts.external` over `fleet`, after the built-in strategies, each a
/// row of `report`; events go to `obs` like a strategy's.
fn run_external(
    opts: &CompareOptions,
    fleet: &Fleet,
    job: &Job,
    obs: &dyn Observer,
    report: &mut Report,
) -> Result<(), ExternalError> {
    let plan = &opts.external;
    let jump = fleet
        .emulator()
        .and_then(fleetbench_emulator::EmulatedFleet::bastion)
        .map(fleetbench_emulator::EmulatedBastion::jump_files)
        .unwrap_or_default();
    let ws = external::Workspace::new(&fleet.devices, fleet.info.emulated, &jump)?;
    let eopts = external::ExternalOptions {
        runs: opts.runs,
        warmup: opts.warmup,
        deadline: plan.deadline.unwrap_or(external::DEFAULT_DEADLINE),
        cwd: None,
        stop: opts.run.stop.clone(),
        // `{workers}`: --workers, else what threads would use on this fleet.
        workers: opts.run.workers.unwrap_or_else(|| {
            strategy::default_workers(StrategyKind::Threads, fleet.devices.len())
        }),
    };
    let file_view = plan.device_record.clone().map(external::RecordFile);
    let view: &dyn external::DeviceView = match (fleet.emulator(), &file_view) {
        (Some(f), _) => f,
        (None, Some(r)) => r,
        (None, None) => &external::NoDeviceView,
    };
    for spec in &plan.pollers {
        // Each run's failure is on its own line (ExternalRunFinished), and the strategy's
        // line says why the row cannot be compared.
        let sr = external::measure_observed(spec, &fleet.devices, job, &ws, &eopts, view, obs)?;
        obs.on(&Event::StrategyFinished { report: &sr });
        report.strategies.push(sr);
        if opts.run.stop.is_requested() {
            break;
        }
    }
    Ok(())
}

/// One run of `kind`, announced to `obs`.
fn one_run(
    kind: StrategyKind,
    (run, warmup): (usize, bool),
    fleet: &Fleet,
    job: &Job,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> Result<strategy::RunOutcome, StrategyError> {
    let devices = &fleet.devices;
    obs.on(&Event::RunStarted {
        strategy: kind,
        run,
        warmup,
        devices: devices.len(),
    });
    let out = strategy::run(kind, devices, job, cfg, obs)?;
    let interrupted = out
        .results
        .iter()
        .filter(|r| r.error.as_ref().is_some_and(|e| e.kind == "interrupted"))
        .count();
    obs.on(&Event::RunFinished {
        strategy: kind,
        run,
        warmup,
        wall: out.wall,
        ok: out.ok(),
        failed: out.failed(),
        interrupted,
        stopped: cfg.stop.is_requested(),
    });
    Ok(out)
}

/// Runs one strategy `warmup + runs` times over `fleet` and summarises the measured runs.
/// The in-process emulator's CPU ([`Fleet::server_cpu`]) is told apart from the client's.
/// When the emulator records its sessions, each run's record is taken after it: the last
/// run's gives failed devices the devices' own cause, the counts of what the shared limits
/// did, and `--device-view`'s comparison.
pub fn measure(
    kind: StrategyKind,
    fleet: &Fleet,
    job: &Job,
    opts: &CompareOptions,
    obs: &dyn Observer,
) -> Result<StrategyReport, StrategyError> {
    let stop = &opts.run.stop;
    for k in 0..opts.warmup {
        if stop.is_requested() {
            break;
        }
        one_run(kind, (k, true), fleet, job, &opts.run, obs)?;
        // A warm-up's sessions are not the measured runs'.
        drop(fleet.take_records());
    }
    let mut runs = Vec::new();
    let mut last = None;
    let mut records = Vec::new();
    let mut histos = LatencyHistograms::new();
    let mut children_peak = 0u64;
    for k in 0..opts.runs.max(1) {
        // Only worker processes are children worth sampling; other strategies pay nothing.
        let sampler = (kind == StrategyKind::Processes)
            .then(|| fleetbench_rusage::ChildRssSampler::start(Duration::from_millis(10)));
        // Each run's peak is its own (the spread of peak RSS the gate reads), and so each
        // strategy's: reset the high-water mark before every measured run.
        fleetbench_rusage::reset_peak_rss();
        let (cpu0, srv0) = (cpu_now(), fleet.server_cpu());
        let started_unix = fleetbench_report::unix_now();
        let mut out = one_run(kind, (k, false), fleet, job, &opts.run, obs)?;
        let ended_unix = fleetbench_report::unix_now();
        let run_peak = fleetbench_rusage::vm_hwm();
        records = fleet.take_records();
        crate::external::devside::add_device_causes(&mut out.results, &records);
        let server = fleet.server_cpu().saturating_sub(srv0).as_secs_f64();
        let (child_peak, sampler_cpu) = sampler.map_or((0, Duration::ZERO), |s| s.finish());
        children_peak = children_peak.max(child_peak);
        let mut all = cpu_now().minus(&cpu0);
        // The sampler thread's CPU is measurement overhead, not the client's (user time first).
        let sampler_s = sampler_cpu.as_secs_f64();
        let from_user = sampler_s.min(all.user_s);
        all.user_s -= from_user;
        all.sys_s = (all.sys_s - (sampler_s - from_user)).max(0.0);
        // The emulator's threads are in this process: their CPU is not the client's. It is
        // taken from user time first (the emulator is almost all user time in crypto).
        let user = all.user_s - server.min(all.user_s);
        let sys = all.sys_s - (server - server.min(all.user_s)).min(all.sys_s);
        // Phase timings travel inside the results (over the pipe, for worker processes):
        // the histograms are built here, once, the same way for every strategy: once per run, then
        // added to the strategy's. Creating a histogram with fixed, valid bounds cannot fail;
        // the run's samples are lost rather than the run if it ever did.
        let run_histos = LatencyHistograms::from_results(&out.results).unwrap_or_default();
        let _ = histos.merge(&run_histos);
        runs.push(RunSummary {
            wall_s: out.wall.as_secs_f64(),
            ok: out.ok(),
            failed: out.failed(),
            startup_s: out.startup.as_secs_f64(),
            cpu: Cpu {
                user_s: user,
                sys_s: sys,
            },
            server_cpu_s: server,
            ideal_s: stats::ideal_schedule(&out.results, out.workers),
            slowest_s: stats::slowest(&out.results),
            p99_s: run_histos.total_p99_s(),
            started_unix,
            ended_unix,
            peak_rss_bytes: run_peak,
        });
        last = Some(out);
        // Ctrl-C: the run just finished is the partial one (in-flight devices done, the rest
        // `interrupted`); another run would only replace it with an all-interrupted one.
        if stop.is_requested() {
            break;
        }
    }
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let cpus: Vec<f64> = runs.iter().map(|r| r.cpu.total_s()).collect();
    let (workers, devices_out, threads, processes) = match last {
        Some(o) => (o.workers, o.results, o.threads, o.processes),
        None => (0, Vec::new(), 0, 0),
    };
    let peak_rss_bytes = runs
        .iter()
        .filter_map(|r| r.peak_rss_bytes)
        .max()
        .unwrap_or_else(|| fleetbench_rusage::peak_rss().0);
    // Sampled from /proc while the workers lived (see ChildRssSampler for why not rusage).
    let peak_rss_children_bytes = children_peak;
    let mut sr = StrategyReport {
        strategy: kind.into(),
        workers,
        wall_s: Spread::of(&walls),
        runs,
        devices: devices_out,
        speedup: None,
        cpu_s: Spread::of(&cpus),
        threads,
        processes,
        latency_s: histos.percentiles(),
        histograms: histos.encode().unwrap_or_default(),
        peak_rss_bytes,
        peak_rss_children_bytes,
        cpu_per_device_s: 0.0,
        // Needs every strategy's figures: filled by `Report::compute_speedups`.
        efficiency: None,
        floor_multiple: None,
        external: None,
        device_view: None,
        bastion: None,
        device_limits: None,
    };
    sr.cpu_per_device_s = stats::client_cpu_per_device(&sr).unwrap_or(0.0);
    if fleet.limits {
        sr.device_limits = Some(crate::external::devside::device_limits(&records));
    }
    if opts.external.device_view && fleet.emulator().is_some() {
        sr.device_view = Some(crate::external::devside::check(&records, &sr, job));
    }
    Ok(sr)
}
