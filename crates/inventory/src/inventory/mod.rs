//! Inventories validated into [`Device`]s: the classic netmiko `devices.yaml` (below), a
//! Nornir SimpleInventory ([`nornir`]) or an Ansible inventory (YAML or INI), told apart by
//! their content ([`format`]); [`write`] writes any of them.
//!
//! ```yaml
//! routers:
//!   - device_type: cisco_ios
//!     ip: 192.168.100.1
//!     username: cisco
//!     password: cisco
//!     secret: cisco
//! ```
//!
//! The top level is a mapping of group name to a list of devices (groups are concatenated in
//! file order) or a bare list of devices. Per device:
//!
//! | key | meaning |
//! | --- | --- |
//! | `host` or `ip` | required; both may be given only if equal |
//! | `port` | integer 1-65535, default 22 |
//! | `username` | required |
//! | `password`, `secret` | optional; `secret` is the enable password |
//! | `device_type` | a supported netmiko name ([`crate::platform::PLATFORMS`]), default `cisco_ios` |
//! | `timeout` | seconds, a number > 0, default [`DEFAULT_TIMEOUT`] |
//! | `name` | display name; default `host`, or `host:port` when the port is not 22 |
//! | `key_file` (or netmiko's `key_filename`) | private key path, `~` expanded |
//!
//! - A null value (`password:` with nothing after it) counts as absent for the optional keys.
//! - `username`, `password` and `secret` given as exactly `${NAME}` are read from the
//!   environment variable `NAME`; unset is an error that names the variable.
//! - Text keys also take plain numbers and booleans verbatim (`password: 0123` is `"0123"`),
//!   since that is what a user who typed them means.
//! - netmiko's other `ConnectHandler` options ([`keys::NETMIKO_IGNORED`]) are ignored with one
//!   warning per option name. Any other key is an error, with a "did you mean" when close.
//! - Loading stops at the first problem; [`InventoryError`] says where (file:line:column) and
//!   which device. No message contains a secret.

// An inventory is loaded once per run and its error ends the run: the size of
// `InventoryError` (it carries the location and device by value, for matching in tests and
// callers) costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

mod ansible;
mod attrs;
mod error;
pub mod format;
#[cfg(test)]
mod formats_tests;
mod jump;
pub mod keys;
pub mod limits;
mod netmiko;
pub mod nornir;
mod ssh_config;
#[cfg(test)]
mod tests;
pub mod write;

pub use attrs::netmiko_device_type;
pub use error::{DeviceRef, FormatError, InventoryError, Location};
pub use format::Format;

use crate::algorithms::Support;
use crate::device::Device;
use std::path::{Path, PathBuf};

/// A validated inventory. `Debug` is safe to print: secrets show as `***`.
#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    /// Every device, groups concatenated in file order.
    pub devices: Vec<Device>,
    /// Non-fatal remarks (ignored netmiko options), one per option name, in file order.
    pub warnings: Vec<String>,
}

/// Reads and validates the inventory at `path`, in whichever format it is ([`format`]: a
/// netmiko devices.yaml, a Nornir SimpleInventory, an Ansible YAML or INI inventory);
/// `${VAR}` values come from the process environment; algorithm lists are checked against
/// what `ssh` supports.
pub fn load(path: &Path, ssh: &dyn Support) -> Result<Inventory, InventoryError> {
    load_with_env(path, |name| std::env::var(name).ok(), ssh)
}

/// [`load`] with the environment given as a function (for tests).
pub fn load_with_env(
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
    ssh: &dyn Support,
) -> Result<Inventory, InventoryError> {
    format::load(path, &env, ssh)
}

/// Validates inventory `text`; `origin` (the file name) starts every message.
pub fn parse(text: &str, origin: &str, ssh: &dyn Support) -> Result<Inventory, InventoryError> {
    parse_with_env(text, origin, |name| std::env::var(name).ok(), ssh)
}

/// [`parse`] with the environment given as a function (for tests).
pub fn parse_with_env(
    text: &str,
    origin: &str,
    env: impl Fn(&str) -> Option<String>,
    ssh: &dyn Support,
) -> Result<Inventory, InventoryError> {
    netmiko::parse(text, origin, &env, ssh)
}

/// `~` and `~/...` as `$HOME` and `$HOME/...` (any other path as it is); `None` when the path
/// needs `HOME` and it is unset or empty. Every inventory format expands key paths this way.
pub(crate) fn home_path(path: String, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let rest = match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return Some(PathBuf::from(path)),
    };
    let home = env("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(format!("{home}{rest}")))
}

/// `Some("NAME")` when `value` is exactly `${NAME}` with NAME a shell-style variable name.
fn env_reference(value: &str) -> Option<&str> {
    let name = value.strip_prefix("${")?.strip_suffix('}')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}
