//! Validated configurations, one per command, built from [`super::args`] before any side
//! effect (ripgrep's "high args"): no file is read, no fleet started and no password asked
//! until the whole command line has proved usable, output paths included. A path that cannot
//! be written is a usage error now, not after a run.

use super::args::{
    CheckArgs, CommandArgs, CompareArgs, EmulateArgs, EmulationArgs, ExportArgs, FleetArgs,
    MergeArgs, ProfileArg, RunArgs,
};
use crate::check::{Rows, Thresholds};
use crate::compare::CompareOptions;
use crate::external::ExternalPlan;
use crate::present::export::{ExportKind, ExportTarget};
use crate::shard::{Selection, Shard, ShardSource};
use anyhow::{Result, anyhow};
use fleetbench_client::hostkeys::HostKeyPolicy;
use fleetbench_client::job::OnCommandError;
use fleetbench_client::stop::Stop;
use fleetbench_client::strategy::RunConfig;
use fleetbench_emulator::{FleetFiles, FleetSpec, PlatformMix, Profile};
use fleetbench_inventory::Format;
use fleetbench_inventory::output;
use fleetbench_netem::{Method, NetworkSpec};
use fleetbench_report::StrategyKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod real;
mod sweeping;
mod tuning;
pub use real::{ConfirmConfig, InventorySweepConfig, sweep_inventory};
pub use sweeping::{sweep, sweep_networks};
pub use tuning::{TUNE_REAL_BUDGET_POLLS, TUNE_REAL_MAX_WORKERS, TuneConfig, tune};

/// The command used when none is given: the classic experiment's.
pub const DEFAULT_COMMAND: &str = "show clock";
/// Devices in the embedded default fleet: the classic course's three routers.
pub const CLASSIC_DEVICES: usize = 3;
/// The profile of `compare`, `run` and `emulate` when none is given.
const DEFAULT_PROFILE: &str = "classic";
/// The profile of `sweep` when none is given: fast enough for 1000 devices.
const SWEEP_PROFILE: &str = "lan";

/// Where the devices come from.
#[derive(Debug, Clone)]
// One per command line: the size of the emulated variant costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
pub enum FleetSource {
    Inventory(PathBuf),
    Emulated {
        devices: usize,
        /// Boxed: a profile with its limits is large.
        profile: Box<ProfileArg>,
        seed: u64,
        /// `--network`: behind the link emulator, by this method (boxed: it is large and rare).
        network: Option<Box<(NetworkSpec, Method)>>,
        platforms: PlatformMix,
    },
}

impl FleetConfig {
    /// Whether opening the fleet creates namespaces (so an unprivileged process must gain
    /// the right to before it starts any thread).
    pub fn needs_namespaces(&self) -> bool {
        matches!(
            &self.source,
            FleetSource::Emulated {
                network: Some(n),
                ..
            } if n.1 == Method::Tun
        )
    }
}

/// The fleet of `compare` and `run`, opened by `cli::fleet::open`.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub source: FleetSource,
    pub host_keys: HostKeyPolicy,
    pub known_hosts: Option<PathBuf>,
    pub ask_password: bool,
    /// An emulated fleet records every session (external pollers, `--device-view`).
    pub record: bool,
    /// The shard to poll, from `--shard` or the job engine's environment.
    pub shard: Option<(Shard, ShardSource)>,
    /// `--kex`, `--hostkey`, `--ciphers`, `--macs`: over each device's own lists.
    pub algorithms: fleetbench_inventory::algorithms::Algorithms,
    /// `--bastion` and its options.
    pub bastion: BastionConfig,
}

/// What every device is asked to do, less the host keys (known once the fleet is open).
#[derive(Debug, Clone)]
pub struct JobConfig {
    pub commands: Vec<String>,
    /// Whether `commands` is the default (then each platform runs its own clock command).
    pub default_commands: bool,
    /// `--command-for`: commands per `device_type`.
    pub commands_by_type: BTreeMap<String, Vec<String>>,
    pub on_command_error: OnCommandError,
    pub timeout: Option<Duration>,
    /// `--max-output`: the per-step output cap; `None` is the default.
    pub max_output: Option<usize>,
    /// `--bastion-mode`, `--bastion-channels`.
    pub bastion: fleetbench_client::jump::JumpPlan,
    /// `--aaa-timeout`: the devices' AAA timeout the client assumes.
    pub aaa_timeout: Option<Duration>,
}

