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

// Interim implementation, replaced by the inventory/host-key branch.
impl HostKeyCheck {
    pub fn decide(
        &self,
        host: &str,
        port: u16,
        key_type: &str,
        key_b64: &str,
    ) -> Result<Option<String>, crate::error::SessionError> {
        let pattern = if port == 22 {
            host.to_string()
        } else {
            format!("[{host}]:{port}")
        };
        let offered = format!("{key_type} {key_b64}");
        match self.known.get(&pattern) {
            Some(keys) if keys.contains(&offered) => Ok(None),
            Some(_) if self.policy == HostKeyPolicy::Insecure => Ok(None),
            Some(keys) => Err(crate::error::SessionError::HostKeyChanged {
                host: pattern,
                expected: keys.join(","),
                offered,
            }),
            None => match self.policy {
                HostKeyPolicy::Strict => Err(crate::error::SessionError::HostKeyUnknown {
                    host: pattern,
                    fingerprint: offered,
                }),
                HostKeyPolicy::AcceptNew => Ok(Some(format!("{pattern} {offered}"))),
                HostKeyPolicy::Insecure => Ok(None),
            },
        }
    }
}
