//! What every device in a run is asked to do, independent of the device and of the strategy.

use crate::hostkeys::HostKeyCheck;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The per-run instructions the session core follows for every device. Holds no secret, so
/// it can be sent to worker processes and printed in reports as is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Commands to run, in order, after `terminal length 0` and `enable`.
    pub commands: Vec<String>,
    /// How host keys are verified.
    pub host_keys: HostKeyCheck,
    /// Override of every device's per-phase deadline (`--timeout`).
    #[serde(default)]
    pub timeout: Option<Duration>,
}

impl Job {
    pub fn new(commands: Vec<String>, host_keys: HostKeyCheck) -> Self {
        Job {
            commands,
            host_keys,
            timeout: None,
        }
    }
}
