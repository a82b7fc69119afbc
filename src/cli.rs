//! Command-line glue: clap types stay here; everything is validated into library types before
//! any work starts. Errors are reported with anyhow, and mapped to the contract's exit codes:
//! 0 every device answered, 1 the run finished but some device failed (or `check` found a
//! regression), 2 bad usage or bad input.

use crate::compare::{self, CompareOptions};
use crate::device::Device;
use crate::emulator::{EmulatedFleet, FleetSpec, Profile};
use crate::hostkeys::{self, HostKeyCheck, HostKeyPolicy};
use crate::inventory;
use crate::job::Job;
use crate::report::{self, FleetInfo, MachineInfo, Report};
use crate::result::DeviceResult;
use crate::strategy::{self, Event, RunConfig, StrategyKind};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// The command used when none is given: the classic experiment's.
pub const DEFAULT_COMMAND: &str = "show clock";
/// Devices in the embedded default fleet: the classic course's three routers.
pub const CLASSIC_DEVICES: usize = 3;

#[derive(Parser, Debug)]
#[command(
    name = "fleetbench",
    version,
    about = "Measure how fast a fleet of network devices can be polled over SSH, per concurrency strategy"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run strategies side by side and print the comparison table (the main job).
    Compare(CompareArgs),
    /// Poll the fleet once with one strategy and print each device's output.
    Run(RunArgs),
    /// Run an emulated fleet in the foreground until SIGINT or SIGTERM.
    Emulate(EmulateArgs),
    /// Every strategy over fleet sizes and worker counts; writes reports, CSV, summary, plots.
    Sweep(SweepArgs),
    /// Compare a report with a baseline; exit 1 on a performance regression (docs/ci-gate.md).
    Check(CheckArgs),
    /// Write a report in a benchmark tracker's format (Bencher BMF, github-action-benchmark).
    Export(ExportArgs),
    /// Internal: a worker process of the `processes` strategy.
    #[command(name = "__worker", hide = true)]
    Worker,
}

#[derive(Args, Debug, Clone)]
struct FleetArgs {
    /// A netmiko-style devices.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "emulate")]
    inventory: Option<PathBuf>,
    /// Start N emulated routers in this process instead (default: the classic 3).
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    emulate: Option<usize>,
    /// Latency and fault profile of the emulated fleet: classic, instant, lan, latency-1s,
    /// chaos, or a custom `login=200ms,command=1s,jitter=10%`.
    #[arg(long, value_name = "NAME", default_value = "classic")]
    profile: String,
    /// Seed for the emulated fleet's jitter and faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    network: NetworkArgs,
    /// Command to run on every device (repeatable; default `show clock`).
    #[arg(long = "command", value_name = "CMD")]
    commands: Vec<String>,
    /// Per-phase deadline in seconds, overriding the inventory's `timeout`.
    #[arg(long, value_name = "SECS", value_parser = positive_secs, allow_negative_numbers = true)]
    timeout: Option<f64>,
    /// Host key checking for inventory devices (emulated fleets are pinned to the keys
    /// fleetbench gave them).
    #[arg(long, value_name = "MODE", default_value = "accept-new", value_parser = ["strict", "accept-new", "insecure"])]
    host_keys: String,
    /// known_hosts file to check against and record new keys in (default: ~/.ssh/known_hosts
    /// read-only, plus fleetbench's own file, which new keys are added to).
    #[arg(long, value_name = "FILE")]
    known_hosts: Option<PathBuf>,
    /// Prompt once on the terminal (echo off) for the password of the inventory devices that
    /// have none (keep passwords out of files and shell history; `${VAR}` in the inventory
    /// reads one from the environment instead).
    #[arg(long)]
    ask_password: bool,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// A line per device at connection and at receipt, with timestamps and the worker.
    #[arg(long, short)]
    verbose: bool,
    /// The fleetbench binary to start worker processes from (default: this one).
    #[arg(long, value_name = "PATH", hide = true)]
    worker_exe: Option<PathBuf>,
}

/// `--network`: the emulated fleet behind an emulated link.
#[derive(Args, Debug, Clone)]
struct NetworkArgs {
    /// Put the emulated fleet behind an emulated network: local, campus, regional,
    /// continental, intercontinental, transpacific, or a spec like
    /// `rtt=80ms,jitter=5ms,loss=1%,rate=10mbit`, with shares `transpacific@20%;campus`.
    #[arg(long, value_name = "NAME|SPEC")]
    network: Option<String>,
    /// tun (every packet, through network namespaces; the default) or relay (a local TCP
    /// relay per device, where namespaces are refused: the handshake is not delayed, no loss).
    #[arg(long, value_name = "METHOD", default_value = "tun", value_parser = ["tun", "relay"])]
    network_method: String,
}

