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
//! - `{results}`: where the poller may write one JSON line per device;
//! - `{workers}`: the concurrency to use (`compare --workers`, or each point of `tune`).
//!
//! The inventories hold the credentials: they are written once, 0600, in a private temporary
//! folder (0700) that is removed at the end. No secret is ever put in argv or the environment.
//!
//! # Failures
//! A poller that exits non-zero, is killed by a signal, runs past its deadline, or leaves
//! processes behind gets a typed error on its run ([`RunError`]); everything it started is
//! ended and reaped, and the next run goes on.

pub mod cleanup;
pub mod devside;
pub mod process;
pub mod results;
mod run;
mod spec;

pub use run::{
    DEFAULT_DEADLINE, DeviceView, NoDeviceView, RecordFile, RunError, measure, measure_observed,
};
pub use spec::{ExternalSpec, Workspace};

use std::path::PathBuf;
use std::time::Duration;

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
    pub stop: fleetbench_client::stop::Stop,
    /// What `{workers}` becomes.
    pub workers: usize,
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
