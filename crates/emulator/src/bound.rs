//! A fleet bound to its ports but not serving yet ([`BoundFleet`]), and what clients see of it
//! ([`FleetView`]: its devices, host keys and inventory). Both ways to run a fleet start here.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use rand::Rng;
use russh::keys::HashAlg;
use tokio::sync::watch;

use super::aaa::AaaServer;
use super::bastion::{self, BastionState, Counters};
use super::config::Shared;
use super::error::EmulatorError;
use super::fault::{self, DeviceFaults};
use super::identity::{self, FleetLayout};
use super::keys::{
    bastion_client_key, bastion_config, bastion_host_key, host_key, legacy_host_key, ssh_config,
};
use super::login_block::LoginWatch;
use super::profile::BastionLimits;
use super::profile::SshStack;
use super::record::Recorder;
use super::seed::session_rng;
use super::server::{self, DeviceState, Port, SessionGauge};
use super::spec::FleetSpec;
use fleetbench_inventory::Format;
use fleetbench_inventory::Secret;
use fleetbench_inventory::platform::Platform;
use fleetbench_inventory::write::{self, JumpFiles, WriteOptions};
use fleetbench_inventory::{Bastion, DEFAULT_TIMEOUT, Device};

/// One running device, as clients see it.
#[derive(Debug, Clone)]
pub(super) struct DeviceInfo {
    pub(super) name: String,
    pub(super) host: String,
    pub(super) port: u16,
    /// `ssh-ed25519 BASE64`
    pub(super) host_key: String,
    pub(super) fingerprint: String,
    pub(super) faults: DeviceFaults,
    pub(super) platform: &'static Platform,
}

/// The client-side view of a fleet (shared by [`EmulatedFleet`](super::EmulatedFleet) and
/// [`serve_foreground`](super::serve_foreground)).
#[derive(Debug, Clone)]
pub(super) struct FleetView {
    pub(super) username: String,
    pub(super) password: String,
    pub(super) secret: String,
    pub(super) devices: Vec<DeviceInfo>,
    /// Name, address and port of every device of the whole fleet, for the written inventory: with
    /// [`FleetSpec::only`] and a fixed base port, the devices other shards serve too, so
    /// every shard writes the same inventory and `run --shard I/N` on it picks exactly the
    /// devices shard I serves. Otherwise the served devices.
    pub(super) inventory: Vec<(String, String, u16, &'static Platform)>,
    /// The jump host in front of the fleet, if any.
    pub(super) bastion: Option<EmulatedBastion>,
    /// The sessions its devices hold open now.
    pub(super) gauge: Arc<SessionGauge>,
}

/// The fleet's jump host as clients see it (`--bastion`).
#[derive(Debug, Clone)]
pub struct EmulatedBastion {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Secret,
    /// `ssh-ed25519 BASE64`
    pub host_key: String,
    pub fingerprint: String,
    /// The client key it accepts for `username`, as an OpenSSH private key file's text.
    pub client_key: Secret,
    /// What it enforces (the profile's `startups`, `max-sessions`, `bastion-grace`).
    pub limits: BastionLimits,
    pub(super) counters: Arc<Counters>,
}

impl EmulatedBastion {
    /// How devices name it: password auth (the client key is for the written inventories).
    pub fn for_devices(&self) -> Bastion {
        Bastion {
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            password: Some(self.password.clone()),
            key_file: None,
        }
    }

    /// Its known_hosts pattern (`[host]:port`, or the host alone on port 22).
    pub fn known_hosts_pattern(&self) -> String {
        known_hosts_pattern(&self.host, self.port)
    }