impl NetworkArgs {
    fn parsed(&self) -> Result<Option<(crate::netem::NetworkSpec, crate::netem::Method)>> {
        let Some(text) = &self.network else {
            return Ok(None);
        };
        let spec = crate::netem::NetworkSpec::parse(text).map_err(|e| bad(e.to_string()))?;
        let method = crate::netem::Method::parse(&self.network_method)
            .ok_or_else(|| bad("--network-method must be tun or relay"))?;
        Ok(Some((spec, method)))
    }
}

#[derive(Args, Debug)]
struct CompareArgs {
    #[command(flatten)]
    fleet: FleetArgs,
    /// Comma-separated strategies (default: all five).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    strategies: Option<Vec<String>>,
    /// Concurrency bound for every strategy (default: one per device, capped per strategy).
    #[arg(long, short = 'w', value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    workers: Option<usize>,
    /// Measured runs per strategy.
    #[arg(long, default_value_t = 3, value_parser = at_least_one, allow_negative_numbers = true)]
    runs: usize,
    /// Unmeasured warm-up runs per strategy.
    #[arg(long, default_value_t = 0, value_parser = whole_number, allow_negative_numbers = true)]
    warmup: usize,
    /// Write SVG plots (wall time, one timeline per strategy) into this directory.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    fleet: FleetArgs,
    /// sequential, threads, processes, async or rayon.
    #[arg(long, value_name = "NAME")]
    strategy: String,
    #[arg(long, short = 'w', value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    workers: Option<usize>,
}

#[derive(Args, Debug)]
struct EmulateArgs {
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    devices: usize,
    /// First port; device i listens on base-port + i - 1.
    #[arg(long, value_name = "P", default_value_t = 10001)]
    base_port: u16,
    #[arg(long, value_name = "NAME", default_value = "classic")]
    profile: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Written (atomically) once every listener is bound: its appearance means ready.
    #[arg(long, value_name = "FILE")]
    write_inventory: Option<PathBuf>,
    /// Address to listen on. Loopback unless you mean otherwise.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    #[command(flatten)]
    network: NetworkArgs,
    /// With --network: run this command inside the client namespace (after `--`), then stop;
    /// the fleet's exit status is the command's.
    #[arg(last = true, value_name = "CMD")]
    exec: Vec<String>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The stored baseline report (a `--json` report of the same setup).
    #[arg(long, value_name = "FILE")]
    baseline: PathBuf,
    /// The report to check.
    #[arg(value_name = "REPORT")]
    report: PathBuf,
    /// Regression threshold of one metric, repeatable: METRIC=PERCENT with METRIC one of
    /// wall, p99, cpu, rss, efficiency, speedup (defaults: wall 15%, p99 20%, cpu 60%,
    /// rss 25%, efficiency 15%, speedup 15%).
    #[arg(long = "threshold", value_name = "METRIC=PCT")]
    thresholds: Vec<String>,
    /// Also write the report in a tracker's format, repeatable: bencher=FILE, github=FILE.
    #[arg(long = "export", value_name = "FORMAT=FILE")]
    exports: Vec<String>,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// bencher (Bencher Metric Format) or github (github-action-benchmark customSmallerIsBetter).
    #[arg(long, value_name = "FORMAT")]
    format: String,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The `--json` report to export.
    #[arg(value_name = "REPORT")]
    report: PathBuf,
}

/// Longest accepted `--timeout`: a day is already far past any device's patience, and it keeps
/// the conversion to a `Duration` far from overflow.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// clap parser: a whole number, 0 or more (`--warmup`).
fn whole_number(s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .map_err(|_| "expected a whole number (0, 1, 2, ...)".to_string())
}

/// clap parser: a whole number, 1 or more (`--workers`, `--runs`, `--emulate`, `--devices`).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_string()),
    }
}

/// clap parser: seconds, more than 0 and at most a day (`--timeout 0.5`).
fn positive_secs(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT_SECS => Ok(t),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most {MAX_TIMEOUT_SECS} (like 0.5 or 10)"
        )),
    }
}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    anyhow!(msg.into())
}

