//! # fleetbench-emulator
//!
//! Emulated IOS-like routers (and NX-OS, IOS-XR, EOS, Junos, Linux ones): one russh SSH
//! server per device on 127.0.0.1, with seeded latency and fault profiles. fleetbench
//! polls them; another project can take this crate as a dev-dependency to start a fleet in
//! its own tests (no libssh2 in its dependency tree).
//!
//! ```
//! use std::io::Read;
//! use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
//!
//! // Three devices on 127.0.0.1, each on a free port, answering at once.
//! let fleet = EmulatedFleet::start(FleetSpec::new(3, Profile::instant())).unwrap();
//! let devices = fleet.devices();
//! assert_eq!(devices.len(), 3);
//! // Any SSH client can talk to them; here, the first bytes a client reads: the banner.
//! let mut conn = std::net::TcpStream::connect((devices[0].host.as_str(), devices[0].port)).unwrap();
//! conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
//! let mut banner = [0u8; 8];
//! conn.read_exact(&mut banner).unwrap();
//! assert_eq!(&banner, b"SSH-2.0-");
//! fleet.stop();
//! ```
//!
//! # Layout
//! - [`engine`]: the command line as one engine: the line discipline every platform runs on
//!   (echo, editing, the secret, paging with `--More--`) and the [`engine::Personality`] a
//!   platform plugs into it, with defaults for what platforms share.
//! - [`ios`]: IOS and IOS-XE, the personality with configuration mode and many `show`
//!   commands; [`platforms`]: the other platforms' personalities, the one `match` that gives a
//!   device its CLI, and the fleet's mix of platforms.
//! - [`setup`]: what one session's CLI is made from (the device, the login, the CLI's faults).
//! - [`identity`]: who each device is (hostname, serial, addresses, AS) and the fleet's
//!   cabling (a ring), as pure functions of the seed, the index and the fleet size.
//! - [`config`]: the running/startup config tree and configuration mode's edits of it.
//! - [`show`]: the `show` outputs, computed from the config and the identity.
//! - [`profile`]: latency profiles (`classic`, `instant`, `lan`, `latency-1s`, `chaos`, custom).
//! - [`floor`]: the emulator's part of the floor (its X25519 and Ed25519 work per session,
//!   with the crates russh uses, timed alone).
//! - [`fault`]: fault kinds, their spelling, and their seeded assignment to devices; `seed`:
//!   the mixer every seeded choice derives from.
//! - [`limits`]: the shared limits of a profile, each modelled in its own pure module:
//!   [`aaa`] (the fleet's one AAA server), [`login_block`] (IOS `login block-for`),
//!   [`preauth`] (OpenSSH's `MaxStartups` rule and the vty lines taken at connect, usable
//!   on any listener).
//! - `server`: listeners and the russh handler; `server/device.rs` what a device's
//!   connections share, `server/channel.rs` the per-channel tasks that apply delays and
//!   faults.
//! - [`record`]: the devices' own record of each session (off unless [`FleetSpec::record`]).
//!   [`EmulatedFleet::open_sessions`]: the sessions the devices hold open now.
//! - [`bastion`]: the jump host in front of the fleet ([`FleetSpec::bastion`]), with
//!   [`startups`], sshd's `MaxStartups` rule as a pure function.
//! - `spec` ([`FleetSpec`] and what it asks of the machine), `keys` (SSH configuration and
//!   host keys), `bound` (a fleet bound to its ports, and what clients see of it),
//!   `foreground` ([`serve_foreground`]), `error`, `cpu` (the emulator's own CPU time),
//!   [`memlock`].
//!
//! # Two ways to run a fleet
//! - [`EmulatedFleet::start`]: on its own 2-thread tokio runtime (threads `emu-N`) on its own
//!   std threads, so blocking clients in the caller's threads (or another runtime) can use it;
//!   [`EmulatedFleet::server_cpu`] tells its CPU time apart from the client's.
//! - [`serve_foreground`]: on the caller's runtime, for `fleetbench emulate`.
//!
//! # Invariants
//! - Nothing binds a non-loopback address unless the caller passes one in [`FleetSpec::bind`].
//! - A delay never blocks a connection's event loop: the russh handler only forwards bytes
//!   (and awaits the fleet's AAA server's answer to an authentication, which its client waits
//!   for anyway).
//! - Everything a shared limit decides (who is admitted, an AAA answer, a login block) is a
//!   pure rule over the time and a seeded draw, and every session it turns away is recorded.
//! - Everything random (host keys, jitter, fault placement) derives from [`FleetSpec::seed`].
//! - Passwords and secrets are never printed (the inventory file, which must hold them, aside).
//! - Only [`serve_foreground`] prints (a line per device, for `fleetbench emulate`).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod aaa;
pub mod bastion;
mod bound;
pub mod config;
mod cpu;
pub mod engine;
mod error;
pub mod fault;
pub mod floor;
mod foreground;
pub mod identity;
pub mod ios;
mod keys;
pub mod limits;
pub mod login_block;
pub mod memlock;
pub mod platforms;
pub mod preauth;
pub mod profile;
pub mod record;
mod seed;
mod server;
pub mod setup;
pub mod show;
mod spec;
pub mod startups;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use std::collections::HashMap;

