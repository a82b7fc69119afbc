//! Per-device running and startup configs for the emulator's lifetime (and `--state-dir`).

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::initial::TEMPLATE;
use super::tree::Config;
use crate::identity::{FleetLayout, Identity};
use crate::profile::SshStack;

/// Size of the emulated NVRAM, for `show startup-config`'s `Using N out of M bytes`.
pub const NVRAM_BYTES: usize = 262_144;

/// One device's configurations, for the emulator's lifetime.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// `None` until the first change: the initial config, regenerated on demand.
    pub running: Option<Config>,
    /// `None` until the first `write memory`: the same initial config.
    pub startup: Option<Config>,
    /// When the running-config last changed, and when it was saved.
    pub changed: Option<DateTime<Utc>>,
    pub saved: Option<DateTime<Utc>>,
}

/// One device's configuration state, shared by all of its sessions.
#[derive(Debug)]
pub struct Shared {
    pub layout: FleetLayout,
    pub identity: Identity,
    pub ssh: SshStack,
    /// Where `write memory` persists the startup-config (`R1.startup-config`, ...), if anywhere.
    state_dir: Option<PathBuf>,
    store: Mutex<Store>,
}

impl Shared {
    /// Device `index` of the fleet `layout`; its startup-config (and so its running-config, as after a
    /// boot) comes from `state_dir` when a saved one is there.
    pub fn new(
        layout: FleetLayout,
        index: usize,
        ssh: SshStack,
        state_dir: Option<PathBuf>,
    ) -> Shared {
        let identity = layout.identity(index);
        let mut store = Store::default();
        if let Some(dir) = &state_dir
            // A regular file of at most 16 MiB: a FIFO or /dev/zero planted there is ignored
            // like a missing one, never waited on or read without end.
            && let Ok(bytes) = fleetbench_inventory::input::read(
                &dir.join(state_file(&identity)),
                fleetbench_inventory::input::SAVED_CONFIG,
            )
            && let Ok(text) = String::from_utf8(bytes)
        {
            let saved = Config::parse(&text);
            store.running = Some(saved.clone());
            store.startup = Some(saved);
        }
        Shared {
            layout,
            identity,
            ssh,
            state_dir,
            store: Mutex::new(store),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic elsewhere cannot leave a half-edited config: edits are single assignments.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn initial(&self) -> Config {
        Config::initial(&self.layout, &self.identity, self.ssh)
    }

    /// A copy of the running-config.
    pub fn running(&self) -> Config {
        self.lock()
            .running
            .clone()
            .unwrap_or_else(|| self.initial())
    }

    /// The running-config's hostname, without copying the config (every session asks).
    pub fn hostname(&self) -> String {
        match &self.lock().running {
            Some(c) => c.hostname().to_string(),
            None => self.identity.hostname.clone(),
        }
    }

    /// The running-config's `banner KIND` text, without copying the config (every login
    /// asks); an untouched device has the template's banners.
    pub fn banner(&self, kind: &str) -> Option<String> {
        if let Some(c) = &self.lock().running {
            return c.banner(kind);
        }
        static TEMPLATE_CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
        TEMPLATE_CONFIG
            .get_or_init(|| Config::parse(TEMPLATE))
            .banner(kind)
    }

    /// A copy of the startup-config.
    pub fn startup(&self) -> Config {
        self.lock()
            .startup
            .clone()
            .unwrap_or_else(|| self.initial())
    }

    /// When the running-config last changed and when it was last saved (`None`: never since
    /// the emulator started).
    pub fn times(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let s = self.lock();
        (s.changed, s.saved)
    }

    /// Edits the running-config; records the time when `f` changed it.
    pub fn edit<R>(&self, now: DateTime<Utc>, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut s = self.lock();
        let initial = s.running.is_none().then(|| self.initial());
        let cfg = s.running.get_or_insert_with(|| initial.unwrap_or_default());
        let before = cfg.clone();
        let r = f(cfg);
        if *cfg != before {
            s.changed = Some(now);
        }
        r
    }

    /// `write memory`: the running-config becomes the startup-config (and is written to the
    /// state directory when there is one). Returns the saved size in bytes.
    pub fn save(&self, now: DateTime<Utc>) -> std::io::Result<usize> {
        let running = self.running();
        let bytes = running.byte_len();
        if let Some(dir) = &self.state_dir {
            let mut text = running.lines().join("\n");
            text.push('\n');
            // Owner-only: a config holds secrets (hashed, but still) and SNMP communities.
            fleetbench_inventory::output::write(
                &dir.join(state_file(&self.identity)),
                text.as_bytes(),
                fleetbench_inventory::output::Access::Private,
            )
            .map_err(|e| e.source)?;
        }
        let mut s = self.lock();
        s.startup = Some(running);
        s.saved = Some(now);
        Ok(bytes)
    }
}

/// `R1.startup-config`: the file of device `id` in a state directory.
pub fn state_file(id: &Identity) -> String {
    format!("{}.startup-config", id.hostname)
}