/// Entry point of the binary; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    if matches!(cli.cmd, Cmd::Compare(_) | Cmd::Run(_)) {
        install_interrupt_handler();
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            // Every error that stops a command before its report is bad usage or bad input
            // (an inventory, a port, a profile name); a device's failure never gets here.
            eprintln!("fleetbench: error: {}", render_error(&e));
            EXIT_USAGE
        }
    }
}

/// The error and its causes, like `{:#}`, but without a cause whose text the message already
/// quotes (library errors include their I/O error in their own message, which `{:#}` would
/// print a second time: "No such file or directory (os error 2): No such file ...").
fn render_error(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !out.contains(&c) {
            out.push_str(": ");
            out.push_str(&c);
        }
    }
    out
}

/// First Ctrl-C: start no new device, finish the ones in flight (bounded by their deadlines)
/// and write the partial report. Second Ctrl-C: exit at once.
fn install_interrupt_handler() {
    extern "C" fn on_sigint(_: libc::c_int) {
        if strategy::is_interrupted() {
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(130) }
        }
        strategy::interrupt();
    }
    // SAFETY: the handler only does async-signal-safe work (an atomic store, _exit).
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.cmd {
        Cmd::Compare(a) => cmd_compare(a),
        Cmd::Run(a) => cmd_run(a),
        Cmd::Emulate(a) => cmd_emulate(a),
        Cmd::Sweep(a) => cmd_sweep(a),
        Cmd::Check(a) => cmd_check(a),
        Cmd::Export(a) => cmd_export(a),
        Cmd::Worker => Ok(strategy::processes::worker_main()),
    }
}

/// The fleet a run polls: an emulated one (kept alive for the run) or an inventory.
struct Fleet {
    devices: Vec<Device>,
    emulated: Option<EmulatedFleet>,
    network: Option<crate::netem::NetworkedFleet>,
    info: FleetInfo,
    host_keys: HostKeyCheck,
    /// Where accepted new host keys are recorded (accept-new on inventory fleets).
    known_hosts_out: Option<PathBuf>,
}

impl Fleet {
    fn server_cpu(&self) -> Duration {
        self.emulated
            .as_ref()
            .or(self.network.as_ref().map(|n| n.emulated()))
            .map_or(Duration::ZERO, EmulatedFleet::server_cpu)
    }
}

fn open_fleet(a: &FleetArgs) -> Result<Fleet> {
    let network = a.network.parsed()?;
    if network.is_some() && a.inventory.is_some() {
        return Err(bad(
            "--network emulates the link to an emulated fleet (--emulate); real devices are behind a real network",
        ));
    }
    if let Some(path) = &a.inventory {
        let mut inv = inventory::load(path)?;
        for w in &inv.warnings {
            eprintln!("fleetbench: warning: {w}");
        }
        if a.ask_password {
            ask_password(&mut inv.devices)?;
        }
        let policy = match a.host_keys.as_str() {
            "strict" => HostKeyPolicy::Strict,
            "insecure" => HostKeyPolicy::Insecure,
            _ => HostKeyPolicy::AcceptNew,
        };
        let (files, out) = match &a.known_hosts {
            Some(f) => (vec![f.clone()], f.clone()),
            None => (
                hostkeys::default_known_hosts_files(),
                hostkeys::default_write_file(),
            ),
        };
        let host_keys = HostKeyCheck::load(policy, &files).context("reading known_hosts")?;
        return Ok(Fleet {
            info: FleetInfo {
                devices: inv.devices.len(),
                emulated: false,
                profile: None,
                inventory: Some(path.display().to_string()),
            },
            devices: inv.devices,
            emulated: None,
            network: None,
            host_keys,
            known_hosts_out: (policy == HostKeyPolicy::AcceptNew).then_some(out),
        });
    }
    let n = a.emulate.unwrap_or(CLASSIC_DEVICES);
    if n == 0 {
        return Err(bad("--emulate needs at least 1 device"));
    }
    let profile = Profile::by_name(&a.profile).map_err(|e| bad(e.to_string()))?;
    let mut spec = FleetSpec::new(n, profile);
    spec.seed = a.seed;
    spec.base_port = 0;
    let info = FleetInfo {
        devices: n,
        emulated: true,
        profile: Some(a.profile.clone()),
        inventory: None,
    };
    if let Some((net, method)) = network {
        let fleet = crate::netem::NetworkedFleet::start(&net, method, spec)?;
        return Ok(Fleet {
            devices: fleet.devices(),
            info,
            host_keys: fleet.host_key_check(),
            emulated: None,
            network: Some(fleet),
            known_hosts_out: None,
        });
    }
    let fleet = EmulatedFleet::start(spec).context("starting the emulated fleet")?;
    Ok(Fleet {
        devices: fleet.devices(),
        info: FleetInfo {
            devices: n,
            emulated: true,
            profile: Some(a.profile.clone()),
            inventory: None,
        },
        host_keys: fleet.host_key_check(),
        emulated: Some(fleet),
        network: None,
        known_hosts_out: None,
    })
}

