//! External pollers: any command line measured against the same fleet as the built-in
//! strategies, as rows of the same table and report.
//!
//! `compare --external 'NAME=COMMAND'` splits COMMAND into argv the way a POSIX shell would
//! (no shell runs unless COMMAND names one), fills in the placeholders, and runs it once per
//! warm-up and measured run, measuring from outside ([`process`]): wall time from spawn to
//! exit, CPU and peak RSS of the whole process tree, the exit status. Per-device results come
//! from the devices' own record of each session ([`devside`]) when the fleet is emulated, and
//! from the poller's results file (`{results}`, [`results`]) otherwise.
//!
//! # Placeholders
//! - `{inventory}`: a netmiko devices.yaml of the fleet;
//! - `{nornir}`: a Nornir SimpleInventory folder (with a `config.yaml` for `InitNornir`);
//! - `{ansible}`: an Ansible YAML inventory;
//! - `{command}`: the first `--command`;
//! - `{results}`: where the poller may write one JSON line per device.
//!
//! The inventories hold the credentials: they are written once, 0600, in a private temporary
//! folder (0700) that is removed at the end. No secret is ever put in argv or the environment.
//!
//! # Failures
//! A poller that exits non-zero, is killed by a signal, runs past its deadline, or leaves
//! processes behind gets a typed error on its run ([`RunError`]); everything it started is
//! ended and reaped, and the next run goes on.

pub mod devside;
pub mod process;
pub mod results;

use crate::device::Device;
use crate::histo::LatencyHistograms;
use crate::inventory::Format;
use crate::inventory::write::{self, WriteOptions};
use crate::job::Job;
use crate::report::{RunSummary, Spread, StrategyReport};
use crate::strategy::StrategyKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A report row's strategy: one of the five built-in ones, or an external poller's NAME.
/// Serialized as the bare name, so `"strategy": "threads"` reads as before.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StrategyId {
    Builtin(StrategyKind),
    External(String),
}

impl StrategyId {
    pub fn name(&self) -> &str {
        match self {
            StrategyId::Builtin(k) => k.name(),
            StrategyId::External(n) => n,
        }
    }

    /// The built-in strategy, if this is one.
    pub fn kind(&self) -> Option<StrategyKind> {
        match self {
            StrategyId::Builtin(k) => Some(*k),
            StrategyId::External(_) => None,
        }
    }
}

impl From<StrategyKind> for StrategyId {
    fn from(k: StrategyKind) -> Self {
        StrategyId::Builtin(k)
    }
}

impl PartialEq<StrategyKind> for StrategyId {
    fn eq(&self, other: &StrategyKind) -> bool {
        self.kind() == Some(*other)
    }
}

impl fmt::Display for StrategyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for StrategyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for StrategyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match StrategyKind::parse(&name) {
            Some(k) => StrategyId::Builtin(k),
            None => StrategyId::External(name),
        })
    }
}

/// What marks a report row as an external poller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalInfo {
    /// COMMAND as given (placeholders unfilled; it holds no secret).
    pub command: String,
    /// Where per-device results came from: `devices` (the emulator's record of each
    /// session), `results` (the poller's results file) or `none`.
    pub device_view: String,
    /// Errors of the measured runs, in order (`null` for a clean run).
    pub run_errors: Vec<Option<crate::result::ErrorInfo>>,
    /// Peak of the whole process tree's resident memory (sum of its processes), bytes.
    pub peak_rss_tree_bytes: u64,
    /// Most processes of the tree alive at once.
    pub peak_processes: usize,
    /// Exit status of each measured run (`null` when it was ended by a signal or by us).
    pub exit_codes: Vec<Option<i32>>,
}

/// `--external NAME=COMMAND`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSpec {
    pub name: String,
    pub command: String,
    pub argv: Vec<String>,
}