/// `compare` and `run`: the same measurement, `run` with one strategy and one run.
#[derive(Debug, Clone)]
pub struct MeasureConfig {
    pub fleet: FleetConfig,
    pub job: JobConfig,
    pub compare: CompareOptions,
    pub json: Option<PathBuf>,
    /// `--html`: the run's page.
    pub html: Option<PathBuf>,
    /// How runs are shown while they go.
    pub progress: crate::present::progress::Mode,
    /// `compare --plots`; always `None` for `run`.
    pub plots: Option<PathBuf>,
    pub verbose: bool,
    /// `FLEETBENCH_DEBUG_SLOWDOWN`, for testing the regression gate (already in
    /// `compare.run.session`; kept to say so).
    pub debug_slowdown: f64,
    /// `compare --baseline`: a report read before the run, whose figures the page shows.
    pub baseline: Option<fleetbench_report::Report>,
    /// `--yes`, `--confirm-above`: before polling a real inventory many times (`None` for
    /// `run`, which polls it once).
    pub confirm: Option<ConfirmConfig>,
}

#[derive(Debug, Clone)]
pub struct EmulateConfig {
    pub spec: FleetSpec,
    /// The inventory (and its format) and the session record to write.
    pub outputs: FleetFiles,
    /// `--network`, and the command to run inside it (may be empty: serve until a signal).
    pub network: Option<(NetworkSpec, Method)>,
    pub exec: Vec<String>,
    /// The shard served, when the fleet is split.
    pub shard: Option<Selection>,
}

mod bastion;
mod poll;
use bastion::bastion;
pub use bastion::{BastionConfig, BastionTarget};
pub use poll::{PollConfig, poll};

#[derive(Debug)]
pub struct MergeConfig {
    pub reports: Vec<PathBuf>,
    pub output: PathBuf,
    pub plots: Option<PathBuf>,
}

#[derive(Debug)]
pub struct CheckConfig {
    pub baseline: PathBuf,
    pub report: PathBuf,
    pub thresholds: Thresholds,
    pub rows: Rows,
    pub exports: Vec<ExportTarget>,
}

#[derive(Debug)]
pub struct ExportConfig {
    pub kind: ExportKind,
    pub output: Option<PathBuf>,
    pub report: PathBuf,
}

/// A fault aimed at a device the fleet does not have (`fault=hang@R99` on 3 devices) would
/// silently do nothing: that is a usage error.
fn check_fault_targets(profile: &ProfileArg, devices: usize) -> Result<()> {
    for rule in &profile.profile.faults {
        if let fleetbench_emulator::FaultTarget::Devices(idx) = &rule.target
            && let Some(&i) = idx.iter().find(|&&i| i >= devices)
        {
            return Err(anyhow!(
                "--profile {:?}: a fault targets R{}, but the fleet has {} (R1..R{devices})",
                profile.name,
                i + 1,
                crate::present::plural::count(devices, "device"),
            ));
        }
    }
    Ok(())
}

fn profile_or(e: &EmulationArgs, default: &str) -> Result<ProfileArg> {
    match &e.profile {
        Some(p) => Ok(p.clone()),
        None => ProfileArg::parse(default).map_err(|e| anyhow!(e)),
    }
}

fn commands(c: &CommandArgs) -> Vec<String> {
    if c.commands.is_empty() {
        vec![DEFAULT_COMMAND.to_string()]
    } else {
        c.commands.clone()
    }
}

/// `FLEETBENCH_DEBUG_SLOWDOWN`: a fraction like 0.2 (20% longer sessions), or unset.
fn debug_slowdown() -> Result<f64> {
    match std::env::var("FLEETBENCH_DEBUG_SLOWDOWN") {
        Err(_) => Ok(0.0),
        Ok(v) => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                anyhow!("FLEETBENCH_DEBUG_SLOWDOWN must be a fraction like 0.2, got {v:?}")
            }),
    }
}

