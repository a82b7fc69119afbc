//! What fleet to emulate ([`FleetSpec`]), and what it asks of the machine: the ports and file
//! descriptors it needs, checked before anything is bound.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use super::error::EmulatorError;
use super::identity;
use super::platforms::PlatformMix;
use super::profile::Profile;

/// What fleet to emulate.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    pub devices: usize,
    /// 0: an ephemeral port per device (tests); otherwise device `i` listens on `base_port + i`.
    pub base_port: u16,
    /// Address to bind; 127.0.0.1 unless the caller explicitly asks for another.
    pub bind: IpAddr,
    /// One address per device instead of `bind` (the link emulator's 198.18.0.0/15 devices,
    /// inside a network namespace of its own). Every device then listens on the same port:
    /// `base_port`, or 22 when that is 0.
    pub addresses: Vec<IpAddr>,
    pub profile: Profile,
    /// Host keys, jitter and fault placement all derive from this.
    pub seed: u64,
    pub username: String,
    pub password: String,
    /// Enable secret.
    pub secret: String,
    /// vty lines per device: concurrent sessions beyond this are refused, the way the
    /// device's platform refuses them ([`crate::platforms::vty_refusal`]). The profile's
    /// `vty=N` takes precedence.
    pub max_sessions: usize,
    /// OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) that may log in as
    /// `username` with public-key auth. Empty (the default): only password and
    /// keyboard-interactive auth are offered, as on a stock IOS vty.
    pub authorized_keys: Vec<String>,
    /// Record every session the devices serve ([`super::record`]); read with
    /// [`super::EmulatedFleet::take_sessions`]. Off by default: records cost memory per session.
    pub record: bool,
    /// Where `write memory` keeps each device's startup-config (`R1.startup-config`, ...),
    /// read back at start so saved configs survive a restart. `None`: in memory only.
    pub state_dir: Option<PathBuf>,
    /// Which platform each device speaks: all `cisco_ios` by default (the classic fleet).
    pub platforms: PlatformMix,
    /// Serve only these devices (indices into the whole fleet, ascending): one shard of a
    /// larger fleet ([`crate::shard`]). Names, ports, host keys and faults stay those of the
    /// whole fleet, so the shards together are exactly the unsharded fleet. `None`: all.
    pub only: Option<Vec<usize>>,
    /// A jump host in front of the fleet ([`crate::bastion`]); its limits are the profile's.
    pub bastion: Option<BastionSpec>,
}

/// The fleet's jump host: where it listens and who may log in. Public-key auth is offered
/// too, for the client key [`crate::EmulatedFleet::bastion`] gives (what the written
/// inventories hand to `ssh -W`).
#[derive(Debug, Clone)]
pub struct BastionSpec {
    /// 0: an ephemeral port on the fleet's address.
    pub port: u16,
    pub username: String,
    pub password: String,
}

impl Default for BastionSpec {
    /// An ephemeral port, user `jump`, password `jump`.
    fn default() -> Self {
        BastionSpec {
            port: 0,
            username: "jump".into(),
            password: "jump".into(),
        }
    }
}

impl FleetSpec {
    /// `devices` routers on ephemeral loopback ports, cisco/cisco/cisco, 5 vty lines, seed 1.
    pub fn new(devices: usize, profile: Profile) -> Self {
        FleetSpec {
            devices,
            base_port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            addresses: Vec::new(),
            profile,
            seed: 1,
            username: "cisco".into(),
            password: "cisco".into(),
            secret: "cisco".into(),
            max_sessions: 5,
            authorized_keys: Vec::new(),
            record: false,
            state_dir: None,
            only: None,
            platforms: PlatformMix::default(),
            bastion: None,
        }
    }

    /// True when device `index` is served here (see [`FleetSpec::only`]).
    pub(super) fn serves(&self, index: usize) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.binary_search(&index).is_ok())
    }

    pub(super) fn validate(&self) -> Result<(), EmulatorError> {
        if self.devices == 0 {
            return Err(EmulatorError::Spec("at least one device is needed".into()));
        }
        if self.devices > identity::MAX_DEVICES {
            return Err(EmulatorError::Spec(format!(
                "at most {} devices (their addresses in 198.18.0.0/15 would repeat beyond that)",
                identity::MAX_DEVICES
            )));
        }
        if let Some(b) = &self.bastion {
            if b.username.is_empty() {
                return Err(EmulatorError::Spec("the bastion needs a user name".into()));
            }
            if !self.addresses.is_empty() {
                // Its place would be between the two namespaces; not emulated yet.
                return Err(EmulatorError::Spec(
                    "a bastion in front of a fleet behind the link emulator is not emulated".into(),
                ));
            }
        }
        if self.max_sessions == 0 {
            return Err(EmulatorError::Spec(
                "max_sessions must be at least 1".into(),
            ));
        }
        if !self.addresses.is_empty() && self.addresses.len() != self.devices {
            return Err(EmulatorError::Spec(format!(
                "{} addresses for {} devices",
                self.addresses.len(),
                self.devices
            )));
        }
        if self.addresses.is_empty()
            && self.base_port != 0
            && self.base_port as usize + self.devices - 1 > u16::MAX as usize
        {
            return Err(EmulatorError::Spec(format!(
                "ports {}..{} do not fit below 65536",
                self.base_port,
                self.base_port as usize + self.devices - 1
            )));
        }
        if let Some(only) = &self.only {
            if only.is_empty() || only.windows(2).any(|w| w[0] >= w[1]) {
                return Err(EmulatorError::Spec(
                    "the devices to serve must be a non-empty ascending list".into(),
                ));
            }
            if only.iter().any(|&i| i >= self.devices) {
                return Err(EmulatorError::Spec(format!(
                    "a device to serve is outside the fleet of {}",
                    self.devices
                )));
            }
        }
        self.check_resources()
    }

    /// Refuses at once a fleet this machine cannot bind, rather than after binding most of it
    /// (a listener per device, and with `base_port` 0 an ephemeral port per device).
    pub(super) fn check_resources(&self) -> Result<(), EmulatorError> {
        let served = self.only.as_ref().map_or(self.devices, Vec::len) as u64;
        if self.base_port == 0
            && let Some((low, high)) = ephemeral_range()
        {
            let ports = u64::from(high.saturating_sub(low)) + 1;
            if served > ports {
                return Err(EmulatorError::Spec(format!(
                    "{served} devices on ephemeral ports, but the kernel's ephemeral range \
                     {low}-{high} has {ports}; give a base port below {low}"
                )));
            }
        }
        let limit = fleetbench_rusage::raise_nofile_limit();
        if limit > 0 && served + FD_HEADROOM > limit {
            return Err(EmulatorError::Spec(format!(
                "{served} devices need at least {} open files (a listener each, plus \
                 connections); the limit here is {limit} (ulimit -n)",
                served + FD_HEADROOM
            )));
        }
        Ok(())
    }
}

/// File descriptors kept free beyond one listener per device: the runtime, log files, and a
/// few connections.
pub(super) const FD_HEADROOM: u64 = 64;

/// The kernel's ephemeral port range (`net.ipv4.ip_local_port_range`), where port 0 binds.
pub(super) fn ephemeral_range() -> Option<(u16, u16)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(|p| p.parse::<u16>().ok());
    Some((it.next()??, it.next()??))
}
