//! The fleet a run polls: devices, the host key check they are held to, what the report says
//! about them, and for an emulated fleet the emulator itself (kept alive for the run, and
//! asked for its CPU so client CPU can be told apart from it), or an emulated fleet behind
//! the link emulator ([`fleetbench_netem`]) with its traffic counters.

use fleetbench_client::hostkeys::{self, HostKeyCheck, HostKeyError, HostKeyPolicy};
use fleetbench_emulator::{EmulatedFleet, EmulatorError, FleetSpec, Profile};
use fleetbench_inventory::Device;
use fleetbench_netem::{Method, NetworkSpec, Traffic};
use fleetbench_report::network::{NetworkReport, StrategyNetwork};
pub use networked::{NetworkedFleet, NetworkedFleetError};

mod networked;
use crate::shard::ShardInfo;
use fleetbench_client::jump::JumpPlan;
use fleetbench_report::DeviceResult;
use fleetbench_report::FleetInfo;
use fleetbench_report::bastion::{BastionCounts, BastionInfo, BastionLimits};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The known_hosts file an inventory brings with it, if there is one: beside it, named after
/// it (`devices.yaml` → `devices.known_hosts`; a Nornir folder's `hosts.known_hosts`), as
/// `emulate --write-inventory` writes it.
pub fn inventory_known_hosts(inventory: &Path) -> Option<PathBuf> {
    let f = fleetbench_inventory::write::known_hosts_beside(inventory);
    f.is_file().then_some(f)
}

/// Devices and what comes with them.
pub struct Fleet {
    pub devices: Vec<Device>,
    pub info: FleetInfo,
    pub host_keys: HostKeyCheck,
    /// Where host keys accepted under accept-new are recorded (inventory fleets only).
    pub known_hosts_out: Option<PathBuf>,
    /// The shard of a larger fleet these devices are (`--shard`), if any.
    pub shard: Option<ShardInfo>,
    /// An emulated fleet with shared limits (`aaa`, `vty`, `block-for`): it records its
    /// sessions, and reports say what the limits did.
    pub limits: bool,
    emulated: Option<EmulatedFleet>,
    network: Option<NetworkedFleet>,
    /// The report's `bastion` object, when devices go through a jump host.
    pub bastion: Option<BastionInfo>,
    /// Why no ssh-agent can log in the devices that have neither a password nor a key file
    /// (set at load when some do): they end `no_credentials` without a connection.
    pub no_agent: Option<String>,
}

impl Fleet {
    /// Starts `spec` in this process on loopback; `profile_name` is what the report shows.
    /// With [`FleetSpec::only`], the fleet is the devices served.
    /// A profile with shared limits makes the fleet record its sessions: their refusals are
    /// told from the devices' record.
    pub fn emulated(mut spec: FleetSpec, profile_name: &str) -> Result<Fleet, EmulatorError> {
        let limits = spec.profile.limits.any();
        spec.record |= limits;
        let fleet = EmulatedFleet::start(spec)?;
        let devices = fleet.devices();
        Ok(Fleet {
            info: FleetInfo {
                devices: devices.len(),
                emulated: true,
                profile: Some(profile_name.to_string()),
                inventory: None,
            },
            devices,
            host_keys: HostKeyCheck::strict(fleet.known_hosts()),
            known_hosts_out: None,
            shard: None,
            limits,
            emulated: Some(fleet),
            network: None,
            bastion: None,
            no_agent: None,
        })
    }

    /// Starts `spec` behind the emulated `network` ([`NetworkedFleet::start`]: with the `tun`
    /// method the calling thread moves into the client namespace, and an unprivileged process
    /// must not have started a thread yet).
    pub fn behind_network(
        mut spec: FleetSpec,
        profile_name: &str,
        network: &NetworkSpec,
        method: Method,
    ) -> Result<Fleet, NetworkedFleetError> {
        let n = spec.devices;
        let limits = spec.profile.limits.any();
        spec.record |= limits;
        let fleet = NetworkedFleet::start(network, method, spec)?;
        Ok(Fleet {
            devices: fleet.devices(),
            info: FleetInfo {
                devices: n,
                emulated: true,
                profile: Some(profile_name.to_string()),
                inventory: None,
            },
            host_keys: fleet.host_key_check(),
            known_hosts_out: None,
            emulated: None,
            network: Some(fleet),
            shard: None,
            bastion: None,
            limits,
            no_agent: None,
        })
    }

    /// The fleet's link, when it is behind `--network`.
    pub fn network(&self) -> Option<&NetworkedFleet> {
        self.network.as_ref()
    }

    /// The report's `network` object for sessions of `commands` commands, if any.
    pub fn network_report(&self, commands: usize) -> Option<NetworkReport> {
        self.network.as_ref().map(|n| n.report(commands))
    }

    /// Traffic through the link so far (`tun` networks only).
    pub fn traffic(&self) -> Option<Traffic> {
        self.network.as_ref().and_then(NetworkedFleet::traffic)
    }

    /// One strategy's network summary ([`NetworkedFleet::strategy_network`]).
    pub fn strategy_network(
        &self,
        strategy: &str,
        results: &[DeviceResult],
        commands: &[String],
        since: Option<Traffic>,
        sessions: u64,
    ) -> Option<StrategyNetwork> {
        self.network
            .as_ref()
            .map(|n| n.strategy_network(strategy, results, commands, since, sessions))
    }

