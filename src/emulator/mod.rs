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
pub mod fault;
pub mod identity;
pub mod ios;
pub mod platforms;
pub mod profile;
pub mod record;
pub mod show;

mod cpu;
pub mod memlock;
mod server;

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
        }
    }

    /// True when device `index` is served here (see [`FleetSpec::only`]).
    fn serves(&self, index: usize) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.binary_search(&index).is_ok())
    }

    fn validate(&self) -> Result<(), EmulatorError> {
        if self.devices == 0 {
            return Err(EmulatorError::Spec("at least one device is needed".into()));
        }
        if self.devices > identity::MAX_DEVICES {
            return Err(EmulatorError::Spec(format!(
                "at most {} devices (their addresses in 198.18.0.0/15 would repeat beyond that)",
                identity::MAX_DEVICES
            )));
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
    fn check_resources(&self) -> Result<(), EmulatorError> {
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
        let limit = crate::measure::raise_nofile_limit();
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
const FD_HEADROOM: u64 = 64;

/// The kernel's ephemeral port range (`net.ipv4.ip_local_port_range`), where port 0 binds.
fn ephemeral_range() -> Option<(u16, u16)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(|p| p.parse::<u16>().ok());
    Some((it.next()??, it.next()??))
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
                profile::session_rng(spec.seed ^ 0xB007, index, 0).random_range(60..86_400);
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

/// The russh configuration of one device.
fn ssh_config(key: PrivateKey, publickey: bool, stack: profile::SshStack) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    if publickey {
        methods.push(MethodKind::PublicKey);
    }
    methods.push(MethodKind::Password);
    methods.push(MethodKind::KeyboardInteractive);
    russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-Cisco-1.25".into()),
        methods,
        // OpenSSH and libssh2 first probe with `none`; the default 1 s rejection delay would
        // apply to that probe too and add a second to every session.
        auth_rejection_time_initial: Some(Duration::ZERO),
        // A wrong password still costs a little, as on a real device.
        auth_rejection_time: Duration::from_millis(300),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(600)),
        nodelay: true,
        preferred: match stack {
            profile::SshStack::Modern => russh::Preferred::default(),
            profile::SshStack::Legacy => legacy_algorithms(),
        },
        ..Default::default()
    }
}

/// What an older IOS SSH stack offers (IOS 15.x before the SHA-2 updates): SHA-1 key
/// exchanges, an `ssh-rsa` (RSA/SHA-1) host key, CTR and CBC ciphers, `hmac-sha1`.
fn legacy_algorithms() -> russh::Preferred {
    use russh::{cipher, kex, mac};
    russh::Preferred {
        kex: Cow::Borrowed(&[kex::DH_G14_SHA1, kex::DH_GEX_SHA1, kex::DH_G1_SHA1]),
        key: Cow::Owned(vec![russh::keys::Algorithm::Rsa { hash: None }]),
        cipher: Cow::Borrowed(&[
            cipher::AES_128_CTR,
            cipher::AES_192_CTR,
            cipher::AES_256_CTR,
            cipher::AES_128_CBC,
            cipher::AES_256_CBC,
        ]),
        mac: Cow::Borrowed(&[mac::HMAC_SHA1]),
        ..russh::Preferred::default()
    }
}

/// The RSA host key of `ssh=legacy` devices. Generating RSA keys at start would cost seconds
/// in debug builds, so every legacy device of every fleet serves this one, made with
/// `ssh-keygen -t rsa -b 2048` for the emulator only (never use it anywhere else).
fn legacy_host_key() -> Result<PrivateKey, EmulatorError> {
    const PEM: &str = include_str!("../../fixtures/emulator-legacy-hostkey-rsa");
    PrivateKey::from_openssh(PEM).map_err(|e| EmulatorError::HostKey {
        index: 0,
        message: e.to_string(),
    })
}

/// A stable Ed25519 host key for device `index` of a fleet with `seed`.
fn host_key(seed: u64, index: usize) -> Result<PrivateKey, EmulatorError> {
    let mut bytes = [0u8; 32];
    for (k, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = profile::mix(
            profile::mix(seed, 0x0048_4F53_544B_4559),
            (index * 4 + k) as u64,
        );
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Ok(PrivateKey::from(Ed25519Keypair::from_seed(&bytes)))
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

/// The `--write-inventory` file of a foreground fleet: a stale one is removed when claimed,
/// and the fleet's own is removed when this is dropped (on exit, or on an error after the
/// claim).
struct InventoryFile(std::path::PathBuf);

impl InventoryFile {
    fn claim(path: &Path) -> Result<InventoryFile, EmulatorError> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(EmulatorError::Inventory {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        Ok(InventoryFile(path.to_path_buf()))
    }
}

impl Drop for InventoryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a fleet on the current runtime until `shutdown` resolves (`fleetbench emulate`);
/// the inventory's format follows its file name ([`Format::for_output`]).
pub async fn serve_foreground(
    spec: FleetSpec,
    write_inventory: Option<&Path>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let outputs = Outputs {
        inventory: write_inventory.map(|p| (p.to_path_buf(), Format::for_output(p))),
        record: None,
    };
    serve_foreground_with(spec, &outputs, shutdown).await
}

/// Runs a fleet on the current runtime until `shutdown` resolves.
///
/// Binds every listener first, then writes the inventory atomically (so its appearance means
/// "ready"), then prints one line per device (name, address, host key fingerprint, faults).
/// A stale inventory file is removed before binding, and the fleet's own when it stops.
pub async fn serve_foreground_with(
    spec: FleetSpec,
    outputs: &Outputs,
    shutdown: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let recorder = match &outputs.record {
        Some(path) => Some(Arc::new(record::Recorder::to_file(path).map_err(
            |source| EmulatorError::Record {
                path: path.clone(),
                source,
            },
        )?)),
        None => spec.record.then(|| Arc::new(record::Recorder::in_memory())),
    };
    // "The file appears means ready" holds only if no file from an earlier run (killed, or
    // failed to bind) is there before this one is ready, and none is left after it stops.
    // (For a Nornir folder, that file is its hosts.yaml, written last.)
    let _remove_on_exit = outputs
        .inventory
        .as_ref()
        .map(|(p, f)| InventoryFile::claim(&write::ready_file(p, *f)))
        .transpose()?;
    let bound = BoundFleet::bind(&spec, recorder)?;
    let (stop, stop_rx) = watch::channel(false);
    let (view, tasks) = bound.spawn(&stop_rx);
    if let Some((path, format)) = &outputs.inventory {
        write::write(path, *format, &view.inventory_devices(), EMULATED_INVENTORY).map_err(
            |source| EmulatorError::Inventory {
                path: path.clone(),
                source,
            },
        )?;
    }
    for d in &view.devices {
        let faults = d.faults.names();
        // The platform is named only in a mixed or non-IOS fleet: the classic lines stay.
        let platform = if spec.platforms == PlatformMix::default() {
            String::new()
        } else {
            format!(" platform={}", d.platform.device_type)
        };
        println!(
            "{} {}:{} {} profile={}{platform}{}",
            d.name,
            d.host,
            d.port,
            d.fingerprint,
            spec.profile.name(),
            if faults.is_empty() {
                String::new()
            } else {
                format!(" faults={}", faults.join(","))
            }
        );
    }
    shutdown.await;
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
