//! What the user typed, checked only as far as clap checks it: the clap types and nothing
//! else (ripgrep's "low args"). [`super::config`] turns them into validated configurations.
//!
//! Adding a flag: a field here (in the group it belongs to: [`FleetArgs`] for anything about
//! the fleet polled by `compare` and `run`, [`EmulationArgs`] for the emulated fleet of
//! `compare`, `run`, `sweep` and `emulate`, or the command's own struct), a validated field in
//! the command's config in `config.rs`, and the library call that uses it.

use crate::present::export::{ExportKind, ExportTarget};
use crate::shard::Shard;
use clap::{Args, Parser, Subcommand, ValueEnum};
use fleetbench_client::hostkeys::HostKeyPolicy;
use fleetbench_client::job::OnCommandError;
use fleetbench_emulator::PlatformMix;
use fleetbench_inventory::algorithms::Spec;
use fleetbench_inventory::platform::Platform;
use fleetbench_netem::{Method, NetworkSpec};
use fleetbench_report::StrategyKind;
use fleetbench_report::bastion::BastionMode;
use std::path::PathBuf;

mod floor;
mod tune;
mod values;
pub use floor::{FloorArgs, FloorPart};
pub use tune::{ConfirmArgs, FailureBudget, TuneArgs};
pub use values::ProfileArg;
use values::{
    at_least_one, bastion_mode, ciphers_spec, command_for, connect_rate, external_spec,
    host_key_policy, hostkey_spec, inventory_format, kex_spec, macs_spec, network_method,
    network_spec, on_command_error, one_line, platform_mix, positive_secs, retries, shard,
    strategy_kind, whole_number,
};
mod poll;
pub use poll::PollArgs;

#[derive(Parser, Debug)]
#[command(
    name = "fleetbench",
    version,
    about = "Measure how fast a fleet of network devices can be polled over SSH, per concurrency strategy"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run strategies side by side and print the comparison table (the main job).
    Compare(CompareArgs),
    /// Poll the fleet once with one strategy and print each device's output.
    Run(RunArgs),
    /// Run an emulated fleet in the foreground until SIGINT or SIGTERM.
    Emulate(EmulateArgs),
    /// Every strategy over fleet sizes and worker counts; writes reports, CSV, summary, plots.
    Sweep(SweepArgs),
    /// Compare a report with a baseline; exit 1 on a performance regression (docs/src/ci-gate.md).
    Check(CheckArgs),
    /// Write a report in a benchmark tracker's format (Bencher BMF, github-action-benchmark).
    Export(ExportArgs),
    /// Merge the reports of a sharded run (`--shard I/N`) into one report of the whole fleet.
    Merge(MergeArgs),
    /// Find the worker count to use per strategy (and poller): the knee of throughput, where
    /// failures start and why, in few runs (docs/src/tune.md).
    Tune(TuneArgs),
    /// Poll the fleet on a steady schedule: every device every T for D, lag measured from
    /// each poll's due time, sessions kept or renewed, a line per finished cycle.
    Poll(PollArgs),
    /// Measure the floor: the least CPU one session costs on this machine, per side, with the
    /// session's own libraries (docs/src/floor.md).
    Floor(FloorArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell): see the guide's
    /// reference for where each shell reads it.
    Completions(CompletionsArgs),
    /// Print the manual page (roff; `fleetbench man | man -l -`), or write one page per command
    /// into a folder.
    Man(ManArgs),
    /// Internal: a worker process of the `processes` strategy.
    #[command(name = "__worker", hide = true)]
    Worker {
        /// The parent's pid: the worker dies with it (checked in `worker_main`).
        parent: u32,
    },
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write fleetbench.1 and one fleetbench-COMMAND.1 per command into this folder
    /// (e.g. ~/.local/share/man/man1) instead of printing fleetbench.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The emulated fleet's behaviour (`compare`, `run`, `sweep`, `emulate`).
