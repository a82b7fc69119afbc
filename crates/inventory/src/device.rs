//! A validated device: what the session core needs to poll one router.

use crate::algorithms::Algorithms;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Default per-phase deadline when the inventory gives no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One router to poll. Built by [`crate::load`] from an inventory file, or by the emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Display name: the inventory's `name`, else `host` or `host:port` when the port is not 22.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<Secret>,
    /// Enable secret; no `enable` step when absent and the device is already privileged.
    pub secret: Option<Secret>,
    /// Private key file for public-key auth, tried before the password.
    pub key_file: Option<PathBuf>,
    pub device_type: String,
    /// Deadline for each phase of the session (connect, handshake, auth, each command, ...).
    pub timeout: Duration,
    /// SSH algorithms to offer (`kex`, `hostkey`, `ciphers`, `macs`); default: modern only.
    pub algorithms: Algorithms,
}

impl Device {
    /// `host:port`, the key used in known_hosts-style lookups and in logs.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}