/// `--ask-password`: one prompt on the controlling terminal, echo off; the answer becomes the
/// password of every device without one. Nothing is asked when every device has one.
fn ask_password(devices: &mut [Device]) -> Result<()> {
    let missing = devices.iter().filter(|d| d.password.is_none()).count();
    if missing == 0 {
        eprintln!("fleetbench: --ask-password: every device has a password; not asking");
        return Ok(());
    }
    let prompt = format!("fleetbench: password for {missing} device(s) without one: ");
    let pw = rpassword::prompt_password(prompt)
        .context("--ask-password: cannot read a password from the terminal")?;
    if pw.is_empty() {
        return Err(bad("--ask-password: an empty password was entered"));
    }
    let pw = crate::secret::Secret::new(pw);
    for d in devices.iter_mut().filter(|d| d.password.is_none()) {
        d.password = Some(pw.clone());
    }
    Ok(())
}

/// The commands to run: the given ones, or the classic `show clock`; each a single line.
fn commands_of(given: &[String]) -> Result<Vec<String>> {
    if given
        .iter()
        .any(|c| c.trim().is_empty() || c.contains(['\n', '\r']))
    {
        return Err(bad("--command must be a single non-empty line"));
    }
    Ok(if given.is_empty() {
        vec![DEFAULT_COMMAND.to_string()]
    } else {
        given.to_vec()
    })
}

/// `--strategies`: all five when absent, else the named ones.
fn strategies_of(list: Option<&[String]>) -> Result<Vec<StrategyKind>> {
    let Some(list) = list else {
        return Ok(StrategyKind::ALL.to_vec());
    };
    if list.iter().any(|s| s.trim().is_empty()) {
        return Err(bad(format!(
            "--strategies has an empty entry in {:?}; expected a comma-separated list like threads,async",
            list.join(",")
        )));
    }
    if list.is_empty() {
        return Err(bad("--strategies is empty"));
    }
    list.iter().map(|s| parse_strategy(s)).collect()
}

fn make_job(a: &FleetArgs, host_keys: HostKeyCheck) -> Result<Job> {
    let commands = commands_of(&a.commands)?;
    let mut job = Job::new(commands, host_keys);
    if let Some(t) = a.timeout {
        if !(t.is_finite() && t > 0.0 && t <= MAX_TIMEOUT_SECS) {
            return Err(bad(format!(
                "--timeout must be a positive number of seconds, got {t}"
            )));
        }
        job.timeout = Some(Duration::from_secs_f64(t));
    }
    if let Ok(v) = std::env::var("FLEETBENCH_DEBUG_SLOWDOWN") {
        job.debug_slowdown = v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                bad(format!(
                    "FLEETBENCH_DEBUG_SLOWDOWN must be a fraction like 0.2, got {v:?}"
                ))
            })?;
        eprintln!(
            "fleetbench: debug slowdown active: every session made {:.0}% longer",
            job.debug_slowdown * 100.0
        );
    }
    Ok(job)
}

fn parse_strategy(s: &str) -> Result<StrategyKind> {
    StrategyKind::parse(s.trim()).ok_or_else(|| {
        bad(format!(
            "unknown strategy '{s}': expected one of sequential, threads, processes, async, rayon"
        ))
    })
}

fn check_workers(w: Option<usize>) -> Result<()> {
    if w == Some(0) {
        return Err(bad("--workers must be at least 1"));
    }
    Ok(())
}

fn local_time(unix: f64) -> String {
    let secs = unix.floor() as i64;
    let nanos = ((unix - unix.floor()) * 1e9) as u32;
    chrono::DateTime::from_timestamp(secs, nanos)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S%.6f")
                .to_string()
        })
        .unwrap_or_default()
}