use fleetbench_inventory::platform::Platform;
use fleetbench_inventory::write;
use fleetbench_inventory::{Device, Format};

pub use bastion::BastionCounts;
pub use bound::{EMULATED_INVENTORY, EmulatedBastion};
pub use error::EmulatorError;
pub use fault::{DeviceFaults, Fault, FaultRule, FaultTarget};
pub use foreground::{FleetFiles, serve_foreground, serve_foreground_with};
pub use platforms::{MixError, PlatformMix};
pub use profile::Profile;
pub use record::{End, SessionRecord};
pub use server::{ESCAPE_CODES, OpenSessions, WEIRD_PROMPT};
pub use spec::{BastionSpec, FleetSpec};

use bound::{BoundFleet, FleetView};
use cpu::CpuTracker;
use record::Recorder;

/// The name (and prompt hostname) of device `index` of an emulated fleet: `R1`, `R2`, ...
pub fn device_name(index: usize) -> String {
    identity::hostname(index)
}

/// A running fleet on its own runtime. Dropping it stops every listener and joins its threads.
pub struct EmulatedFleet {
    view: FleetView,
    profile_name: String,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    cpu: Arc<CpuTracker>,
    recorder: Option<Arc<Recorder>>,
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
        let recorder = spec.record.then(|| Arc::new(Recorder::in_memory()));
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

    /// Every device's host key (`type base64`), keyed by its known_hosts pattern
    /// (`[127.0.0.1]:PORT`, or the address alone on port 22): what a client pins to check
    /// this fleet strictly.
    pub fn known_hosts(&self) -> HashMap<String, Vec<String>> {
        self.view.known_hosts()
    }

    /// The classic netmiko `devices.yaml` for this fleet (holds the credentials).
    pub fn inventory_yaml(&self) -> String {
        self.view.inventory_yaml()
    }

    /// Writes this fleet's inventory in `format` at `path` (files 0600; see
    /// [`fleetbench_inventory::write`]); returns the files written.
    pub fn write_inventory(&self, path: &Path, format: Format) -> std::io::Result<Vec<PathBuf>> {
        write::write_with(
            path,
            format,
            &self.view.inventory_devices(),
            EMULATED_INVENTORY,
            &self.view.jump_files(),
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

    /// The records of every session that ended since the last call, without waiting for
    /// sessions still open (a steady run's kept sessions never close while it runs).
    pub fn drain_sessions(&self) -> Vec<SessionRecord> {
        self.recorder.as_ref().map_or_else(Vec::new, |r| r.take())
    }

    /// CPU time used so far by the emulator's runtime threads.
    pub fn server_cpu(&self) -> Duration {
        self.cpu.total()
    }

    /// The sessions the fleet's devices hold open now, by their own count.
    pub fn open_sessions(&self) -> OpenSessions {
        self.view.gauge.read()
    }

    /// The faults each device ended up with, in device order.
    pub fn device_faults(&self) -> Vec<DeviceFaults> {
        self.view.devices.iter().map(|d| d.faults.clone()).collect()
    }

    /// Each device's platform, in device order.
    pub fn platforms(&self) -> Vec<&'static Platform> {
        self.view.devices.iter().map(|d| d.platform).collect()
    }

    /// The jump host in front of the fleet, if it has one ([`FleetSpec::bastion`]).
    pub fn bastion(&self) -> Option<&EmulatedBastion> {
        self.view.bastion.as_ref()
    }

    /// What the jump host counted since the last call (the first: since start), if the fleet
    /// has one.
    pub fn take_bastion_counts(&self) -> Option<BastionCounts> {
        self.view.bastion.as_ref().map(|b| b.counters.take())
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