    /// An emulated fleet of `n` devices with `profile`, on ephemeral ports.
    pub fn emulated_n(
        n: usize,
        profile: Profile,
        profile_name: &str,
        seed: u64,
    ) -> Result<Fleet, EmulatorError> {
        let mut spec = FleetSpec::new(n, profile);
        spec.seed = seed;
        spec.base_port = 0;
        Fleet::emulated(spec, profile_name)
    }

    /// Devices from the inventory file `path`, checked against `known_hosts` files under
    /// `policy`: the file given (`--known-hosts`), else the inventory's own known_hosts file
    /// beside it when there is one ([`inventory_known_hosts`]: what `emulate
    /// --write-inventory` writes), checked strictly (`insecure` stays insecure) and never
    /// written to, else the user's defaults (`~/.ssh/known_hosts` read-only, fleetbench's
    /// own file, which accept-new adds to).
    pub fn from_inventory(
        devices: Vec<Device>,
        path: &Path,
        policy: HostKeyPolicy,
        known_hosts: Option<&Path>,
    ) -> Result<Fleet, HostKeyError> {
        let (files, out, policy) = match (known_hosts, inventory_known_hosts(path)) {
            (Some(f), _) => (vec![f.to_path_buf()], Some(f.to_path_buf()), policy),
            (None, Some(beside)) => (
                vec![beside],
                None,
                match policy {
                    HostKeyPolicy::Insecure => HostKeyPolicy::Insecure,
                    _ => HostKeyPolicy::Strict,
                },
            ),
            (None, None) => (
                hostkeys::default_known_hosts_files(),
                Some(hostkeys::default_write_file()),
                policy,
            ),
        };
        let host_keys = HostKeyCheck::load(policy, &files)?;
        Ok(Fleet {
            info: FleetInfo {
                devices: devices.len(),
                emulated: false,
                profile: None,
                inventory: Some(path.display().to_string()),
            },
            devices,
            host_keys,
            known_hosts_out: out.filter(|_| policy == HostKeyPolicy::AcceptNew),
            shard: None,
            limits: false,
            emulated: None,
            network: None,
            bastion: None,
            no_agent: None,
        })
    }

    /// Says in the report how the devices reach their jump hosts, if they have any.
    pub fn set_bastion_plan(&mut self, plan: JumpPlan) {
        let mut addresses: Vec<String> = self
            .devices
            .iter()
            .filter_map(|d| d.bastion.as_ref().map(fleetbench_inventory::Bastion::label))
            .collect();
        addresses.sort();
        addresses.dedup();
        if addresses.is_empty() {
            self.bastion = None;
            return;
        }
        let emulated = self.emulator().and_then(EmulatedFleet::bastion);
        self.bastion = Some(BastionInfo {
            mode: plan.mode,
            addresses,
            emulated: emulated.is_some(),
            channels_per_connection: plan.channels_per_connection,
            limits: emulated.map(|b| BastionLimits {
                startups: b.limits.startups.to_string(),
                max_sessions: b.limits.max_sessions,
                login_grace_s: b.limits.login_grace.as_secs_f64(),
            }),
        });
    }

    /// What the emulated jump host counted since the last call, if there is one.
    pub fn take_bastion_counts(&self) -> Option<BastionCounts> {
        let c = self.emulator()?.take_bastion_counts()?;
        Some(BastionCounts {
            connections: c.connections,
            dropped_at_startup: c.dropped_at_startup,
            authenticated: c.authenticated,
            channels_opened: c.channels_opened,
            channels_refused: c.channels_refused,
            peak_pending: c.peak_pending,
        })
    }

    /// CPU the in-process emulator has used so far (zero for real fleets).
    pub fn server_cpu(&self) -> Duration {
        self.emulated
            .as_ref()
            .or(self.network.as_ref().map(NetworkedFleet::emulated))
            .map_or(Duration::ZERO, EmulatedFleet::server_cpu)
    }

    /// Records the host keys accepted under accept-new in `results`; returns how many lines
    /// were offered and where, or `None` when there was nothing to record.
    pub fn record_new_keys(
        &self,
        results: &[DeviceResult],
    ) -> Result<Option<(usize, &Path)>, HostKeyError> {
        let Some(out) = &self.known_hosts_out else {
            return Ok(None);
        };
        let lines: Vec<String> = results
            .iter()
            .filter_map(|r| r.new_host_key.clone())
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        hostkeys::append_known_hosts(out, &lines)?;
        Ok(Some((lines.len(), out)))
    }

    /// The in-process emulator, if this fleet is one (its session record, for external
    /// pollers and `--device-view`).
    pub fn emulator(&self) -> Option<&EmulatedFleet> {
        self.emulated
            .as_ref()
            .or(self.network.as_ref().map(NetworkedFleet::emulated))
    }

    /// The records of every session the in-process emulator served since the last call
    /// (empty unless it records: `--device-view`, external pollers, shared limits).
    pub fn take_records(&self) -> Vec<fleetbench_emulator::SessionRecord> {
        self.emulator()
            .map_or_else(Vec::new, EmulatedFleet::take_sessions)
    }

    /// Stops the emulator, if any (dropping the fleet does it too).
    pub fn stop(self) {
        if let Some(f) = self.emulated {
            f.stop();
        }
        drop(self.network);
    }
}