    /// What a written inventory needs beside it to reach the devices through this bastion
    /// with `ssh -W`: the client key, and the known_hosts line pinning the bastion's key.
    pub fn jump_files(&self) -> JumpFiles {
        JumpFiles {
            client_key: Some(self.client_key.clone()),
            known_hosts: Some(format!("{} {}", self.known_hosts_pattern(), self.host_key)),
        }
    }
}

fn known_hosts_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

impl FleetView {
    pub(super) fn devices(&self) -> Vec<Device> {
        self.devices
            .iter()
            .map(|d| Device {
                name: d.name.clone(),
                host: d.host.clone(),
                port: d.port,
                username: self.username.clone(),
                password: Some(Secret::new(self.password.clone())),
                secret: Some(Secret::new(self.secret.clone())),
                key_file: None,
                device_type: d.platform.device_type.into(),
                timeout: DEFAULT_TIMEOUT,
                algorithms: Default::default(),
                bastion: self.bastion.as_ref().map(EmulatedBastion::for_devices),
            })
            .collect()
    }

    /// Every device's host key (`type base64`), keyed by its known_hosts pattern, and the
    /// bastion's.
    /// The fleet's host keys as known_hosts lines (`[host]:port type base64`), devices in
    /// order, then the bastion's.
    pub fn known_hosts_lines(&self) -> Vec<String> {
        self.devices
            .iter()
            .map(|d| format!("{} {}", known_hosts_pattern(&d.host, d.port), d.host_key))
            .chain(
                self.bastion
                    .iter()
                    .map(|b| format!("{} {}", b.known_hosts_pattern(), b.host_key)),
            )
            .collect()
    }

    pub(super) fn known_hosts(&self) -> HashMap<String, Vec<String>> {
        self.devices
            .iter()
            .map(|d| {
                (
                    known_hosts_pattern(&d.host, d.port),
                    vec![d.host_key.clone()],
                )
            })
            .chain(
                self.bastion
                    .iter()
                    .map(|b| (b.known_hosts_pattern(), vec![b.host_key.clone()])),
            )
            .collect()
    }

    /// The devices of the written inventory (the whole fleet, see `inventory`).
    pub(super) fn inventory_devices(&self) -> Vec<Device> {
        self.inventory
            .iter()
            .map(|(name, host, port, platform)| Device {
                name: name.clone(),
                host: host.clone(),
                port: *port,
                username: self.username.clone(),
                password: Some(Secret::new(self.password.clone())),
                secret: Some(Secret::new(self.secret.clone())),
                key_file: None,
                device_type: platform.device_type.into(),
                timeout: DEFAULT_TIMEOUT,
                algorithms: Default::default(),
                bastion: self.bastion.as_ref().map(EmulatedBastion::for_devices),
            })
            .collect()
    }

    /// The jump host's files for written inventories (none without one).
    pub(super) fn jump_files(&self) -> JumpFiles {
        self.bastion
            .as_ref()
            .map_or_else(JumpFiles::default, EmulatedBastion::jump_files)
    }