/// Bad `--external` values and what stops a poller as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("--external must be NAME=COMMAND (NAME of letters, digits, '.', '_', '-'), got {0:?}")]
    Syntax(String),
    #[error("--external {0}: NAME is a built-in strategy; pick another")]
    BuiltinName(String),
    #[error("--external {name}: {message}")]
    Command { name: String, message: String },
    #[error("--external: NAME {0} is given twice")]
    Duplicate(String),
    #[error("cannot prepare the external pollers' folder: {0}")]
    Workspace(std::io::Error),
    #[error("{name}: {source}")]
    Spawn {
        name: String,
        source: process::SpawnError,
    },
}

const PLACEHOLDERS: [&str; 5] = [
    "{inventory}",
    "{nornir}",
    "{ansible}",
    "{command}",
    "{results}",
];

impl ExternalSpec {
    pub fn parse(s: &str) -> Result<ExternalSpec, ExternalError> {
        let (name, command) = s
            .split_once('=')
            .ok_or_else(|| ExternalError::Syntax(s.to_string()))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ExternalError::Syntax(s.to_string()));
        }
        if StrategyKind::parse(name).is_some() {
            return Err(ExternalError::BuiltinName(name.to_string()));
        }
        let bad = |message: String| ExternalError::Command {
            name: name.to_string(),
            message,
        };
        let argv = shlex::split(command)
            .ok_or_else(|| bad("unbalanced quotes or a trailing backslash in COMMAND".into()))?;
        if argv.is_empty() {
            return Err(bad("COMMAND is empty".into()));
        }
        for a in &argv {
            let mut rest = a.as_str();
            while let Some(i) = rest.find('{') {
                let tail = &rest[i..];
                if let Some(j) = tail.find('}') {
                    let word = &tail[..=j];
                    let looks = word.len() > 2
                        && word[1..word.len() - 1]
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_');
                    if looks && !PLACEHOLDERS.contains(&word) {
                        return Err(bad(format!(
                            "unknown placeholder {word}; known: {}",
                            PLACEHOLDERS.join(", ")
                        )));
                    }
                    rest = &tail[j + 1..];
                } else {
                    break;
                }
            }
        }
        Ok(ExternalSpec {
            name: name.to_string(),
            command: command.trim().to_string(),
            argv,
        })
    }

    /// argv with the placeholders filled in (each argument separately: a path with spaces
    /// stays one argument).
    pub fn argv_for(&self, ws: &Workspace, command: &str, results: &Path) -> Vec<String> {
        self.argv
            .iter()
            .map(|a| {
                a.replace("{inventory}", &ws.netmiko.display().to_string())
                    .replace("{nornir}", &ws.nornir.display().to_string())
                    .replace("{ansible}", &ws.ansible.display().to_string())
                    .replace("{results}", &results.display().to_string())
                    .replace("{command}", command)
            })
            .collect()
    }
}

/// The private folder with the fleet's inventories and each run's results and logs.
pub struct Workspace {
    dir: tempfile::TempDir,
    pub netmiko: PathBuf,
    pub nornir: PathBuf,
    pub ansible: PathBuf,
}