fn fleet(a: &FleetArgs) -> Result<FleetConfig> {
    let network = a
        .network
        .network
        .clone()
        .map(|n| (n, a.network.network_method));
    let source = match &a.inventory {
        Some(_) if network.is_some() => {
            return Err(anyhow!(
                "--network emulates the link to an emulated fleet (--emulate); real devices are behind a real network"
            ));
        }
        Some(path) => FleetSource::Inventory(path.clone()),
        None => {
            let devices = a.emulate.unwrap_or(CLASSIC_DEVICES);
            check_fleet_size("--emulate", devices)?;
            let profile = profile_or(&a.emulation, DEFAULT_PROFILE)?;
            check_fault_targets(&profile, devices)?;
            FleetSource::Emulated {
                devices,
                profile: Box::new(profile),
                seed: a.emulation.seed,
                network: network.map(Box::new),
                platforms: a.platforms.clone().unwrap_or_default(),
            }
        }
    };
    let bastion = bastion(a, &source)?;
    Ok(FleetConfig {
        source,
        bastion,
        host_keys: a.host_keys,
        known_hosts: a.known_hosts.clone(),
        ask_password: a.ask_password,
        record: false,
        shard: shard(a.shard)?,
        algorithms: fleetbench_inventory::algorithms::Algorithms {
            kex: a.kex.clone(),
            hostkey: a.hostkey.clone(),
            ciphers: a.ciphers.clone(),
            macs: a.macs.clone(),
        },
    })
}

/// The shard from the flag, else from the job engine's environment ([`crate::shard`]).
fn shard(flag: Option<Shard>) -> Result<Option<(Shard, ShardSource)>> {
    Ok(crate::shard::resolve(flag, |v| std::env::var(v).ok())?)
}

/// The names of an emulated fleet of `n` devices, for the split.
pub fn emulated_names(n: usize) -> Vec<String> {
    (0..n).map(fleetbench_emulator::device_name).collect()
}

/// Two outputs on one file, or one inside the plots folder, would overwrite each other.
fn distinct(files: &[(&str, Option<&Path>)], plots: Option<&Path>) -> Result<()> {
    let files: Vec<(&str, &Path)> = files
        .iter()
        .filter_map(|(f, p)| Some((*f, (*p)?)))
        .collect();
    let dirs: Vec<(&str, &Path)> = plots.map(|d| ("--plots", d)).into_iter().collect();
    Ok(output::check_distinct(&files, &dirs)?)
}

fn measure(
    a: &FleetArgs,
    strategies: Vec<StrategyKind>,
    (workers, runs, warmup): (Option<usize>, usize, usize),
    plots: Option<PathBuf>,
    stop: &Stop,
) -> Result<MeasureConfig> {
    for p in [&a.json, &a.html].into_iter().flatten() {
        output::check_file(p)?;
    }
    if let Some(d) = &plots {
        output::check_dir(d)?;
    }
    distinct(
        &[("--json", a.json.as_deref()), ("--html", a.html.as_deref())],
        plots.as_deref(),
    )?;
    let debug_slowdown = debug_slowdown()?;
    let fleet = fleet(a)?;
    let job = job(a, fleet.bastion.plan);
    Ok(MeasureConfig {
        fleet,
        job,
        compare: CompareOptions {
            strategies,
            runs,
            warmup,
            run: run_config(a, workers, stop, debug_slowdown),
            external: Default::default(),
        },
        debug_slowdown,
        confirm: None,
        json: a.json.clone(),
        html: a.html.clone(),
        progress: a.progress.progress.resolve(),
        plots,
        baseline: None,
        verbose: a.verbose,
    })
}

/// What every device is asked, from the fleet's flags.
fn job(a: &FleetArgs, bastion: fleetbench_client::jump::JumpPlan) -> JobConfig {
    JobConfig {
        commands: commands(&a.commands),
        default_commands: a.commands.commands.is_empty(),
        commands_by_type: a.commands_for.iter().fold(
            BTreeMap::new(),
            |mut m: BTreeMap<String, Vec<String>>, (p, cmd)| {
                m.entry(p.device_type.to_string())
                    .or_default()
                    .push(cmd.clone());
                m
            },
        ),
        on_command_error: a.on_command_error,
        timeout: a.timeout.map(Duration::from_secs_f64),
        max_output: a.max_output,
        bastion,
        aaa_timeout: a.limits.aaa_timeout.map(Duration::from_secs_f64),
    }
}