    pub(super) fn inventory_yaml(&self) -> String {
        let path = Path::new("devices.yaml");
        write::render_with(
            path,
            Format::Netmiko,
            &self.inventory_devices(),
            EMULATED_INVENTORY,
            &self.jump_files(),
        )
        .into_iter()
        // The inventory alone: a bastion's side files exist only where
        // `EmulatedFleet::write_inventory` writes them.
        .filter(|(p, _)| p == path)
        .map(|(_, text)| text)
        .collect()
    }
}

/// Inventories of emulated fleets: their host keys are new to every client.
pub const EMULATED_INVENTORY: WriteOptions = WriteOptions {
    check_host_keys: false,
};

/// Listeners bound, devices prepared, nothing served yet.
pub(super) struct BoundFleet {
    pub(super) view: FleetView,
    pub(super) ports: Vec<(Arc<DeviceState>, Port)>,
    pub(super) bastion: Option<(Arc<BastionState>, Port)>,
}

impl BoundFleet {
    /// Binds every device's port (inside a tokio runtime).
    pub(super) fn bind(
        spec: &FleetSpec,
        recorder: Option<Arc<Recorder>>,
    ) -> Result<BoundFleet, EmulatorError> {
        spec.validate()?;
        let faults = fault::assign(&spec.profile.faults, spec.devices, spec.seed);
        let platforms = spec.platforms.assign(spec.devices, spec.seed);
        let profile = Arc::new(spec.profile.clone());
        let authorized = spec
            .authorized_keys
            .iter()
            .enumerate()
            .map(|(i, line)| {
                russh::keys::PublicKey::from_openssh(line.trim())
                    .map_err(|e| EmulatorError::Spec(format!("authorized key {}: {e}", i + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let authorized = Arc::new(authorized);
        // One AAA server for every device this process serves.
        let aaa = spec
            .profile
            .limits
            .aaa
            .map(|a| Arc::new(AaaServer::new(a, spec.profile.jitter, spec.seed)));
        let now = Utc::now();
        let gauge = Arc::new(SessionGauge::default());
        let mut ports = Vec::with_capacity(spec.devices);
        let mut infos = Vec::with_capacity(spec.devices);
        for (index, faults) in faults.into_iter().enumerate() {
            if !spec.serves(index) {
                continue;
            }
            let key = match spec.profile.ssh {
                SshStack::Modern => host_key(spec.seed, index)?,
                SshStack::Legacy => legacy_host_key()?,
            };
            let public = key.public_key();
            let host_key = public
                .to_openssh()
                .map_err(|e| EmulatorError::HostKey {
                    index,
                    message: e.to_string(),
                })?
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
            let (ip, port_no) = match spec.addresses.get(index) {
                Some(ip) if spec.base_port == 0 => (*ip, 22),
                Some(ip) => (*ip, spec.base_port),
                None if spec.base_port == 0 => (spec.bind, 0),
                None => (spec.bind, spec.base_port + index as u16),
            };
            let addr = SocketAddr::new(ip, port_no);
            let port = Port::bind(addr, faults.refuse)
                .map_err(|source| EmulatorError::Bind { addr, source })?;
            let port_no = port
                .local_addr()
                .map_err(|source| EmulatorError::Bind { addr, source })?
                .port();
            let password = if faults.wrong_password {
                format!("{}-but-not-this-one", spec.password)
            } else {
                spec.password.clone()
            };
            // A plausible, device-specific uptime (1 hour to 60 days), stable per seed.
            let up_minutes = session_rng(spec.seed ^ 0xB007, index, 0).random_range(60..86_400);
            let mut dev = DeviceState::new(
                index,
                spec.username.clone(),
                password,
                spec.secret.clone(),
                faults.clone(),
                profile.clone(),
                spec.seed,
                now - chrono::TimeDelta::minutes(up_minutes),
                spec.profile.limits.vty.unwrap_or(spec.max_sessions),
                Arc::new(ssh_config(key, !authorized.is_empty(), spec.profile.ssh)),
                Arc::new(Shared::new(
                    FleetLayout::new(spec.devices, spec.seed),
                    index,
                    spec.profile.ssh,
                    spec.state_dir.clone(),
                )),
            );
            dev.authorized_keys = authorized.clone();
            dev.recorder = recorder.clone();
            dev.gauge = gauge.clone();
            dev.aaa = aaa.clone();
            dev.watch = spec
                .profile
                .limits
                .block_for
                .map(|b| std::sync::Mutex::new(LoginWatch::new(b)));
            let host = if ip.is_unspecified() {
                Ipv4Addr::LOCALHOST.to_string()
            } else {
                ip.to_string()
            };
            dev.platform = platforms
                .get(index)
                .copied()
                .unwrap_or_else(Platform::default_platform);
            dev.exec_timeout = spec
                .profile
                .exec_timeout
                .resolve(crate::platforms::default_exec_timeout(dev.platform));
            infos.push(DeviceInfo {
                name: dev.hostname.clone(),
                host,
                port: port_no,
                host_key,
                fingerprint,
                faults,
                platform: dev.platform,
            });
            ports.push((Arc::new(dev), port));
        }
        let bind_host = if spec.bind.is_unspecified() {
            Ipv4Addr::LOCALHOST.to_string()
        } else {
            spec.bind.to_string()
        };
        let inventory = if spec.only.is_some() && spec.base_port != 0 {
            (0..spec.devices)
                .map(|i| {
                    let platform = platforms
                        .get(i)
                        .copied()
                        .unwrap_or_else(Platform::default_platform);
                    (
                        identity::hostname(i),
                        bind_host.clone(),
                        spec.base_port + i as u16,
                        platform,
                    )
                })
                .collect()
        } else {
            infos
                .iter()
                .map(|d| (d.name.clone(), d.host.clone(), d.port, d.platform))
                .collect()
        };
        let bastion = match &spec.bastion {
            None => None,
            Some(b) => Some(bind_bastion(spec, b, &infos)?),
        };
        Ok(BoundFleet {
            view: FleetView {
                gauge,
                username: spec.username.clone(),
                password: spec.password.clone(),
                secret: spec.secret.clone(),
                devices: infos,
                inventory,
                bastion: bastion.as_ref().map(|(view, _, _)| view.clone()),
            },
            ports,
            bastion: bastion.map(|(_, state, port)| (state, port)),
        })
    }

    /// Starts every accept loop on the current runtime.
    pub(super) fn spawn(
        self,
        stop: &watch::Receiver<bool>,
    ) -> (FleetView, Vec<tokio::task::JoinHandle<()>>) {
        let mut tasks: Vec<_> = self
            .ports
            .into_iter()
            .map(|(dev, port)| tokio::spawn(server::serve_device(dev, port, stop.clone())))
            .collect();
        if let Some((state, Port::Listening(listener))) = self.bastion {
            tasks.push(tokio::spawn(bastion::serve(state, listener, stop.clone())));
        }
        (self.view, tasks)
    }
}

/// Binds the jump host on the fleet's address, its targets the served devices.
fn bind_bastion(
    spec: &FleetSpec,
    b: &super::spec::BastionSpec,
    devices: &[DeviceInfo],
) -> Result<(EmulatedBastion, Arc<BastionState>, Port), EmulatorError> {
    let key = bastion_host_key(spec.seed)?;
    let key_err = |message: String| EmulatorError::HostKey { index: 0, message };
    let host_key = key
        .public_key()
        .to_openssh()
        .map_err(|e| key_err(e.to_string()))?
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let client = bastion_client_key(spec.seed)?;
    let client_text = client
        .to_openssh(russh::keys::ssh_key::LineEnding::LF)
        .map_err(|e| key_err(e.to_string()))?
        .to_string();
    let addr = SocketAddr::new(spec.bind, b.port);
    let port = Port::bind(addr, false).map_err(|source| EmulatorError::Bind { addr, source })?;
    let port_no = port
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr, source })?
        .port();
    let targets = devices
        .iter()
        .filter_map(|d| Some(SocketAddr::new(d.host.parse().ok()?, d.port)))
        .collect();
    let counters = Arc::new(Counters::default());
    let state = Arc::new(BastionState {
        username: b.username.clone(),
        password: b.password.clone(),
        authorized_keys: vec![client.public_key().clone()],
        limits: spec.profile.bastion,
        seed: spec.seed,
        targets,
        config: Arc::new(bastion_config(key)),
        counters: counters.clone(),
    });
    let host = if spec.bind.is_unspecified() {
        Ipv4Addr::LOCALHOST.to_string()
    } else {
        spec.bind.to_string()
    };
    let view = EmulatedBastion {
        host,
        port: port_no,
        username: b.username.clone(),
        password: Secret::new(b.password.clone()),
        host_key,
        fingerprint,
        client_key: Secret::new(client_text),
        limits: spec.profile.bastion,
        counters,
    };
    Ok((view, state, port))
}