impl Workspace {
    /// Writes the inventories of `devices` (files 0600 in a fresh 0700 folder).
    pub fn new(devices: &[Device], emulated: bool) -> Result<Workspace, ExternalError> {
        let dir = tempfile::Builder::new()
            .prefix("fleetbench-external-")
            .tempdir()
            .map_err(ExternalError::Workspace)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(ExternalError::Workspace)?;
        }
        let opts = WriteOptions {
            check_host_keys: !emulated,
        };
        let netmiko = dir.path().join("devices.yaml");
        let nornir = dir.path().join("nornir");
        let ansible = dir.path().join("ansible.yaml");
        write::write(&netmiko, Format::Netmiko, devices, opts).map_err(ExternalError::Workspace)?;
        let nornir_dir = PathBuf::from(format!("{}/", nornir.display()));
        write::write(&nornir_dir, Format::Nornir, devices, opts)
            .map_err(ExternalError::Workspace)?;
        write::write(&ansible, Format::AnsibleYaml, devices, opts)
            .map_err(ExternalError::Workspace)?;
        Ok(Workspace {
            dir,
            netmiko,
            nornir,
            ansible,
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// How to run the external pollers.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    pub runs: usize,
    pub warmup: usize,
    /// A run still going after this is ended (`--external-timeout`, else `--timeout`).
    pub deadline: Duration,
    /// Where the poller runs (default: the current directory).
    pub cwd: Option<PathBuf>,
    /// Ctrl-C: the running poller is ended, no further run starts.
    pub stop: crate::stop::Stop,
}

/// What `compare` does beyond the built-in strategies.
#[derive(Debug, Clone, Default)]
pub struct ExternalPlan {
    /// `--external` pollers, in order.
    pub pollers: Vec<ExternalSpec>,
    /// Deadline of one external run ([`DEFAULT_DEADLINE`] when `None`).
    pub deadline: Option<Duration>,
    /// `--device-record`: an `emulate --record` file of a fleet in another process.
    pub device_record: Option<PathBuf>,
    /// `--device-view`: check each built-in strategy's results against the devices' record.
    pub device_view: bool,
}

impl ExternalPlan {
    /// The in-process fleet must record sessions.
    pub fn needs_record(&self) -> bool {
        self.device_view || !self.pollers.is_empty()
    }
}

/// Runs every poller of `opts.external` over `fleet`, after the built-in strategies, each a
/// row of `report`; events go to `obs` like a strategy's.
pub fn run_all(
    opts: &crate::compare::CompareOptions,
    fleet: &crate::fleet::Fleet,
    job: &Job,
    obs: &dyn crate::observe::Observer,
    report: &mut crate::report::Report,
) -> Result<(), ExternalError> {
    use crate::observe::Event;
    let plan = &opts.external;
    let ws = Workspace::new(&fleet.devices, fleet.info.emulated)?;
    let eopts = ExternalOptions {
        runs: opts.runs,
        warmup: opts.warmup,
        deadline: plan.deadline.unwrap_or(DEFAULT_DEADLINE),
        cwd: None,
        stop: opts.run.stop.clone(),
    };
    let file_view = plan.device_record.clone().map(RecordFile);
    let view: &dyn DeviceView = match (fleet.emulator(), &file_view) {
        (Some(f), _) => f,
        (None, Some(r)) => r,
        (None, None) => &NoDeviceView,
    };
    for spec in &plan.pollers {
        let sr = measure(spec, &fleet.devices, job, &ws, &eopts, view)?;
        obs.on(&Event::StrategyFinished { report: &sr });
        if let Some(e) = sr
            .external
            .as_ref()
            .and_then(|e| e.run_errors.iter().flatten().last())
        {
            let message = format!("{}: [{}] {}", spec.name, e.kind, e.message);
            obs.on(&Event::Warning { message: &message });
        }
        report.strategies.push(sr);
        if opts.run.stop.is_requested() {
            break;
        }
    }
    Ok(())
}

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
}

impl RunError {
    pub fn kind(&self) -> &'static str {
        match self {
            RunError::Exited { .. } => "poller_failed",
            RunError::Killed { .. } => "poller_crashed",
            RunError::TimedOut { .. } => "poller_timeout",
            RunError::LeftBehind { .. } => "poller_left_processes",
            RunError::Interrupted => "interrupted",
        }
    }

    pub fn info(&self) -> crate::result::ErrorInfo {
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
            RunError::LeftBehind { processes } => format!(
                "the poller exited but left {} process(es) running, now ended: {}",
                processes.len(),
                processes.join(", ")
            ),
        };
        crate::result::ErrorInfo {
            kind: self.kind().to_string(),
            message,
            phase: None,
        }
    }
}

