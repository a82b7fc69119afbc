//! What one session's CLI is made from, whatever its platform: the device it reached (its
//! identity and configuration), the login user, the enable secret, and the faults that change
//! the CLI itself.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::config::Shared;
use super::identity;

/// Who a session's CLI belongs to: what its prompts and outputs are made of.
#[derive(Debug, Clone)]
pub struct CliSetup {
    /// Position in the fleet (0-based).
    pub index: usize,
    /// The hostname when the session starts (the running-config's; IOS's `hostname X`
    /// changes it).
    pub hostname: String,
    /// The login user (in Junos and Linux prompts, IOS's `show users`).
    pub username: String,
    /// The enable secret (IOS, XE, EOS). Never echoed, never printed.
    pub secret: String,
    /// Boot time, for uptimes.
    pub boot: DateTime<Utc>,
    /// Fault: `enable` always denied.
    pub enable_refused: bool,
    /// Fault: a prompt that is not the platform's (e.g. `router-weird$ `).
    pub prompt_override: Option<String>,
    /// The device's place in the fleet (serial, addresses) and its configuration, shared by
    /// every session of the device.
    pub device: Arc<Shared>,
}

impl CliSetup {
    /// The device's serial number, unique in the fleet ([`identity`]).
    pub fn serial(&self) -> String {
        self.device.identity.serial.clone()
    }

    /// The device's management address, unique in the fleet (198.18.128.0/17, RFC 2544).
    pub fn address(&self) -> String {
        self.device.identity.mgmt.to_string()
    }

    /// A MAC address, unique per device and port.
    pub fn mac(&self, port: u8) -> [u8; 6] {
        identity::mac(self.index, port as usize)
    }
}