/// The `--verbose` lines, in the course's `===> Connection` / `<=== Received` shape.
fn verbose_sink(on: bool) -> impl Fn(Event<'_>) + Sync {
    move |e| {
        if !on {
            return;
        }
        let line = match e {
            Event::Connecting {
                device,
                worker,
                unix,
                ..
            } => {
                format!(
                    "{worker} ===> {} Connection: {} ({})",
                    local_time(unix),
                    device.name,
                    device.addr()
                )
            }
            Event::Received { result, .. } => {
                let status = match &result.error {
                    None => "ok".to_string(),
                    Some(e) => format!("FAILED {}", e.kind),
                };
                format!(
                    "{} <=== {} Received:   {} ({}:{}) {status} in {:.2} s",
                    result.worker,
                    local_time(result.ended_unix),
                    result.name,
                    result.host,
                    result.port,
                    result.total_secs()
                )
            }
        };
        eprintln!("{line}");
    }
}

fn new_report(fleet: &Fleet, job: &Job) -> Report {
    Report {
        schema: report::SCHEMA.to_string(),
        fleetbench_version: env!("CARGO_PKG_VERSION").to_string(),
        created_unix: crate::strategy::unix_now(),
        commands: job.commands.clone(),
        fleet: fleet.info.clone(),
        machine: MachineInfo::current(),
        strategies: Vec::new(),
        network: fleet.network.as_ref().map(|n| n.report(job.commands.len())),
    }
}

/// Measures one strategy and, behind `--network`, adds its network summary to the report.
fn measure_on(
    fleet: &Fleet,
    report: &mut Report,
    kind: StrategyKind,
    job: &Job,
    opts: &CompareOptions,
    sink: strategy::Sink<'_>,
) -> Result<crate::report::StrategyReport> {
    let since = fleet.network.as_ref().and_then(|n| n.traffic());
    let sr = compare::measure(
        kind,
        &fleet.devices,
        job,
        opts,
        &|| fleet.server_cpu(),
        sink,
    )?;
    if let (Some(net), Some(nr)) = (&fleet.network, &mut report.network) {
        let sessions = (fleet.devices.len() * (opts.warmup + opts.runs)) as u64;
        nr.strategies.push(net.strategy_network(
            kind.name(),
            &sr.devices,
            &job.commands,
            since,
            sessions,
        ));
    }
    Ok(sr)
}

/// Records host keys accepted under accept-new in fleetbench's known_hosts.
fn record_new_keys(fleet: &Fleet, results: &[DeviceResult]) {
    let Some(out) = &fleet.known_hosts_out else {
        return;
    };
    let lines: Vec<String> = results
        .iter()
        .filter_map(|r| r.new_host_key.clone())
        .collect();
    if lines.is_empty() {
        return;
    }
    match hostkeys::append_known_hosts(out, &lines) {
        Ok(()) => eprintln!(
            "fleetbench: added {} new host key(s) to {}",
            lines.len(),
            out.display()
        ),
        Err(e) => eprintln!("fleetbench: warning: could not record new host keys: {e}"),
    }
}

