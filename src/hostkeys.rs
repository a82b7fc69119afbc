//! Host key verification: known_hosts files and the strict / accept-new / insecure policies.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How unknown and changed host keys are treated (`--host-keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HostKeyPolicy {
    /// Only keys already in known_hosts are accepted.
    Strict,
    /// Unknown hosts are accepted and recorded (OpenSSH's `StrictHostKeyChecking=accept-new`);
    /// a changed key is refused.
    #[default]
    AcceptNew,
    /// Any key is accepted. Only for lab use.
    Insecure,
}

/// Policy plus the keys already known, keyed by known_hosts host pattern
/// (`host` for port 22, `[host]:port` otherwise). Values are `keytype base64`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostKeyCheck {
    pub policy: HostKeyPolicy,
    pub known: HashMap<String, Vec<String>>,
}
