//! What every device in a run is asked to do, independent of the device and of the strategy.

use crate::hostkeys::HostKeyCheck;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Default cap on what a device may send in answer to one step (a command's output, or
/// whatever arrives while waiting for a prompt); `Dialogue::max_output` sets another. A
/// long `show running-config` is a few hundred KiB, `show tech-support` a few MiB; a full BGP
/// table needs more, and says so with a typed `output_too_large` error naming the cap.
pub const DEFAULT_MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// What a command the device rejects (its output matches the platform's error markers) does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCommandError {
    /// The device ends with `command_rejected` (its outputs kept), like scrapli's failed
    /// responses; the run exits 1.
    #[default]
    Fail,
    /// The error text is kept as the command's output and the device counts as answered:
    /// for probing on purpose.
    Keep,
}

impl OnCommandError {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fail" => Some(OnCommandError::Fail),
            "keep" => Some(OnCommandError::Keep),
            _ => None,
        }
    }
}

/// The per-run instructions the session core follows for every device. Holds no secret, so
/// it can be sent to worker processes and printed in reports as is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Commands to run, in order, after `terminal length 0` and `enable`.
    pub commands: Vec<String>,
    /// Commands for the devices of one `device_type` instead of `commands` (the classic
    /// default `show clock` becomes `show system uptime` on Junos and `date` on Linux).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commands_by_type: BTreeMap<String, Vec<String>>,
    /// What a rejected command does.
    #[serde(default)]
    pub on_command_error: OnCommandError,
    /// How host keys are verified.
    pub host_keys: HostKeyCheck,
    /// Override of every device's per-phase deadline (`--timeout`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Cap on what a device may send in answer to one step (`--max-output`); `None` is
    /// [`DEFAULT_MAX_OUTPUT`]. Past it the device ends with `output_too_large`.
    #[serde(default)]
    pub max_output: Option<usize>,
    /// How devices that have a jump host reach it (`--bastion-mode`, `--bastion-channels`).
    #[serde(default)]
    pub bastion: JumpPlan,
    /// The devices' AAA timeout (`--aaa-timeout`); `None` is [`DEFAULT_AAA_TIMEOUT`]. A
    /// login rejected only after this long is `aaa_timeout`, not `auth_rejected`.
    #[serde(default)]
    pub aaa_timeout: Option<Duration>,
    /// Set when no ssh-agent can log a device in ([`crate::agent::probe`], asked at load when
    /// some device has neither a password nor a key file): why. Such a device then ends with
    /// `no_credentials` before any connection.
    #[serde(default)]
    pub no_agent: Option<String>,
}

/// IOS's default `tacacs-server timeout`: how long a device waits for its AAA server.
pub const DEFAULT_AAA_TIMEOUT: Duration = Duration::from_secs(5);

/// A rejection this share of the AAA timeout late or later is the AAA's: the device's own
/// answer comes a few milliseconds after it stops waiting, a wrong password's at once.
pub const AAA_LATE_SHARE: f64 = 0.9;

impl Job {
    pub fn new(commands: Vec<String>, host_keys: HostKeyCheck) -> Self {
        Job {
            commands,
            commands_by_type: BTreeMap::new(),
            on_command_error: OnCommandError::Fail,
            host_keys,
            timeout: None,
            max_output: None,
            bastion: Default::default(),
            aaa_timeout: None,
            no_agent: None,
        }
    }

    /// How late a rejection must come to be the AAA server's (see [`AAA_LATE_SHARE`]).
    pub fn aaa_late(&self) -> Duration {
        self.aaa_timeout
            .unwrap_or(DEFAULT_AAA_TIMEOUT)
            .mul_f64(AAA_LATE_SHARE)
    }

    /// The per-step output cap in bytes.
    pub fn max_output(&self) -> usize {
        self.max_output.unwrap_or(DEFAULT_MAX_OUTPUT)
    }

    /// The commands for a device of `device_type`.
    pub fn commands_for(&self, device_type: &str) -> &[String] {
        self.commands_by_type
            .get(device_type)
            .unwrap_or(&self.commands)
    }

    /// The classic default command (`show clock`) for every device, as each platform spells
    /// it: the platforms of `device_types` whose clock command differs get their own.
    pub fn default_clock<'a>(mut self, device_types: impl IntoIterator<Item = &'a str>) -> Self {
        for t in device_types {
            if let Ok(p) = fleetbench_inventory::platform::Platform::by_device_type(t)
                && !self.commands.iter().any(|c| c == p.clock_command)
            {
                self.commands_by_type
                    .insert(t.to_string(), vec![p.clock_command.to_string()]);
            }
        }
        self
    }
}

/// sshd's default `MaxSessions`: how many channels a shared connection carries unless told.
pub const DEFAULT_CHANNELS: usize = 10;

/// How devices with a jump host reach it, for the whole run (part of the [`Job`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JumpPlan {
    pub mode: fleetbench_report::bastion::BastionMode,
    /// Most device sessions one shared connection carries at once (the bastion's own
    /// limit: sshd's `MaxSessions` for sessions, a jump host's cap for forwards).
    pub channels_per_connection: usize,
}

impl Default for JumpPlan {
    fn default() -> Self {
        JumpPlan {
            mode: fleetbench_report::bastion::BastionMode::PerSession,
            channels_per_connection: DEFAULT_CHANNELS,
        }
    }
}