#[derive(Args, Debug, Clone)]
pub struct EmulationArgs {
    /// Latency, fault and limit profile of the emulated fleet: classic, instant, lan,
    /// latency-1s, chaos, or a custom `login=200ms,command=1s,jitter=10%` (shared limits:
    /// `aaa=16@20ms,vty=5,block-for=120s/3/60s`) (default: classic; lan for sweep).
    #[arg(long, value_name = "NAME", value_parser = ProfileArg::parse)]
    pub profile: Option<ProfileArg>,
    /// Seed for the emulated fleet's jitter and faults: the same seed, the same fleet.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

/// The emulated fleet behind an emulated network (`compare`, `run`, `emulate`).
#[derive(Args, Debug, Clone)]
pub struct NetworkArgs {
    /// Put the emulated fleet behind an emulated network: local, campus, regional,
    /// continental, intercontinental, transpacific, or a spec like
    /// `rtt=80ms,jitter=5ms,loss=1%,rate=10mbit`, with shares: `transpacific@20%;campus`.
    #[arg(long, value_name = "NAME|SPEC", value_parser = network_spec)]
    pub network: Option<NetworkSpec>,
    /// tun (every packet, through network namespaces; the default) or relay (a local TCP
    /// relay per device where namespaces are refused: the handshake is not delayed, no loss).
    #[arg(long, value_name = "METHOD", default_value = "tun", value_parser = network_method())]
    pub network_method: Method,
}

/// How runs are shown while they go (`compare`, `run`, `sweep`).
#[derive(Args, Debug, Clone)]
pub struct ProgressArgs {
    /// Progress on stderr: `auto` (a live line on a terminal, a line per finished run
    /// otherwise), `live`, `lines` or `off`.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub progress: ProgressMode,
}

/// A `--progress` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    Auto,
    Live,
    Lines,
    Off,
}

impl ProgressMode {
    /// The display mode: `auto` looks at stderr now.
    pub fn resolve(self) -> crate::present::progress::Mode {
        match self {
            ProgressMode::Auto => crate::present::progress::Mode::auto(),
            ProgressMode::Live => crate::present::progress::Mode::Live,
            ProgressMode::Lines => crate::present::progress::Mode::Lines,
            ProgressMode::Off => crate::present::progress::Mode::Off,
        }
    }
}

/// The commands every device runs (`compare`, `run`, `sweep`).
#[derive(Args, Debug, Clone)]
pub struct CommandArgs {
    /// Command to run on every device (repeatable; default `show clock`).
    #[arg(long = "command", value_name = "CMD", value_parser = one_line)]
    pub commands: Vec<String>,
}

