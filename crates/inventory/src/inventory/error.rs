//! Inventory errors: one variant per kind of mistake, each message naming the file, the line
//! and column, and the device. The messages are a product feature (users grep for them and
//! the unit tests pin them word for word); change them on purpose only.
//!
//! No message ever contains a password, an enable secret or the value of an environment
//! variable: for those keys only the *kind* of a bad value is printed ("got a list").

use std::fmt;
use std::path::PathBuf;

/// Where in the inventory file: `devices.yaml:7:5` (line and column are 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub origin: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// Which device: `device 2 (192.168.100.2) in group 'routers'`. `index` is 1-based within its
/// group (or within the top-level list); `label` is its `name`, else its `host`/`ip`, when the
/// file gives one as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRef {
    pub index: usize,
    pub label: Option<String>,
    pub group: Option<String>,
}

impl fmt::Display for DeviceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "device {}", self.index)?;
        if let Some(label) = &self.label {
            write!(f, " ({label})")?;
        }
        if let Some(group) = &self.group {
            write!(f, " in group '{group}'")?;
        }
        Ok(())
    }
}

/// Why an inventory could not be loaded. Only the first problem in the file is reported.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file is missing or unreadable (the CLI exits with status 2).
    #[error("cannot read inventory file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{origin}: larger than {}, the most an inventory file may be",
        fleetbench_units::size::human(*limit as usize)
    )]
    TooLarge { origin: String, limit: u64 },
    #[error("{at}: not UTF-8 text (save the file as UTF-8)")]
    NotUtf8 { at: Location },
    #[error(
        "{at}: expanding YAML aliases here would copy more than {} (anchors repeated too \
         often or too large); refusing the file",
        fleetbench_units::size::human(*limit as usize)
    )]
    AliasBudget { at: Location, limit: u64 },
    #[error(
        "{origin}: the inventory file is empty; expected a mapping of group name to a list of \
         devices, or a list of devices"
    )]
    EmptyFile { origin: String },
    #[error("{at}: not valid YAML: {message}")]
    Syntax { at: Location, message: String },
    #[error("{at}: a second YAML document starts here; an inventory is a single document")]
    MultipleDocuments { at: Location },
    #[error(
        "{at}: the top level must be a mapping of group name to a list of devices, or a list of \
         devices; got {found}"
    )]
    TopLevel { at: Location, found: String },
    #[error(
        "{at}: the top level looks like a single device; put it in a list ('- host: ...') or \
         under a group name"
    )]
    TopLevelDevice { at: Location },
    #[error("{at}: group names must be text, got {found}")]
    GroupName { at: Location, found: String },
    #[error("{at}: group '{group}' must be a list of devices, got {found}")]
    GroupNotList {
        at: Location,
        group: String,
        found: String,
    },
    #[error("{at}: {device}: must be a mapping of keys (host, username, ...), got {found}")]
    DeviceNotMapping {
        at: Location,
        device: DeviceRef,
        found: String,
    },
    #[error("{at}: {device}: missing '{key}'{}", if *key == "host" { " (or 'ip')" } else { "" })]
    MissingKey {
        at: Location,
        device: DeviceRef,
        /// `host` (meaning `host` or `ip`) or `username`.
        key: &'static str,
    },
    #[error(
        "{at}: {}key '{key}' appears twice in the same mapping",
        match device { Some(d) => format!("{d}: "), None => String::new() }
    )]
    DuplicateKey {
        at: Location,
        /// The device whose mapping has the key twice, if it is one.
        device: Option<DeviceRef>,
        key: String,
    },
    #[error("{at}: {device}: 'host' ({host}) and 'ip' ({ip}) differ; give one of them")]
    HostConflict {
        at: Location,
        device: DeviceRef,
        host: String,
        ip: String,
    },
    #[error("{at}: {device}: {source}")]
    Algorithms {
        at: Location,
        device: DeviceRef,
        source: crate::algorithms::AlgorithmError,
    },
    #[error("{at}: {device}: both 'key_file' and 'key_filename' are given; give one of them")]
    KeyFileTwice { at: Location, device: DeviceRef },
    #[error("{at}: {device}: {key} must be {expected}, got {found}")]
    InvalidValue {
        at: Location,
        device: DeviceRef,
        key: &'static str,
        expected: &'static str,
        /// The offending value, quoted if text; only its kind for secrets.
        found: String,
    },
    #[error(
        "{at}: {device}: unknown key '{key}'{}",
        match suggestion {
            Some(s) => format!("; did you mean '{s}'?"),
            None => format!("; expected one of: {}", super::keys::KNOWN_KEYS_LIST),
        }
    )]
    UnknownKey {
        at: Location,
        device: DeviceRef,
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error("{at}: {device}: {key} refers to environment variable {var}, which is not set")]
    EnvVarUnset {
        at: Location,
        device: DeviceRef,
        key: &'static str,
        var: String,
    },
    /// The jump host of a device (`bastion`, `ssh_config_file` and their kin).
    #[error("{at}: {device}: {key}: {message}")]
    Bastion {
        at: Location,
        device: DeviceRef,
        key: &'static str,
        message: String,
    },
    #[error("{at}: {device}: {key}: '~' needs HOME, which is not set")]
    HomeUnset {
        at: Location,
        device: DeviceRef,
        key: &'static str,
    },
    #[error("{at}: {device}: same {what} as {first} at line {first_line}")]
    DuplicateDevice {
        at: Location,
        device: DeviceRef,
        /// `host and port 192.168.100.1:22` or `name 'core1'`.
        what: String,
        first: DeviceRef,
        first_line: usize,
    },
    #[error("{at}: {device}: {source}")]
    UnknownDeviceType {
        at: Location,
        device: DeviceRef,
        #[source]
        source: crate::platform::UnknownPlatform,
    },
    #[error("{at}: the inventory lists no devices")]
    NoDevices { at: Location },
    /// A Nornir or Ansible inventory's own mistakes.
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// Errors of the Nornir and Ansible readers (the netmiko reader's are above; theirs keep
/// their wording).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{at}: {what}: unknown key '{key}'; expected one of: {expected}")]
    UnknownField {
        at: Location,
        /// `host 'R1'`, `group 'routers'`, `defaults`.
        what: String,
        key: String,
        expected: &'static str,
    },
    #[error("{at}: {what} must be {expected}, got {found}")]
    Shape {
        at: Location,
        what: String,
        expected: &'static str,
        found: String,
    },
    #[error("{at}: {what}: group '{group}' is not defined{}", match defined_in { Some(f) => format!(" in {f}"), None => String::new() })]
    UnknownGroup {
        at: Location,
        what: String,
        group: String,
        defined_in: Option<String>,
    },
    #[error("{at}: not a valid Ansible INI inventory: {message}")]
    Ini { at: Location, message: String },
    #[error("{at}: {what}: groups form a cycle through '{group}'")]
    GroupCycle {
        at: Location,
        what: String,
        group: String,
    },
    #[error(
        "{at}: host pattern '{pattern}' expands to {} hosts, which would make {} in this \
         inventory; the cap is {limit} hosts per inventory",
        count(*hosts),
        count(*total)
    )]
    TooManyHosts {
        at: Location,
        pattern: String,
        /// Hosts the pattern stands for (its ranges multiplied).
        hosts: u128,
        /// Hosts of the inventory with them.
        total: u128,
        limit: u64,
    },
    #[error(
        "{origin}: the group graph is too large to resolve: its hosts' groups and their \
         ancestors add up to more than {limit} memberships"
    )]
    GroupGraphTooLarge { origin: String, limit: u64 },
}

/// A count that may exceed any machine's memory, spelled out exactly.
fn count(n: u128) -> String {
    n.to_string()
}
