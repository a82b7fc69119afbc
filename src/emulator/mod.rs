//! Emulated IOS-like routers: one russh SSH server per device on 127.0.0.1, embedded in the
//! binary, with seeded latency and fault profiles.
//!
//! # Parts
//! - [`ios`]: the CLI as a pure state machine (prompts, echo, `enable`, paging, config mode).
//! - [`identity`]: who each device is (hostname, serial, addresses, AS) and the fleet's
//!   cabling (a ring), as pure functions of the seed, the index and the fleet size.
//! - [`config`]: the running/startup config tree and configuration mode's edits of it.
//! - [`show`]: the `show` outputs, computed from the config and the identity.
//! - [`profile`]: latency profiles (`classic`, `instant`, `lan`, `latency-1s`, `chaos`, custom).
//! - [`fault`]: fault kinds, their spelling, and their seeded assignment to devices.
//! - `server`: listeners, the russh handler, per-channel tasks that apply delays and faults.
//! - [`record`]: the devices' own record of each session (off unless [`FleetSpec::record`]).
//!
//! # Two ways to run a fleet
//! - [`EmulatedFleet::start`]: on its own 2-thread tokio runtime (threads `emu-N`) on its own
//!   std threads, so blocking clients in the caller's threads (or another runtime) can use it;
//!   [`EmulatedFleet::server_cpu`] tells its CPU time apart from the client's.
//! - [`serve_foreground`]: on the caller's runtime, for `fleetbench emulate`.
//!
//! # Invariants
//! - Nothing binds a non-loopback address unless the caller passes one in [`FleetSpec::bind`].
//! - A delay never blocks a connection's event loop: the russh handler only forwards bytes.
//! - Everything random (host keys, jitter, fault placement) derives from [`FleetSpec::seed`].
//! - Passwords and secrets are never printed (the inventory file, which must hold them, aside).

pub mod config;
pub mod engine;
pub mod fault;
pub mod identity;
pub mod ios;
pub mod platforms;
pub mod profile;
pub mod record;
mod seed;
pub mod setup;
pub mod show;

mod cpu;
mod foreground;
mod keys;
pub mod memlock;
mod server;
mod spec;
pub use foreground::{serve_foreground, serve_foreground_with};
use keys::*;

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};
use russh::{MethodKind, MethodSet};
use tokio::sync::watch;

use crate::device::{DEFAULT_TIMEOUT, Device};
use crate::hostkeys::{HostKeyCheck, HostKeyPolicy};
use crate::inventory::Format;
use crate::inventory::write::{self, WriteOptions};
use crate::platform::Platform;
use crate::secret::Secret;

pub use fault::{DeviceFaults, Fault, FaultRule, FaultTarget};
pub use platforms::{MixError, PlatformMix};
pub use profile::Profile;
pub use record::{End, SessionRecord};
pub use server::{ESCAPE_CODES, MAX_PREAUTH, WEIRD_PROMPT};

use cpu::CpuTracker;
use server::{DeviceState, Port};

/// Errors of the emulator. None of them carries a password or secret.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("invalid profile '{spec}': {reason}")]
    Profile { spec: String, reason: String },
    #[error("invalid fleet: {0}")]
    Spec(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the emulator runtime: {0}")]
    Runtime(std::io::Error),
    #[error("host key for device {index}: {message}")]
    HostKey { index: usize, message: String },
    #[error("cannot write inventory {path}: {source}")]
    Inventory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the session record {path}: {source}")]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
}

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
    /// vty lines per device: concurrent authenticated sessions beyond this are refused.
    pub max_sessions: usize,
    /// OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) that may log in as
    /// `username` with public-key auth. Empty (the default): only password and
    /// keyboard-interactive auth are offered, as on a stock IOS vty.
    pub authorized_keys: Vec<String>,
    /// Record every session the devices serve ([`record`]); read with
    /// [`EmulatedFleet::take_sessions`]. Off by default: records cost memory per session.
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
}

/// The name (and prompt hostname) of device `index` of an emulated fleet: `R1`, `R2`, ...
pub fn device_name(index: usize) -> String {
    identity::hostname(index)
}

/// One running device, as clients see it.
#[derive(Debug, Clone)]
struct DeviceInfo {
    name: String,
    host: String,
    port: u16,
    /// `ssh-ed25519 BASE64`
    host_key: String,
    fingerprint: String,
    faults: DeviceFaults,
    platform: &'static Platform,
}

