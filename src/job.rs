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
    /// Debug knob for testing the regression gate: extra client-side time added to each
    /// session, as a fraction of its measured length (0.2 = 20% slower). Set from the
    /// `FLEETBENCH_DEBUG_SLOWDOWN` environment variable; 0 in normal use.
    #[serde(default)]
    pub debug_slowdown: f64,
}

impl Job {
    pub fn new(commands: Vec<String>, host_keys: HostKeyCheck) -> Self {
        Job {
            commands,
            host_keys,
            timeout: None,
            debug_slowdown: 0.0,
        }
    }
}