/// The fleet polled by `compare` and `run`, and how.
#[derive(Args, Debug, Clone)]
pub struct FleetArgs {
    /// The inventory: a netmiko devices.yaml, a Nornir SimpleInventory (hosts.yaml, its
    /// folder, or a Nornir config.yaml) or an Ansible inventory (YAML or INI).
    #[arg(long, value_name = "FILE", conflicts_with = "emulate")]
    pub inventory: Option<PathBuf>,
    /// Start N emulated routers in this process instead (default: the classic 3).
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    pub emulate: Option<usize>,
    #[command(flatten)]
    pub emulation: EmulationArgs,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub commands: CommandArgs,
    /// Commands for the devices of one platform instead of --command, repeatable:
    /// `--command-for linux='uname -a'` (a netmiko device_type or a short name).
    #[arg(long = "command-for", value_name = "TYPE=CMD", value_parser = command_for)]
    pub commands_for: Vec<(&'static Platform, String)>,
    /// What a command the device rejects does (`% Invalid input`, `syntax error`, ...):
    /// `fail` ends the device with command_rejected (exit 1); `keep` keeps the error text as
    /// its output.
    #[arg(long, value_name = "WHAT", default_value = "fail", value_parser = on_command_error())]
    pub on_command_error: OnCommandError,
    /// Platforms of the emulated fleet: one (`eos`), `all`, or shares placed from --seed
    /// (`ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%`).
    #[arg(long, visible_alias = "platform", value_name = "MIX", value_parser = platform_mix,
          conflicts_with = "inventory")]
    pub platforms: Option<PlatformMix>,
    /// Per-phase deadline in seconds, overriding the inventory's `timeout`.
    #[arg(long, value_name = "SECS", value_parser = positive_secs, allow_negative_numbers = true)]
    pub timeout: Option<f64>,
    /// Most a device may send in answer to one step (default 16MiB; like 64MiB or 512KiB);
    /// past it the device ends with `output_too_large`.
    #[arg(long, value_name = "SIZE", value_parser = fleetbench_units::size::parse)]
    pub max_output: Option<usize>,
    /// Host key checking for inventory devices (emulated fleets are pinned to the keys
    /// fleetbench gave them).
    #[arg(long, value_name = "MODE", default_value = "accept-new", value_parser = host_key_policy())]
    pub host_keys: HostKeyPolicy,
    /// known_hosts file to check against and record new keys in (default: ~/.ssh/known_hosts
    /// read-only, plus fleetbench's own file, which new keys are added to).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// Key exchange algorithms to offer, OpenSSH style, overriding the inventory's `kex`:
    /// `+diffie-hellman-group14-sha1` adds, `-ecdh-*` removes, a bare list replaces.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = kex_spec)]
    pub kex: Option<Spec>,
    /// Host key algorithms to offer (`+ssh-rsa` for an older IOS), overriding `hostkey`.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = hostkey_spec)]
    pub hostkey: Option<Spec>,
    /// Ciphers to offer (`+aes128-cbc`), overriding the inventory's `ciphers`.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = ciphers_spec)]
    pub ciphers: Option<Spec>,
    /// MACs to offer (`+hmac-sha1`), overriding the inventory's `macs`.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, value_parser = macs_spec)]
    pub macs: Option<Spec>,
    #[command(flatten)]
    pub bastion: BastionArgs,
    /// Prompt once on the terminal (echo off) for the password of the inventory devices that
    /// have none (keep passwords out of files and shell history; `${VAR}` in the inventory
    /// reads one from the environment instead).
    #[arg(long)]
    pub ask_password: bool,
    /// Poll only shard I of N (0-based) of the fleet, for `fleetbench merge` to join later.
    /// Default: JOB_COMPLETION_INDEX with FLEETBENCH_SHARD_COUNT, or SLURM_ARRAY_TASK_ID with
    /// SLURM_ARRAY_TASK_COUNT, when set (docs/src/distributed.md).
    #[arg(long, value_name = "I/N", value_parser = shard)]
    pub shard: Option<Shard>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML page of the run here: the tables, the plots inline, the
    /// setup, and the errors grouped by kind with their devices.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// A line per device at connection and at receipt, with timestamps and the worker.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub progress: ProgressArgs,
    /// The fleetbench binary to start worker processes from (default: this one).
    #[arg(long, value_name = "PATH", hide = true)]
    pub worker_exe: Option<PathBuf>,
    #[command(flatten)]
    pub limits: ClientLimitArgs,
}

/// The client's answers to the devices' shared limits (`compare`, `run`).
#[derive(Args, Debug, Clone)]
pub struct ClientLimitArgs {
    /// Poll a device again, up to N more times, when its session failed before the shell
    /// for a reason that can pass (refused or reset, timed out, every vty line busy, an AAA
    /// that did not answer, a login block), after an exponential backoff (250 ms, doubling,
    /// at most 8 s) with jitter from --seed. A rejected password is never retried.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = retries)]
    pub retries: u32,
    /// Open at most R new connections per second, every worker of the strategy together
    /// (an open-loop cap, retries included): `200`, `200/s`, `0.5/s`.
    #[arg(long, value_name = "R/s", value_parser = connect_rate)]
    pub connect_rate: Option<f64>,
    /// The devices' AAA (TACACS+/RADIUS) timeout in seconds (default 5, IOS's
    /// `tacacs-server timeout`): a login rejected only after about this long is
    /// aaa_timeout, not auth_rejected.
    #[arg(long, value_name = "SECS", value_parser = positive_secs, allow_negative_numbers = true)]
    pub aaa_timeout: Option<f64>,
}