/// The client-side view of a fleet (shared by [`EmulatedFleet`] and [`serve_foreground`]).
#[derive(Debug, Clone)]
struct FleetView {
    username: String,
    password: String,
    secret: String,
    devices: Vec<DeviceInfo>,
    /// Name, address and port of every device of the whole fleet, for the written inventory: with
    /// [`FleetSpec::only`] and a fixed base port, the devices other shards serve too, so
    /// every shard writes the same inventory and `run --shard I/N` on it picks exactly the
    /// devices shard I serves. Otherwise the served devices.
    inventory: Vec<(String, String, u16, &'static Platform)>,
}

impl FleetView {
    fn devices(&self) -> Vec<Device> {
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
            })
            .collect()
    }

    fn host_key_check(&self) -> HostKeyCheck {
        let known: HashMap<String, Vec<String>> = self
            .devices
            .iter()
            .map(|d| {
                let pattern = if d.port == 22 {
                    d.host.clone()
                } else {
                    format!("[{}]:{}", d.host, d.port)
                };
                (pattern, vec![d.host_key.clone()])
            })
            .collect();
        HostKeyCheck {
            policy: HostKeyPolicy::Strict,
            known,
            origins: Default::default(),
        }
    }

    /// The devices of the written inventory (the whole fleet, see `inventory`).
    fn inventory_devices(&self) -> Vec<Device> {
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
            })
            .collect()
    }

    fn inventory_yaml(&self) -> String {
        let path = Path::new("devices.yaml");
        write::render(
            path,
            Format::Netmiko,
            &self.inventory_devices(),
            EMULATED_INVENTORY,
        )
        .into_iter()
        .map(|(_, text)| text)
        .collect()
    }
}

/// Inventories of emulated fleets: their host keys are new to every client.
pub const EMULATED_INVENTORY: WriteOptions = WriteOptions {
    check_host_keys: false,
};

/// What `fleetbench emulate` writes besides serving.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// The inventory and its format; written once every listener is bound.
    pub inventory: Option<(PathBuf, Format)>,
    /// Append every session's record here, a JSON line each ([`record`]), as it ends.
    pub record: Option<PathBuf>,
}

/// Listeners bound, devices prepared, nothing served yet.
struct BoundFleet {
    view: FleetView,
    ports: Vec<(Arc<DeviceState>, Port)>,
}

impl BoundFleet {
    /// Binds every device's port (inside a tokio runtime).
    fn bind(
        spec: &FleetSpec,
        recorder: Option<Arc<record::Recorder>>,
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
        let now = Utc::now();
        let mut ports = Vec::with_capacity(spec.devices);
        let mut infos = Vec::with_capacity(spec.devices);
        for (index, faults) in faults.into_iter().enumerate() {
            if !spec.serves(index) {
                continue;
            }
            let key = match spec.profile.ssh {
                profile::SshStack::Modern => host_key(spec.seed, index)?,
                profile::SshStack::Legacy => legacy_host_key()?,
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
            let up_minutes =
                seed::session_rng(spec.seed ^ 0xB007, index, 0).random_range(60..86_400);
            let mut dev = DeviceState::new(
                index,
                spec.username.clone(),
                password,
                spec.secret.clone(),
                faults.clone(),
                profile.clone(),
                spec.seed,
                now - chrono::TimeDelta::minutes(up_minutes),
                spec.max_sessions,
                Arc::new(ssh_config(key, !authorized.is_empty(), spec.profile.ssh)),
                Arc::new(config::Shared::new(
                    identity::Fleet::new(spec.devices, spec.seed),
                    index,
                    spec.profile.ssh,
                    spec.state_dir.clone(),
                )),
            );
            dev.authorized_keys = authorized.clone();
            dev.recorder = recorder.clone();
            let host = if ip.is_unspecified() {
                Ipv4Addr::LOCALHOST.to_string()
            } else {
                ip.to_string()
            };
            dev.platform = platforms
                .get(index)
                .copied()
                .unwrap_or_else(Platform::default_platform);
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
                        device_name(i),
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
        Ok(BoundFleet {
            view: FleetView {
                username: spec.username.clone(),
                password: spec.password.clone(),
                secret: spec.secret.clone(),
                devices: infos,
                inventory,
            },
            ports,
        })
    }

    /// Starts every accept loop on the current runtime.
    fn spawn(self, stop: &watch::Receiver<bool>) -> (FleetView, Vec<tokio::task::JoinHandle<()>>) {
        let tasks = self
            .ports
            .into_iter()
            .map(|(dev, port)| tokio::spawn(server::serve_device(dev, port, stop.clone())))
            .collect();
        (self.view, tasks)
    }
}

/// A running fleet on its own runtime. Dropping it stops every listener and joins its threads.
pub struct EmulatedFleet {
    view: FleetView,
    profile_name: String,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    cpu: Arc<CpuTracker>,
    recorder: Option<Arc<record::Recorder>>,
}

impl std::fmt::Debug for EmulatedFleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatedFleet")
            .field("devices", &self.view.devices.len())
            .field("host", &self.view.devices.first().map(|d| d.host.as_str()))
            .field("profile", &self.profile_name)
            .finish_non_exhaustive()
    }
}

