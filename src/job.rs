//! What every device in a run is asked to do, independent of the device and of the strategy.

use crate::dialogue::DEFAULT_MAX_OUTPUT;
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
    /// Cap on what a device may send in answer to one step (`--max-output`); `None` is
    /// [`DEFAULT_MAX_OUTPUT`]. Past it the device ends with `output_too_large`.
    #[serde(default)]
    pub max_output: Option<usize>,
}

impl Job {
    pub fn new(commands: Vec<String>, host_keys: HostKeyCheck) -> Self {
        Job {
            commands,
            host_keys,
            timeout: None,
            max_output: None,
        }
    }

    /// The per-step output cap in bytes.
    pub fn max_output(&self) -> usize {
        self.max_output.unwrap_or(DEFAULT_MAX_OUTPUT)
    }
}
