//! One external poller's warm-ups and runs: the process tree measured from outside, the
//! per-device results from the devices' record or the results file, and the report row.

use super::{ExternalError, ExternalOptions, ExternalSpec, Workspace};
use super::{devside, process, results};
use fleetbench_client::job::Job;
use fleetbench_inventory::Device;
use fleetbench_report::histo::LatencyHistograms;
use fleetbench_report::{DeviceResult, RunSummary, Spread, StrategyReport};
use fleetbench_report::{ExternalInfo, StrategyId};
use std::path::PathBuf;
use std::time::Duration;

/// Default deadline of one external run.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// Why one run of a poller counts as failed as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    Exited {
        code: i32,
        stderr: String,
    },
    Killed {
        signal: i32,
        stderr: String,
    },
    TimedOut {
        after: Duration,
    },
    LeftBehind {
        processes: Vec<String>,
    },
    /// Ctrl-C during the run: the poller was ended.
    Interrupted,
    /// The program could not be started (it was there when the compare began).
    NotStarted {
        message: String,
    },
}

impl RunError {
    pub fn kind(&self) -> &'static str {
        match self {
            RunError::Exited { .. } => "poller_failed",
            RunError::Killed { .. } => "poller_crashed",
            RunError::TimedOut { .. } => "poller_timeout",
            RunError::LeftBehind { .. } => "poller_left_processes",
            RunError::Interrupted => "interrupted",
            RunError::NotStarted { .. } => "poller_not_started",
        }
    }

    pub fn info(&self) -> fleetbench_report::ErrorInfo {
        let tail = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("; stderr ends: {s}")
            }
        };
        let message = match self {
            RunError::Exited { code, stderr } => {
                format!("the poller exited with status {code}{}", tail(stderr))
            }
            RunError::Killed { signal, stderr } => {
                format!("the poller was killed by signal {signal}{}", tail(stderr))
            }
            RunError::TimedOut { after } => format!(
                "the poller was still running after {:.1} s; it and everything it started \
                 were ended",
                after.as_secs_f64()
            ),
            RunError::Interrupted => "the run was interrupted; the poller was ended".into(),
            RunError::NotStarted { message } => message.clone(),
            RunError::LeftBehind { processes } => format!(
                "the poller exited but left {} process(es) running, now ended: {}",
                processes.len(),
                processes.join(", ")
            ),
        };
        fleetbench_report::ErrorInfo {
            kind: self.kind().to_string(),
            message,
            phase: None,
            client_kind: None,
        }
    }
}

/// Where per-device truth comes from for one run.
pub trait DeviceView {
    /// Called before the spawn.
    fn begin(&self);
    /// The devices' records of the sessions since `begin`; `None` if this fleet keeps none.
    fn sessions(&self, started_unix: f64) -> Option<Vec<fleetbench_emulator::SessionRecord>>;
}

/// No record (a real fleet, or an external emulator without `--record`).
pub struct NoDeviceView;

impl DeviceView for NoDeviceView {
    fn begin(&self) {}
    fn sessions(&self, _: f64) -> Option<Vec<fleetbench_emulator::SessionRecord>> {
        None
    }
}

impl DeviceView for fleetbench_emulator::EmulatedFleet {
    fn begin(&self) {
        // Sessions of earlier strategies are not this run's.
        let _ = self.take_sessions();
    }
    fn sessions(&self, _: f64) -> Option<Vec<fleetbench_emulator::SessionRecord>> {
        Some(self.take_sessions())
    }
}

/// An `emulate --record FILE` written by another process: the records accepted after the
/// run started.
pub struct RecordFile(pub PathBuf);

/// A record is appended when its session ends, which the device may notice a little after
/// the poller exits: the file is read until no new record arrived for this long...
const RECORD_QUIET: Duration = Duration::from_millis(300);
/// ...or for this long at most.
const RECORD_SETTLE: Duration = Duration::from_secs(2);

impl DeviceView for RecordFile {
    fn begin(&self) {}
    fn sessions(&self, started_unix: f64) -> Option<Vec<fleetbench_emulator::SessionRecord>> {
        let read = || -> Option<Vec<fleetbench_emulator::SessionRecord>> {
            let all = fleetbench_emulator::record::read_file(&self.0).ok()?;
            Some(
                all.into_iter()
                    .filter(|r| r.accepted_unix >= started_unix)
                    .collect(),
            )
        };
        let until = std::time::Instant::now() + RECORD_SETTLE;
        let mut seen = read()?;
        let mut quiet_since = std::time::Instant::now();
        while std::time::Instant::now() < until && quiet_since.elapsed() < RECORD_QUIET {
            std::thread::sleep(Duration::from_millis(50));
            let now = read()?;
            if now.len() != seen.len() {
                quiet_since = std::time::Instant::now();
            }
            seen = now;
        }
        Some(seen)
    }
}