fn finish(report: &Report, json: Option<&PathBuf>) -> Result<i32> {
    if let Some(path) = json {
        report::write_json(path, report).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("fleetbench: report written to {}", path.display());
    }
    Ok(if report.failed_devices() > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

fn cmd_run(a: RunArgs) -> Result<i32> {
    let kind = parse_strategy(&a.strategy)?;
    check_workers(a.workers)?;
    crate::measure::raise_nofile_limit();
    let fleet = open_fleet(&a.fleet)?;
    let job = make_job(&a.fleet, fleet.host_keys.clone())?;
    let run_cfg = RunConfig {
        workers: a.workers,
        worker_exe: a.fleet.worker_exe.clone(),
    };
    let opts = CompareOptions {
        strategies: vec![kind],
        runs: 1,
        warmup: 0,
        run: run_cfg,
    };
    let sink = verbose_sink(a.fleet.verbose);
    let mut report = new_report(&fleet, &job);
    let sr = measure_on(&fleet, &mut report, kind, &job, &opts, &sink)?;
    let mut out = std::io::stdout().lock();
    for d in &sr.devices {
        match &d.error {
            None => {
                writeln!(out, "{} ({}:{}):", d.name, d.host, d.port)?;
                for line in d.output.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
            Some(e) => writeln!(
                out,
                "{} ({}:{}): FAILED [{}] {}",
                d.name, d.host, d.port, e.kind, e.message
            )?,
        }
    }
    writeln!(
        out,
        "{} devices: {} ok, {} failed; wall {:.2} s ({}, {} worker{})",
        sr.devices.len(),
        sr.ok(),
        sr.failed(),
        sr.wall_s.median,
        kind,
        sr.workers,
        if sr.workers == 1 { "" } else { "s" }
    )?;
    record_new_keys(&fleet, &sr.devices);
    report.strategies.push(sr);
    report.compute_speedups();
    finish(&report, a.fleet.json.as_ref())
}

fn cmd_compare(a: CompareArgs) -> Result<i32> {
    check_workers(a.workers)?;
    if a.runs == 0 {
        return Err(bad("--runs must be at least 1"));
    }
    let strategies = strategies_of(a.strategies.as_deref())?;
    crate::measure::raise_nofile_limit();
    let fleet = open_fleet(&a.fleet)?;
    let job = make_job(&a.fleet, fleet.host_keys.clone())?;
    let opts = CompareOptions {
        strategies: strategies.clone(),
        runs: a.runs,
        warmup: a.warmup,
        run: RunConfig {
            workers: a.workers,
            worker_exe: a.fleet.worker_exe.clone(),
        },
    };
    let sink = verbose_sink(a.fleet.verbose);
    let mut report = new_report(&fleet, &job);
    eprintln!(
        "fleetbench: {} devices ({}), command {:?}, {} run(s) + {} warm-up per strategy",
        fleet.devices.len(),
        fleet
            .info
            .profile
            .as_deref()
            .map_or("inventory".to_string(), |p| format!(
                "emulated, profile {p}"
            )),
        job.commands,
        a.runs,
        a.warmup
    );
    for kind in strategies {
        let sr = measure_on(&fleet, &mut report, kind, &job, &opts, &sink)?;
        eprintln!(
            "fleetbench: {:<10} median {:.3} s, {} ok, {} failed",
            kind.name(),
            sr.wall_s.median,
            sr.ok(),
            sr.failed()
        );
        record_new_keys(&fleet, &sr.devices);
        report.strategies.push(sr);
        if strategy::is_interrupted() {
            break;
        }
    }
    report.compute_speedups();
    print!("{}", compare::render_table(&report));
    println!();
    print!("{}", compare::render_latency_table(&report));
    if let Some(n) = &report.network {
        println!();
        print!("{}", crate::netem::rounds::render_table(n));
    }
    if let Some(dir) = &a.plots {
        let files = crate::plot::write_report_plots(&report, dir, "")?;
        eprintln!(
            "fleetbench: {} plot(s) written to {}",
            files.len(),
            dir.display()
        );
    }
    finish(&report, a.fleet.json.as_ref())
}

fn cmd_emulate(a: EmulateArgs) -> Result<i32> {
    if a.devices == 0 {
        return Err(bad("--devices must be at least 1"));
    }
    let last = u32::from(a.base_port) + a.devices as u32 - 1;
    if a.base_port == 0 || last > u32::from(u16::MAX) {
        return Err(bad(format!(
            "ports {}..={last} do not fit in 1..=65535",
            a.base_port
        )));
    }
    crate::measure::raise_nofile_limit();
    let profile = Profile::by_name(&a.profile).map_err(|e| bad(e.to_string()))?;
    let mut spec = FleetSpec::new(a.devices, profile);
    spec.base_port = a.base_port;
    spec.seed = a.seed;
    spec.bind = a.bind;
    if let Some((net, method)) = a.network.parsed()? {
        return emulate_behind(&net, method, spec, a.write_inventory.as_deref(), &a.exec);
    }
    if !a.exec.is_empty() {
        return Err(bad(
            "a command after `--` runs inside the emulated network: it needs --network",
        ));
    }
    if !a.bind.is_loopback() {
        eprintln!(
            "fleetbench: warning: binding {} (not loopback) as asked",
            a.bind
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    rt.block_on(async {
        let shutdown = async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return std::future::pending().await,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        crate::emulator::serve_foreground(spec, a.write_inventory.as_deref(), shutdown).await
    })
    .map_err(|e| anyhow!(e))?;
    Ok(EXIT_OK)
}

/// `emulate --network`: the fleet behind the link; the command after `--` (if any) runs in
/// the client namespace and its exit status is ours. Without one, serves until SIGINT/SIGTERM
/// (other tools reach the fleet with `nsenter -t PID -U -n --preserve-credentials`).
fn emulate_behind(
    net: &crate::netem::NetworkSpec,
    method: crate::netem::Method,
    mut spec: FleetSpec,
    write_inventory: Option<&std::path::Path>,
    exec: &[String],
) -> Result<i32> {
    if method == crate::netem::Method::Tun {
        // Each device has its own address; they all listen on the SSH port.
        spec.base_port = 0;
    }
    let profile = spec.profile.name().to_string();
    let fleet = crate::netem::NetworkedFleet::start(net, method, spec)?;
    if let Some(path) = write_inventory {
        crate::atomic::write_atomic(path, fleet.inventory_yaml().as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for (d, (_, link)) in fleet.devices().iter().zip(fleet.links()) {
        println!(
            "{} {}:{} profile={profile} rtt={:.0}ms",
            d.name,
            d.host,
            d.port,
            link.rtt.as_secs_f64() * 1e3
        );
    }
    eprintln!(
        "fleetbench: {} devices behind network {} ({}); pid {}",
        fleet.devices().len(),
        net.name,
        fleet.method().name(),
        std::process::id()
    );
    let Some((program, args)) = exec.split_first() else {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        let mut sig = 0;
        // SAFETY: a sigset on our stack, initialised by sigemptyset before use; the signals
        // are blocked in this thread (and the threads it starts from now on) and taken here.
        unsafe {
            libc::sigemptyset(set.as_mut_ptr());
            libc::sigaddset(set.as_mut_ptr(), libc::SIGINT);
            libc::sigaddset(set.as_mut_ptr(), libc::SIGTERM);
            libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), std::ptr::null_mut());
            libc::sigwait(set.as_ptr(), &mut sig);
        }
        return Ok(EXIT_OK);
    };
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("running {program}"))?;
    drop(fleet);
    Ok(status.code().unwrap_or(EXIT_FAILED))
}

#[derive(Args, Debug)]
struct SweepArgs {
    /// Fleet sizes, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "1,10,100,1000"
    )]
    sizes: Vec<usize>,
    /// Worker counts, comma-separated (default: each strategy's default for the size).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    workers_list: Option<Vec<usize>>,
    /// Comma-separated strategies (default: all five).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    strategies: Option<Vec<String>>,
    /// Emulated fleet profile.
    #[arg(long, value_name = "NAME", default_value = "lan")]
    profile: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measured runs per point.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Unmeasured warm-up runs per point.
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Command to run on every device (repeatable; default `show clock`).
    #[arg(long = "command", value_name = "CMD")]
    commands: Vec<String>,
    /// Output directory (default: results/<YYYY-MM-DD>-<hostname>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Draw per-device timelines for fleets up to this size.
    #[arg(long, value_name = "N", default_value_t = 100)]
    timeline_max: usize,
    #[arg(long, value_name = "PATH", hide = true)]
    worker_exe: Option<PathBuf>,
    /// Sweep networks instead of worker counts: comma-separated names
    /// (`local,campus,continental,transpacific`), or one custom spec per `--networks`;
    /// draws wall time against RTT per strategy.
    #[arg(long, value_name = "LIST")]
    networks: Vec<String>,
    /// tun or relay (see `compare --network-method`).
    #[arg(long, value_name = "METHOD", default_value = "tun", value_parser = ["tun", "relay"])]
    network_method: String,
}

/// `--networks`: a value with `=` is one spec (commas and all); else a comma-separated list.
fn networks_of(values: &[String]) -> Result<Vec<crate::netem::NetworkSpec>> {
    let mut out = Vec::new();
    for v in values {
        let items: Vec<&str> = if v.contains('=') {
            vec![v.as_str()]
        } else {
            v.split(',').collect()
        };
        for item in items {
            out.push(crate::netem::NetworkSpec::parse(item).map_err(|e| bad(e.to_string()))?);
        }
    }
    Ok(out)
}

fn cmd_sweep_networks(a: SweepArgs) -> Result<i32> {
    let networks = networks_of(&a.networks)?;
    if a.runs == 0 || a.sizes.is_empty() || a.sizes.contains(&0) {
        return Err(bad("--runs and --sizes need values of at least 1"));
    }
    if a.workers_list.as_ref().is_some_and(|w| w.len() > 1) {
        return Err(bad(
            "--networks sweeps networks: give at most one --workers-list value",
        ));
    }
    let strategies = strategies_of(a.strategies.as_deref())?;
    Profile::by_name(&a.profile).map_err(|e| bad(e.to_string()))?;
    let commands = commands_of(&a.commands)?;
    let method = crate::netem::Method::parse(&a.network_method)
        .ok_or_else(|| bad("--network-method must be tun or relay"))?;
    if method == crate::netem::Method::Tun {
        // Before any thread: an unprivileged process needs a user namespace, once.
        crate::netem::sys::gain_namespace_rights()?;
    }
    crate::measure::raise_nofile_limit();
    let opts = crate::netem::sweep::NetworkSweepOptions {
        networks,
        method,
        sizes: a.sizes,
        workers: a.workers_list.and_then(|w| w.first().copied()),
        strategies,
        profile: a.profile,
        seed: a.seed,
        runs: a.runs,
        warmup: a.warmup,
        commands,
        out: a
            .out
            .unwrap_or_else(|| crate::sweep::default_dir(std::path::Path::new("results"))),
        worker_exe: a.worker_exe,
        command_line: std::env::args().collect::<Vec<_>>().join(" "),
    };
    eprintln!("fleetbench: network sweep into {}", opts.out.display());
    let quiet = |_: Event<'_>| {};
    let out = crate::netem::sweep::run(&opts, &|line| eprintln!("fleetbench: {line}"), &quiet)?;
    eprintln!(
        "fleetbench: {} file(s) written to {}",
        out.files.len(),
        out.dir.display()
    );
    Ok(if out.failed_devices > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

fn cmd_sweep(a: SweepArgs) -> Result<i32> {
    install_interrupt_handler();
    if !a.networks.is_empty() {
        return cmd_sweep_networks(a);
    }
    if a.runs == 0 {
        return Err(bad("--runs must be at least 1"));
    }
    if a.sizes.is_empty() || a.sizes.contains(&0) {
        return Err(bad("--sizes needs fleet sizes of at least 1"));
    }
    let workers: Vec<Option<usize>> = match &a.workers_list {
        None => vec![None],
        Some(l) if l.is_empty() || l.contains(&0) => {
            return Err(bad("--workers-list needs worker counts of at least 1"));
        }
        Some(l) => l.iter().map(|&w| Some(w)).collect(),
    };
    let strategies = strategies_of(a.strategies.as_deref())?;
    Profile::by_name(&a.profile).map_err(|e| bad(e.to_string()))?;
    let commands = commands_of(&a.commands)?;
    crate::measure::raise_nofile_limit();
    let opts = crate::sweep::SweepOptions {
        sizes: a.sizes,
        workers,
        strategies,
        profile: a.profile,
        seed: a.seed,
        runs: a.runs,
        warmup: a.warmup,
        commands,
        out: a
            .out
            .unwrap_or_else(|| crate::sweep::default_dir(std::path::Path::new("results"))),
        worker_exe: a.worker_exe,
        timeline_max: a.timeline_max,
        command_line: std::env::args().collect::<Vec<_>>().join(" "),
    };
    eprintln!("fleetbench: sweep into {}", opts.out.display());
    let quiet = |_: Event<'_>| {};
    let out = crate::sweep::run(&opts, &|line| eprintln!("fleetbench: {line}"), &quiet)?;
    if let Some(last) = out.reports.last() {
        print!("{}", compare::render_table(last));
    }
    eprintln!(
        "fleetbench: {} file(s) written to {}",
        out.files.len(),
        out.dir.display()
    );
    Ok(if out.failed_devices > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

fn read_report(path: &std::path::Path) -> Result<Report> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a fleetbench report", path.display()))
}

/// `check`: prints the markdown verdict table on stdout; 0 no regression, 1 regression,
/// 2 (an error) bad input.
fn cmd_check(a: CheckArgs) -> Result<i32> {
    let mut thresholds = crate::check::Thresholds::default();
    for t in &a.thresholds {
        thresholds.apply(t)?;
    }
    let targets = a
        .exports
        .iter()
        .map(|t| crate::export::ExportTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let baseline = read_report(&a.baseline)?;
    let current = read_report(&a.report)?;
    let outcome = crate::check::check(&baseline, &current, &thresholds)?;
    crate::export::write_exports(&current, &targets)?;
    print!("{}", outcome.to_markdown());
    let n = outcome.regressions();
    if n == 0 {
        eprintln!("fleetbench: check: no regression");
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "fleetbench: check: {n} regression(s) against {}",
            a.baseline.display()
        );
        Ok(EXIT_FAILED)
    }
}

fn cmd_export(a: ExportArgs) -> Result<i32> {
    let kind = crate::export::ExportKind::parse(&a.format)?;
    let report = read_report(&a.report)?;
    match a.output {
        Some(path) => {
            crate::export::write_exports(&report, &[crate::export::ExportTarget { kind, path }])?
        }
        None => std::io::stdout().write_all(&crate::export::render(kind, &report)?)?,
    }
    Ok(EXIT_OK)
}