/// How a strategy runs, from the fleet's flags.
fn run_config(a: &FleetArgs, workers: Option<usize>, stop: &Stop, slowdown: f64) -> RunConfig {
    RunConfig {
        workers,
        worker_exe: a.worker_exe.clone(),
        stop: stop.clone(),
        session: fleetbench_client::strategy::poller::ssh(slowdown),
        retry: fleetbench_client::strategy::retry::RetryPolicy {
            retries: a.limits.retries,
            seed: a.emulation.seed,
        },
        connect_rate: a.limits.connect_rate,
    }
}

pub fn compare(a: &CompareArgs, stop: &Stop) -> Result<MeasureConfig> {
    let strategies = a
        .strategies
        .clone()
        .unwrap_or_else(|| StrategyKind::ALL.to_vec());
    let mut names = std::collections::HashSet::new();
    if let Some(dup) = a.externals.iter().find(|e| !names.insert(e.name.as_str())) {
        return Err(crate::external::ExternalError::Duplicate(dup.name.clone()).into());
    }
    for e in &a.externals {
        e.check_program()?;
    }
    let mut cfg = measure(
        &a.fleet,
        strategies,
        (a.workers, a.runs, a.warmup),
        a.plots.clone(),
        stop,
    )?;
    cfg.compare.external = ExternalPlan {
        pollers: a.externals.clone(),
        deadline: a
            .external_timeout
            .or(a.fleet.timeout)
            .map(Duration::from_secs_f64),
        device_record: a.device_record.clone(),
        device_view: a.device_view,
    };
    cfg.fleet.record = cfg.compare.external.needs_record();
    // Read now: a baseline that is not a report is bad input, found before any polling.
    cfg.baseline = a
        .baseline
        .as_deref()
        .map(super::files::read_report)
        .transpose()?;
    cfg.confirm = Some((&a.confirm).into());
    Ok(cfg)
}

pub fn run(a: &RunArgs, stop: &Stop) -> Result<MeasureConfig> {
    measure(&a.fleet, vec![a.strategy], (a.workers, 1, 0), None, stop)
}

/// An emulated fleet's size, checked before anything is sized from it: the emulator's own
/// limit (its devices' addresses repeat beyond it), the same for every command.
fn check_fleet_size(flag: &str, devices: usize) -> Result<()> {
    let max = fleetbench_emulator::identity::MAX_DEVICES;
    if devices > max {
        return Err(anyhow!(
            "{flag} {devices}: an emulated fleet has at most {max} devices (their addresses in \
             198.18.0.0/15 would repeat beyond that); use several fleets with --shard, or an \
             --inventory"
        ));
    }
    Ok(())
}

