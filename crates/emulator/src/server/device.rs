//! One emulated device as its connections see it: everything they share ([`DeviceState`]),
//! the slots of its bounded counters (pre-auth connections, vty lines), and the CLI a new
//! session gets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Shared;
use crate::engine::DeviceCli;
use crate::fault::DeviceFaults;
use crate::platforms::new_cli;
use crate::profile::Profile;
use crate::record::Recorder;
use crate::setup::CliSetup;
use fleetbench_inventory::platform::Platform;

/// The prompt of the `weird-prompt` fault.
pub const WEIRD_PROMPT: &str = "router-weird$ ";

/// Everything one device's connections share.
pub(crate) struct DeviceState {
    pub index: usize,
    pub hostname: String,
    /// The platform the device speaks (`cisco_ios` unless the fleet has a mix).
    pub platform: &'static Platform,
    pub username: String,
    /// The password the device accepts (differs from the inventory's under `wrong-password`).
    pub password: String,
    pub secret: String,
    pub faults: DeviceFaults,
    pub profile: Arc<Profile>,
    pub seed: u64,
    pub boot: DateTime<Utc>,
    pub max_sessions: usize,
    pub config: Arc<russh::server::Config>,
    /// Public keys accepted for `username` (public-key auth is offered only when non-empty).
    pub authorized_keys: Arc<Vec<russh::keys::PublicKey>>,
    /// Where session records go, when the fleet records them.
    pub recorder: Option<Arc<Recorder>>,
    /// How long a connection may stay unauthenticated (SSH banner, key exchange and login
    /// included) before it is closed, like IOS's `ip ssh time-out` and OpenSSH's
    /// `LoginGraceTime`; without it, idle connections would hold every pre-auth slot.
    pub login_grace: Duration,
    /// Identity, place in the fleet, running and startup configs.
    pub device: Arc<Shared>,
    pub(super) preauth: AtomicUsize,
    pub(super) vty: AtomicUsize,
    pub(super) sessions_started: AtomicU64,
    pub(super) accepted: AtomicU64,
}

impl DeviceState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        index: usize,
        username: String,
        password: String,
        secret: String,
        faults: DeviceFaults,
        profile: Arc<Profile>,
        seed: u64,
        boot: DateTime<Utc>,
        max_sessions: usize,
        config: Arc<russh::server::Config>,
        device: Arc<Shared>,
    ) -> Self {
        let login_grace = profile.login_grace;
        DeviceState {
            index,
            hostname: device.identity.hostname.clone(),
            platform: Platform::default_platform(),
            username,
            password,
            secret,
            faults,
            profile,
            seed,
            boot,
            max_sessions,
            config,
            authorized_keys: Arc::new(Vec::new()),
            recorder: None,
            login_grace,
            device,
            preauth: AtomicUsize::new(0),
            vty: AtomicUsize::new(0),
            sessions_started: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
        }
    }

    /// What a session's CLI is made from: who the device is, the login, the CLI's faults.
    pub fn setup(&self) -> CliSetup {
        CliSetup {
            index: self.index,
            hostname: self.device.hostname(),
            username: self.username.clone(),
            secret: self.secret.clone(),
            boot: self.boot,
            enable_refused: self.faults.enable_refused,
            prompt_override: self.faults.weird_prompt.then(|| WEIRD_PROMPT.to_string()),
            device: self.device.clone(),
        }
    }

    /// A new session's CLI, in the device's platform.
    pub(super) fn cli(&self) -> Box<dyn DeviceCli> {
        new_cli(self.platform, &self.setup())
    }
}

/// A taken slot of a per-device counter (pre-auth connections, vty lines); freed on drop.
pub(super) struct Slot {
    dev: Arc<DeviceState>,
    counter: fn(&DeviceState) -> &AtomicUsize,
}

impl Slot {
    pub(super) fn take(
        dev: &Arc<DeviceState>,
        counter: fn(&DeviceState) -> &AtomicUsize,
        max: usize,
    ) -> Option<Slot> {
        counter(dev)
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot {
                dev: dev.clone(),
                counter,
            })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        (self.counter)(&self.dev).fetch_sub(1, Ordering::AcqRel);
    }
}