impl EmulatedFleet {
    /// Binds every listener, then returns; the fleet serves until dropped or stopped.
    pub fn start(spec: FleetSpec) -> Result<EmulatedFleet, EmulatorError> {
        spec.validate()?;
        let cpu = Arc::new(CpuTracker::default());
        let (stop, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let runtime = {
            let (start_cpu, stop_cpu) = (cpu.clone(), cpu.clone());
            let next = AtomicUsize::new(0);
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name_fn(move || format!("emu-{}", next.fetch_add(1, Ordering::Relaxed)))
                .on_thread_start(move || start_cpu.register_current())
                .on_thread_stop(move || stop_cpu.unregister_current())
                .enable_all()
                .build()
                .map_err(EmulatorError::Runtime)?
        };
        let profile_name = spec.profile.name().to_string();
        let recorder = spec.record.then(|| Arc::new(record::Recorder::in_memory()));
        let rec = recorder.clone();
        // block_on runs on a std thread of our own, so this works even when the caller is
        // itself inside a tokio runtime.
        let thread = std::thread::Builder::new()
            .name("emu-main".into())
            .spawn(move || {
                let mut stop_rx = stop_rx;
                runtime.block_on(async {
                    let bound = match BoundFleet::bind(&spec, rec) {
                        Ok(b) => b,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let (view, tasks) = bound.spawn(&stop_rx);
                    let _ = ready_tx.send(Ok(view));
                    server::stopped(&mut stop_rx).await;
                    for t in tasks {
                        let _ = t.await;
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .map_err(EmulatorError::Runtime)?;
        let view = match ready_rx.recv() {
            Ok(Ok(view)) => view,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(EmulatorError::Runtime(std::io::Error::other(
                    "emulator thread ended before binding",
                )));
            }
        };
        Ok(EmulatedFleet {
            view,
            profile_name,
            stop,
            thread: Some(thread),
            cpu,
            recorder,
        })
    }

    /// One [`Device`] per router: name `R1`.., host 127.0.0.1, its port, the credentials a
    /// client should use (a `wrong-password` device rejects them), the default timeout.
    pub fn devices(&self) -> Vec<Device> {
        self.view.devices()
    }

    /// Strict checking with every device's host key, keyed `[127.0.0.1]:PORT`.
    pub fn host_key_check(&self) -> HostKeyCheck {
        self.view.host_key_check()
    }

    /// The classic netmiko `devices.yaml` for this fleet (holds the credentials).
    pub fn inventory_yaml(&self) -> String {
        self.view.inventory_yaml()
    }

    /// Writes this fleet's inventory in `format` at `path` (files 0600; see
    /// [`crate::inventory::write`]); returns the files written.
    pub fn write_inventory(&self, path: &Path, format: Format) -> std::io::Result<Vec<PathBuf>> {
        write::write(
            path,
            format,
            &self.view.inventory_devices(),
            EMULATED_INVENTORY,
        )
    }

    /// The records of every session that ended since the last call (empty unless the fleet
    /// was started with [`FleetSpec::record`]), in the order they ended; waits up to 2 s for
    /// sessions still closing (a client that just returned closed them a moment ago).
    pub fn take_sessions(&self) -> Vec<SessionRecord> {
        self.recorder
            .as_ref()
            .map_or_else(Vec::new, |r| r.take_settled(Duration::from_secs(2)))
    }

    /// CPU time used so far by the emulator's runtime threads.
    pub fn server_cpu(&self) -> Duration {
        self.cpu.total()
    }

    /// The faults each device ended up with, in device order.
    pub fn device_faults(&self) -> Vec<DeviceFaults> {
        self.view.devices.iter().map(|d| d.faults.clone()).collect()
    }

    /// Each device's platform, in device order.
    pub fn platforms(&self) -> Vec<&'static Platform> {
        self.view.devices.iter().map(|d| d.platform).collect()
    }

    /// SHA256 host key fingerprints (`SHA256:...`), in device order.
    pub fn fingerprints(&self) -> Vec<String> {
        self.view
            .devices
            .iter()
            .map(|d| d.fingerprint.clone())
            .collect()
    }

    pub fn profile_name(&self) -> &str {
        &self.profile_name
    }

    /// Stops every listener and session and joins the runtime's threads.
    pub fn stop(self) {
        drop(self)
    }
}

impl Drop for EmulatedFleet {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