pub fn emulate(a: &EmulateArgs) -> Result<EmulateConfig> {
    check_fleet_size("--devices", a.devices)?;
    let last = u64::from(a.base_port) + a.devices as u64 - 1;
    if a.base_port == 0 || last > u64::from(u16::MAX) {
        return Err(anyhow!(
            "ports {}..={last} do not fit in 1..=65535",
            a.base_port
        ));
    }
    let inventory = a.write_inventory.as_ref().map(|p| {
        (
            p.clone(),
            a.inventory_format.unwrap_or_else(|| Format::for_output(p)),
        )
    });
    // A Nornir inventory is a folder (or its hosts.yaml): its files are checked as written.
    if let Some((p, format)) = &inventory
        && *format != Format::Nornir
    {
        output::check_file(p)?;
    }
    if let Some((p, format)) = &inventory {
        // Every file the inventory is made of: none may be a user's own, unless --force.
        let files = fleetbench_inventory::write::planned_files(p, *format, a.bastion);
        fleetbench_inventory::write::check_overwrite(&files, a.force)
            .map_err(|e| anyhow!("--write-inventory: {e}"))?;
        let mut named: Vec<_> = files
            .iter()
            .map(|f| ("--write-inventory", Some(f.as_path())))
            .collect();
        named.push(("--record", a.record.as_deref()));
        distinct(&named, None)?;
    }
    if let Some(p) = &a.record {
        output::check_file(p)?;
    }
    let profile = profile_or(&a.emulation, DEFAULT_PROFILE)?;
    check_fault_targets(&profile, a.devices)?;
    let profile: Profile = profile.profile;
    let mut spec = FleetSpec::new(a.devices, profile);
    spec.base_port = a.base_port;
    spec.seed = a.emulation.seed;
    spec.bind = a.bind;
    let shard = match shard(a.shard)? {
        Some((s, source)) => Some(Selection::new(s, source, &emulated_names(a.devices))?),
        None => None,
    };
    spec.only = shard.as_ref().map(|s| s.info.positions.clone());
    spec.platforms = a.platforms.clone().unwrap_or_default();
    spec.state_dir = a.state_dir.clone();
    if a.bastion {
        if shard.is_some() {
            return Err(anyhow!(
                "--bastion and --shard do not mix: each shard would serve a jump host of its own"
            ));
        }
        spec.bastion = Some(fleetbench_emulator::BastionSpec {
            port: a.bastion_port.unwrap_or(0),
            ..Default::default()
        });
    }
    let network = a
        .network
        .network
        .clone()
        .map(|n| (n, a.network.network_method));
    if network.is_none() && !a.exec.is_empty() {
        return Err(anyhow!(
            "a command after `--` runs inside the emulated network: it needs --network; \
             `--network local` runs it beside a fleet with no added delay (fleetbench emulate \
             --devices N --network local -- {})",
            a.exec.join(" ")
        ));
    }
    if network.is_some() {
        if a.bastion {
            return Err(anyhow!(
                "--bastion and --network do not mix yet: the jump host's place between the \
                 emulated namespaces is not emulated"
            ));
        }
        if a.record.is_some() {
            // The devices behind the link run in their own namespace; their record stays
            // in memory there (`compare --network --device-view` reads it).
            return Err(anyhow!(
                "--record and --network do not mix: behind --network the record is kept in memory (use compare --network --device-view)"
            ));
        }
        if !a.bind.is_loopback() {
            return Err(anyhow!(
                "--bind and --network do not mix: behind --network every device has its own 198.18.0.0/15 address"
            ));
        }
        // Each device has its own address; they all listen on the SSH port.
        if network.as_ref().is_some_and(|(_, m)| *m == Method::Tun) {
            spec.base_port = 0;
        }
    }
    Ok(EmulateConfig {
        spec,
        outputs: FleetFiles {
            inventory,
            record: a.record.clone(),
            force: a.force,
        },
        network,
        exec: a.exec.clone(),
        shard,
    })
}

pub fn merge(a: &MergeArgs) -> Result<MergeConfig> {
    output::check_file(&a.output)?;
    if let Some(d) = &a.plots {
        output::check_dir(d)?;
    }
    distinct(&[("--output", Some(&a.output))], a.plots.as_deref())?;
    Ok(MergeConfig {
        reports: a.reports.clone(),
        output: a.output.clone(),
        plots: a.plots.clone(),
    })
}

pub fn check(a: &CheckArgs) -> Result<CheckConfig> {
    let mut thresholds = Thresholds::default();
    for t in &a.thresholds {
        thresholds.apply(t)?;
    }
    for t in &a.exports {
        output::check_file(&t.path)?;
    }
    let files: Vec<_> = a
        .exports
        .iter()
        .map(|t| ("--export", Some(t.path.as_path())))
        .collect();
    distinct(&files, None)?;
    if let Some(bad) = a.rows.iter().find(|n| n.trim().is_empty()) {
        anyhow::bail!("--rows: empty name in the list ({bad:?}): expected NAME[,NAME...]");
    }
    Ok(CheckConfig {
        baseline: a.baseline.clone(),
        report: a.report.clone(),
        thresholds,
        rows: if a.rows.is_empty() {
            Rows::all()
        } else {
            Rows::only(a.rows.clone())
        },
        exports: a.exports.clone(),
    })
}

pub fn export(a: &ExportArgs) -> Result<ExportConfig> {
    if let Some(p) = &a.output {
        output::check_file(p)?;
    }
    Ok(ExportConfig {
        kind: a.format,
        output: a.output.clone(),
        report: a.report.clone(),
    })
}