/// A jump host in front of the fleet (`compare`, `run`).
#[derive(Args, Debug, Clone)]
pub struct BastionArgs {
    /// Reach the devices through a jump host: alone with --emulate, the emulated fleet's own
    /// (OpenSSH-like, limits from --profile: startups, max-sessions, bastion-grace); with an
    /// inventory, `[user@]host[:port]` for every device (the user defaults to each device's).
    #[arg(long, value_name = "[USER@]HOST[:PORT]", num_args = 0..=1, default_missing_value = "")]
    pub bastion: Option<String>,
    /// per-session (a bastion login per device session, like OpenSSH's ProxyJump) or shared
    /// (a few bastion connections, each carrying up to --bastion-channels device sessions).
    #[arg(long, value_name = "MODE", default_value = "per-session", value_parser = bastion_mode())]
    pub bastion_mode: BastionMode,
    /// Device sessions one shared bastion connection carries at most (default: the emulated
    /// bastion's max-sessions, else 10, sshd's MaxSessions).
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    pub bastion_channels: Option<usize>,
    /// Private key for the --bastion login (tried before a password).
    #[arg(long, value_name = "FILE", requires = "bastion")]
    pub bastion_key: Option<PathBuf>,
    /// Prompt once on the terminal (echo off) for the --bastion password.
    #[arg(long, requires = "bastion")]
    pub ask_bastion_password: bool,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Comma-separated strategies: sequential, threads, processes, async, rayon (default:
    /// all five, in that order).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = strategy_kind())]
    pub strategies: Option<Vec<StrategyKind>>,
    /// Concurrency bound for every strategy (default: one per device, capped per strategy).
    #[arg(long, short = 'w', value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Measured runs per strategy.
    #[arg(long, default_value_t = 3, value_parser = at_least_one, allow_negative_numbers = true)]
    pub runs: usize,
    /// Unmeasured warm-up runs per strategy.
    #[arg(long, default_value_t = 0, value_parser = whole_number, allow_negative_numbers = true)]
    pub warmup: usize,
    /// Write SVG plots (wall time, one timeline per strategy) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// An external poller, NAME=COMMAND (repeatable), run like a strategy on the same fleet.
    /// COMMAND is split like a shell would (no shell runs unless you write one); placeholders:
    /// {inventory} (netmiko devices.yaml), {nornir} (SimpleInventory folder), {ansible}
    /// (Ansible YAML inventory), {command} (the first --command), {results} (where it may
    /// write one JSON line per device).
    #[arg(long = "external", value_name = "NAME=COMMAND", value_parser = external_spec)]
    pub externals: Vec<crate::external::ExternalSpec>,
    /// Deadline of one external run, seconds (default: --timeout if given, else 600); past
    /// it the poller and everything it started are ended.
    #[arg(long, value_name = "SECS", value_parser = positive_secs, allow_negative_numbers = true)]
    pub external_timeout: Option<f64>,
    /// The `emulate --record FILE` of a fleet served by another process: per-device results
    /// for external pollers from the devices' side.
    #[arg(long, value_name = "FILE", requires = "inventory")]
    pub device_record: Option<PathBuf>,
    /// Also record every session on the emulated devices and check each built-in strategy's
    /// results against the devices' view of them (the report's `device_view`).
    #[arg(long)]
    pub device_view: bool,
    /// A `--json` report of an earlier run: the --html page shows its median and p99 beside
    /// this run's, with the change.
    #[arg(long, value_name = "FILE", requires = "html")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub confirm: ConfirmArgs,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// The strategy to run: sequential, threads, processes, async or rayon.
    #[arg(long, value_name = "NAME", value_parser = strategy_kind())]
    pub strategy: StrategyKind,
    /// Concurrency bound: sessions at once (default: one per device, capped at 1000 for
    /// threads, async and rayon, 64 for processes; sequential is always 1).
    #[arg(long, short = 'w', value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// Print device output exactly as received; by default control characters (terminal
    /// escape sequences) are shown escaped, so a device cannot drive your terminal.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Args, Debug)]
pub struct EmulateArgs {
    /// How many routers to emulate (R1, R2, ...), one port each.
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    pub devices: usize,
    /// First port; device i listens on base-port + i - 1.
    #[arg(long, value_name = "P", default_value_t = 10001)]
    pub base_port: u16,
    #[command(flatten)]
    pub emulation: EmulationArgs,
    /// Written (atomically) once every listener is bound: its appearance means ready. Each
    /// device has its netmiko `device_type`. A stale file is removed before binding, and
    /// every file written when the fleet stops (a file fleetbench did not write is refused
    /// unless --force). The format follows the name (`*.ini` or `hosts`:
    /// Ansible INI; `*ansible*.yaml`: Ansible; `hosts.yaml` or a folder `DIR/`: Nornir; else
    /// netmiko) unless --inventory-format says.
    #[arg(long, value_name = "FILE")]
    pub write_inventory: Option<PathBuf>,
    /// netmiko, nornir, ansible or ansible-ini.
    #[arg(long, value_name = "FORMAT", requires = "write_inventory", value_parser = inventory_format)]
    pub inventory_format: Option<fleetbench_inventory::Format>,
    /// Replace inventory files that exist but were not written by fleetbench (by default such
    /// a file is never replaced or removed; fleetbench's own carry a first line saying so).
    #[arg(long, requires = "write_inventory")]
    pub force: bool,
    /// Append the devices' record of every session (accepted, authenticated, prompt, each
    /// command received and answered, closed, client address) to FILE, a JSON line each.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Platforms of the fleet: one (`--platform eos`: ios, xe, nxos, xr, eos, junos, linux or
    /// the netmiko name), `all` (equal shares), or shares placed from --seed
    /// (`--platforms 'ios=50%,nxos=20%,eos=10%,junos=10%,xr=5%,linux=5%'`).
    #[arg(long, visible_alias = "platform", value_name = "MIX", value_parser = platform_mix)]
    pub platforms: Option<PlatformMix>,
    /// Address to listen on. Loopback unless you mean otherwise.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// With --network: run this command inside the client namespace (after `--`), then stop;
    /// the exit status is the command's.
    #[arg(last = true, value_name = "CMD")]
    pub exec: Vec<String>,
    /// Keep each device's startup-config in DIR (`R1.startup-config`, ...): `write memory`
    /// writes it, and a restarted fleet boots from it. Default: configs live in memory only.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Serve only shard I of N (0-based) of the fleet; the written inventory still lists the
    /// whole fleet, so `run --shard I/N` on it polls exactly these devices. Default: from the
    /// environment, as for `run`.
    #[arg(long, value_name = "I/N", value_parser = shard)]
    pub shard: Option<Shard>,
    /// Serve a jump host in front of the fleet (user `jump`, password `jump`, or the client
    /// key written beside the inventory); the written inventory reaches the devices through
    /// it the way each tool reads it. Limits from --profile: startups, max-sessions,
    /// bastion-grace.
    #[arg(long)]
    pub bastion: bool,
    /// The jump host's port (default: a free one; the inventory and the line printed say it).
    #[arg(long, value_name = "P", requires = "bastion")]
    pub bastion_port: Option<u16>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard reports (`--json` of each shard), in any order.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged report here.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Also write SVG plots of the merged report into this directory.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Fleet sizes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "LIST", default_value = "1,10,100,1000",
          value_parser = at_least_one)]
    pub sizes: Vec<usize>,
    /// Worker counts, comma-separated (default: each strategy's default for the size).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = at_least_one)]
    pub workers_list: Option<Vec<usize>>,
    /// Comma-separated strategies: sequential, threads, processes, async, rayon (default:
    /// all five).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = strategy_kind())]
    pub strategies: Option<Vec<StrategyKind>>,
    #[command(flatten)]
    pub emulation: EmulationArgs,
    /// Measured runs per point.
    #[arg(long, default_value_t = 3, value_parser = at_least_one)]
    pub runs: usize,
    /// Unmeasured warm-up runs per point.
    #[arg(long, default_value_t = 1, value_parser = whole_number)]
    pub warmup: usize,
    #[command(flatten)]
    pub commands: CommandArgs,
    /// Output directory (default: results/<YYYY-MM-DD>-<hostname>, or the first free
    /// `...-2`, `...-3` when it exists: earlier results are never written over).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into an --out directory that already holds files (replacing the files of the
    /// same names).
    #[arg(long)]
    pub force: bool,
    /// Draw per-device timelines for fleets up to this size.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub timeline_max: usize,
    /// Also write the sweep's self-contained page here (it is always written as
    /// `index.html` in the --out folder).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[arg(long, value_name = "PATH", hide = true)]
    pub worker_exe: Option<PathBuf>,
    /// Sweep networks too, and draw wall time against RTT: comma-separated names
    /// (`local,campus,continental,transpacific`), or one custom spec per `--networks`.
    #[arg(long, value_name = "LIST")]
    pub networks: Vec<String>,
    /// tun or relay (as for `compare --network-method`).
    #[arg(long, value_name = "METHOD", default_value = "tun", value_parser = network_method())]
    pub network_method: Method,
    /// Sweep the worker counts of --workers-list over these real devices instead of emulated
    /// fleets (any inventory format; --sizes does not apply).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["sizes", "networks"])]
    pub inventory: Option<PathBuf>,
    /// With --inventory: the known_hosts file to check against and record new keys in (as
    /// for `compare`; host keys under accept-new).
    #[arg(long, value_name = "FILE", requires = "inventory")]
    pub known_hosts: Option<PathBuf>,
    #[command(flatten)]
    pub confirm: ConfirmArgs,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The stored baseline report (a `--json` report of the same setup).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,
    /// The report to check.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// Regression threshold of one metric, repeatable: METRIC=PERCENT with METRIC one of
    /// wall, p99, cpu, rss, efficiency, speedup (defaults: wall 15%, p99 20%, cpu 60%,
    /// rss 25%, efficiency 15%, speedup 15%).
    #[arg(long = "threshold", value_name = "METRIC=PCT")]
    pub thresholds: Vec<String>,
    /// Gate only these rows of the baseline, comma-separated: built-in strategies and
    /// external pollers by name (default: every row of the baseline; a gated row missing
    /// from the report fails the check, one the baseline lacks is shown and not judged).
    #[arg(
        long,
        visible_alias = "strategies",
        value_name = "NAMES",
        value_delimiter = ','
    )]
    pub rows: Vec<String>,
    /// Also write the report in a tracker's format, repeatable: bencher=FILE, github=FILE.
    #[arg(long = "export", value_name = "FORMAT=FILE", value_parser = ExportTarget::parse)]
    pub exports: Vec<ExportTarget>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// bencher (Bencher Metric Format) or github (github-action-benchmark customSmallerIsBetter).
    #[arg(long, value_name = "FORMAT")]
    pub format: ExportKind,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The `--json` report to export.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn names_parse_as_everywhere_else() {
        let cli = Cli::try_parse_from([
            "fleetbench",
            "compare",
            "--strategies",
            "async,processes",
            "--host-keys",
            "strict",
        ])
        .unwrap();
        let Cmd::Compare(a) = cli.cmd else {
            panic!("not compare")
        };
        assert_eq!(
            a.strategies.unwrap(),
            [StrategyKind::Async, StrategyKind::Processes]
        );
        assert_eq!(a.fleet.host_keys, HostKeyPolicy::Strict);
        assert!(Cli::try_parse_from(["fleetbench", "compare", "--strategies", "a,,b"]).is_err());
        assert!(Cli::try_parse_from(["fleetbench", "run", "--strategy", "bogus"]).is_err());
        assert!(Cli::try_parse_from(["fleetbench", "compare", "--command", " "]).is_err());
    }
}