/// Where per-device truth comes from for one run.
pub trait DeviceView {
    /// Called before the spawn.
    fn begin(&self);
    /// The devices' records of the sessions since `begin`; `None` if this fleet keeps none.
    fn sessions(&self, started_unix: f64) -> Option<Vec<crate::emulator::SessionRecord>>;
}

/// No record (a real fleet, or an external emulator without `--record`).
pub struct NoDeviceView;

impl DeviceView for NoDeviceView {
    fn begin(&self) {}
    fn sessions(&self, _: f64) -> Option<Vec<crate::emulator::SessionRecord>> {
        None
    }
}

impl DeviceView for crate::emulator::EmulatedFleet {
    fn begin(&self) {
        // Sessions of earlier strategies are not this run's.
        let _ = self.take_sessions();
    }
    fn sessions(&self, _: f64) -> Option<Vec<crate::emulator::SessionRecord>> {
        Some(self.take_sessions())
    }
}

/// An `emulate --record FILE` written by another process: the records accepted after the
/// run started.
pub struct RecordFile(pub PathBuf);

impl DeviceView for RecordFile {
    fn begin(&self) {}
    fn sessions(&self, started_unix: f64) -> Option<Vec<crate::emulator::SessionRecord>> {
        let all = crate::emulator::record::read_file(&self.0).ok()?;
        Some(
            all.into_iter()
                .filter(|r| r.accepted_unix >= started_unix)
                .collect(),
        )
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
    let command = job.commands.first().cloned().unwrap_or_default();
    let secrets: Vec<String> = devices
        .iter()
        .flat_map(|d| [d.password.as_ref(), d.secret.as_ref()])
        .flatten()
        .map(|s| s.expose().to_string())
        .filter(|s| !s.is_empty())
        .collect();
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
        let argv = spec.argv_for(ws, &command, &results_path);
        let log = |what: &str| {
            std::fs::File::create(ws.path().join(format!("{}-{i}.{what}", spec.name)))
                .map_err(ExternalError::Workspace)
        };
        if i > 0 && opts.stop.is_requested() {
            break;
        }
        view.begin();
        let stop = || opts.stop.is_requested();
        let files = (log("out")?, log("err")?);
        let tree = process::run_tree(&argv, opts.cwd.as_deref(), files, opts.deadline, &stop)
            .map_err(|source| ExternalError::Spawn {
                name: spec.name.clone(),
                source,
            })?;
        let stderr = stderr_tail(&ws.path().join(format!("{}-{i}.err", spec.name)), &secrets);
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
        let reported = results::read(&results_path, devices, &command);
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
        for d in &devs {
            let _ = histos.record(d);
        }
        let ok = devs.iter().filter(|d| d.ok).count();
        runs.push(RunSummary {
            wall_s: tree.wall.as_secs_f64(),
            ok,
            failed: devs.len() - ok,
            startup_s: 0.0,
            cpu: tree.cpu,
            server_cpu_s: 0.0,
            ideal_s: crate::stats::ideal_schedule(&devs, devs.len().max(1)),
            slowest_s: crate::stats::slowest(&devs),
            started_unix: tree.started_unix,
            ended_unix: tree.started_unix + tree.wall.as_secs_f64(),
        });
        run_errors.push(err.as_ref().map(RunError::info));
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
        external: Some(ExternalInfo {
            command: spec.command.clone(),
            device_view: source.to_string(),
            run_errors,
            peak_rss_tree_bytes: peak_tree,
            peak_processes: peak_procs,
            exit_codes,
        }),
        device_view: None,
    })
}

/// The last 600 bytes of the poller's stderr, one line, with every known secret masked.
fn stderr_tail(path: &Path, secrets: &[String]) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = bytes.len().saturating_sub(600);
    let mut s = String::from_utf8_lossy(&bytes[start..]).into_owned();
    for secret in secrets {
        s = s.replace(secret.as_str(), "***");
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
