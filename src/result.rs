//! What polling one device produced. Every strategy returns exactly these, so results compare.

use crate::error::{Phase, SessionError};
use serde::{Deserialize, Serialize};

/// Time spent in one phase of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTime {
    pub phase: Phase,
    /// For `command` phases: the index of the command in the run's command list.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<usize>,
    /// Start, in seconds since the session started.
    pub start_s: f64,
    pub secs: f64,
}

/// Output of one command on one device: the text between the echo and the next prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandOutput {
    pub command: String,
    pub output: String,
}

/// Error as it appears in a report: `{"kind": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phase: Option<Phase>,
}

impl From<&SessionError> for ErrorInfo {
    fn from(e: &SessionError) -> Self {
        ErrorInfo {
            kind: e.kind().to_string(),
            message: e.to_string(),
            phase: e.phase(),
        }
    }
}

/// The result of polling one device once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceResult {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub ok: bool,
    /// All command outputs joined by a newline (the classic `{ip: output}` value).
    pub output: String,
    pub outputs: Vec<CommandOutput>,
    pub error: Option<ErrorInfo>,
    /// Unix time (seconds) when the session started (before TCP connect) and ended.
    pub started_unix: f64,
    pub ended_unix: f64,
    /// Per-phase timings, in order.
    pub phases: Vec<PhaseTime>,
    /// SHA-256 fingerprint of the host key (`SHA256:...`), once the handshake got that far.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host_key: Option<String>,
    /// Host key as `type base64`, set only when it was new and accepted (accept-new), so the
    /// caller can add it to known_hosts.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_host_key: Option<String>,
    /// Who polled it: `thread NAME` or `pid N`.
    pub worker: String,
    /// The client socket's `TCP_INFO` just before it closed (Linux; once connected).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tcp: Option<crate::netem::TcpStats>,
}

impl DeviceResult {
    pub fn total_secs(&self) -> f64 {
        (self.ended_unix - self.started_unix).max(0.0)
    }
    pub fn phase_secs(&self, phase: Phase) -> f64 {
        self.phases
            .iter()
            .filter(|p| p.phase == phase)
            .map(|p| p.secs)
            .sum()
    }
}