/// Runs one poller `warmup + runs` times and builds its report row.
pub fn measure(
    spec: &ExternalSpec,
    devices: &[Device],
    job: &Job,
    ws: &Workspace,
    opts: &ExternalOptions,
    view: &dyn DeviceView,
) -> Result<StrategyReport, ExternalError> {
    measure_observed(
        spec,
        devices,
        job,
        ws,
        opts,
        view,
        &fleetbench_client::observe::Quiet,
    )
}

/// [`measure`], telling `obs` when each run starts and ends (the live line, the line per
/// run and its failure's reason, like a built-in strategy's).
pub fn measure_observed(
    spec: &ExternalSpec,
    devices: &[Device],
    job: &Job,
    ws: &Workspace,
    opts: &ExternalOptions,
    view: &dyn DeviceView,
    obs: &dyn fleetbench_client::observe::Observer,
) -> Result<StrategyReport, ExternalError> {
    use fleetbench_client::observe::Event;
    let command = job.commands.first().cloned().unwrap_or_default();
    // Masked as a device's own output is (the session core's one rule).
    let secrets = fleetbench_client::scrub::Scrubber::new(
        devices
            .iter()
            .flat_map(|d| d.password.iter().chain(d.secret.iter())),
    );
    let mut runs = Vec::new();
    let mut histos = LatencyHistograms::new();
    let mut last_devices = Vec::new();
    let mut run_errors = Vec::new();
    let mut exit_codes = Vec::new();
    let (mut peak_tree, mut peak_largest, mut peak_procs) = (0u64, 0u64, 0usize);
    let mut source = "none";
    for i in 0..opts.warmup + opts.runs.max(1) {
        let measured = i >= opts.warmup;
        let results_path = ws.path().join(format!("results-{i}.jsonl"));
        let argv = spec.argv_for(ws, &command, &results_path, opts.workers);
        if i > 0 && opts.stop.is_requested() {
            break;
        }
        view.begin();
        let run = if measured { i - opts.warmup } else { i };
        obs.on(&Event::ExternalRunStarted {
            name: &spec.name,
            run,
            warmup: !measured,
            devices: devices.len(),
        });
        let stop = || opts.stop.is_requested();
        let tree = match process::run_tree(&argv, opts.cwd.as_deref(), opts.deadline, &stop) {
            Ok(tree) => tree,
            Err(source) => {
                // Checked before the compare started, gone since: a failed row, not a lost
                // report.
                let err = RunError::NotStarted {
                    message: ExternalError::Spawn {
                        name: spec.name.clone(),
                        source,
                    }
                    .to_string(),
                };
                let devs: Vec<DeviceResult> = devices
                    .iter()
                    .map(|d| DeviceResult {
                        error: Some(err.info()),
                        ..DeviceResult::blank(&d.name, &d.host, d.port)
                    })
                    .collect();
                if measured {
                    runs.push(RunSummary {
                        wall_s: 0.0,
                        ok: 0,
                        failed: devs.len(),
                        startup_s: 0.0,
                        cpu: Default::default(),
                        server_cpu_s: 0.0,
                        ideal_s: 0.0,
                        slowest_s: 0.0,
                        p99_s: 0.0,
                        started_unix: fleetbench_report::unix_now(),
                        ended_unix: fleetbench_report::unix_now(),
                        peak_rss_bytes: None,
                    });
                    run_errors.push(Some(err.info()));
                    exit_codes.push(None);
                }
                last_devices = devs;
                break;
            }
        };
        let stderr = stderr_tail(&tree.stderr, &secrets);
        let err = match tree.exit {
            process::Exit::TimedOut => Some(RunError::TimedOut {
                after: opts.deadline,
            }),
            process::Exit::Stopped => Some(RunError::Interrupted),
            process::Exit::Signal(signal) => Some(RunError::Killed { signal, stderr }),
            process::Exit::Code(0) if !tree.left_behind.is_empty() => Some(RunError::LeftBehind {
                processes: tree.left_behind.clone(),
            }),
            process::Exit::Code(0) => None,
            process::Exit::Code(code) => Some(RunError::Exited { code, stderr }),
        };
        let records = view.sessions(tree.started_unix);
        let reported = results::read(&results_path, devices, &command, job.max_output());
        let mut devs = match (&records, &reported) {
            (Some(recs), _) => {
                source = "devices";
                devside::results(devices, recs, &job.commands)
            }
            (None, Some(rep)) => {
                source = "results";
                rep.clone()
            }
            (None, None) => results::unknown(devices),
        };
        // Outputs only the poller knows: from its results file when it wrote one.
        if let (Some(_), Some(rep)) = (&records, &reported) {
            for (d, r) in devs.iter_mut().zip(rep) {
                d.outputs = r.outputs.clone();
                // An output past --max-output fails its device, as for a built-in strategy.
                if let Some(e) = r.error.as_ref().filter(|e| e.kind == "output_too_large") {
                    d.ok = false;
                    d.error = Some(e.clone());
                }
            }
        }
        if let Some(e) = &err {
            // A dead poller's devices that the device side saw finish still count; the
            // rest carry the run's error.
            for d in devs.iter_mut().filter(|d| !d.ok) {
                if d.error
                    .as_ref()
                    .is_none_or(|x| x.kind == "not_contacted" || x.kind == "not_reported")
                {
                    d.error = Some(e.info());
                }
            }
        }
        let ok = devs.iter().filter(|d| d.ok).count();
        let info = err.as_ref().map(RunError::info);
        obs.on(&Event::ExternalRunFinished {
            name: &spec.name,
            run,
            warmup: !measured,
            wall: tree.wall,
            ok,
            failed: devs.len() - ok,
            error: info.as_ref(),
        });
        if !measured {
            continue;
        }
        peak_tree = peak_tree.max(tree.peak_rss_tree);
        peak_largest = peak_largest.max(tree.peak_rss_largest);
        peak_procs = peak_procs.max(tree.peak_processes);
        exit_codes.push(match tree.exit {
            process::Exit::Code(c) => Some(c),
            _ => None,
        });
        // As for the built-in strategies: this run's histograms, added to the row's.
        let run_histos = LatencyHistograms::from_results(&devs).unwrap_or_default();
        let _ = histos.merge(&run_histos);
        runs.push(RunSummary {
            wall_s: tree.wall.as_secs_f64(),
            ok,
            failed: devs.len() - ok,
            startup_s: 0.0,
            cpu: tree.cpu,
            server_cpu_s: 0.0,
            ideal_s: fleetbench_report::stats::ideal_schedule(&devs, devs.len().max(1)),
            slowest_s: fleetbench_report::stats::slowest(&devs),
            p99_s: run_histos.total_p99_s(),
            started_unix: tree.started_unix,
            ended_unix: tree.started_unix + tree.wall.as_secs_f64(),
            peak_rss_bytes: Some(tree.peak_rss_tree),
        });
        run_errors.push(info);
        last_devices = devs;
    }
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let cpus: Vec<f64> = runs.iter().map(|r| r.cpu.total_s()).collect();
    let cpu_s = Spread::of(&cpus);
    Ok(StrategyReport {
        strategy: StrategyId::External(spec.name.clone()),
        workers: 0,
        wall_s: Spread::of(&walls),
        runs,
        devices: last_devices,
        speedup: None,
        cpu_s,
        threads: 0,
        processes: peak_procs,
        latency_s: histos.percentiles(),
        histograms: histos.encode().unwrap_or_default(),
        peak_rss_bytes: peak_tree,
        peak_rss_children_bytes: peak_largest,
        cpu_per_device_s: if devices.is_empty() {
            0.0
        } else {
            cpu_s.median / devices.len() as f64
        },
        efficiency: None,
        floor_multiple: None,
        external: Some(ExternalInfo {
            command: spec.command.clone(),
            device_view: source.to_string(),
            run_errors,
            peak_rss_tree_bytes: peak_tree,
            peak_processes: peak_procs,
            exit_codes,
        }),
        device_view: None,
        bastion: None,
        device_limits: None,
    })
}

/// Bytes of the poller's stderr quoted in a failed run's message.
const STDERR_QUOTED: usize = 600;

/// The last 600 bytes of the poller's stderr, one line, with every known secret masked, and
/// how much came before them when that is not all it wrote.
fn stderr_tail(
    captured: &process::Captured,
    secrets: &fleetbench_client::scrub::Scrubber,
) -> String {
    let bytes = &captured.tail;
    // A secret cut at the window's start still masked: read a secret's length further back.
    let start = bytes
        .len()
        .saturating_sub(STDERR_QUOTED + secrets.longest());
    let cut = start > 0 || captured.total > bytes.len() as u64;
    let s = String::from_utf8_lossy(&bytes[start..]);
    let s = secrets.scrub_with(&s, cut);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let skip = s.chars().count().saturating_sub(STDERR_QUOTED);
    let s: String = s.chars().skip(skip).collect();
    let shown = (bytes.len() - start).min(STDERR_QUOTED) as u64;
    if s.is_empty() || captured.total <= shown {
        s
    } else {
        format!("(the last {shown} of {} bytes) {s}", captured.total)
    }
}
