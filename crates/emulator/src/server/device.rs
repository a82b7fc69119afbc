//! One emulated device as its connections see it: everything they share ([`DeviceState`]),
//! its connections and vty lines ([`Lines`], held through a [`LineGuard`]), and the CLI a
//! new session gets.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::aaa::AaaServer;
use crate::config::Shared;
use crate::engine::DeviceCli;
use crate::fault::DeviceFaults;
use crate::login_block::LoginWatch;
use crate::platforms::{VtyRefusal, new_cli, vty_refusal};
use crate::preauth::{Admission, EVICT_AFTER, Pending, Verdict};
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
    /// vty lines: concurrent sessions.
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
    /// The fleet's AAA server, when the profile has one.
    pub aaa: Option<Arc<AaaServer>>,
    /// `login block-for`, when the profile sets it.
    pub watch: Option<Mutex<LoginWatch>>,
    /// How long a shell may sit without input before the device closes the session
    /// (`exec-timeout`); `None`: never.
    pub exec_timeout: Option<Duration>,
    /// The fleet's count of open sessions, which this device's connections add to.
    pub gauge: Arc<SessionGauge>,
    /// The connections and vty lines in use.
    pub(super) lines: Mutex<Lines>,
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
            aaa: None,
            watch: None,
            exec_timeout: None,
            gauge: Arc::default(),
            lines: Mutex::new(Lines::default()),
            sessions_started: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
        }
    }

    /// How this device refuses a session over its vty limit.
    pub fn vty_refusal(&self) -> VtyRefusal {
        vty_refusal(self.platform)
    }

    /// Who may connect: the profile's `MaxStartups`, and the vty lines when this platform
    /// takes one at connect.
    pub fn admission(&self) -> Admission {
        Admission {
            startups: self.profile.limits.preauth,
            vty_at_connect: (self.vty_refusal() == VtyRefusal::AtConnect)
                .then_some(self.max_sessions),
            evict_after: EVICT_AFTER,
        }
    }

    /// Whether the device is in `login block-for` quiet mode.
    pub fn blocked(&self, now: Instant) -> bool {
        self.watch.as_ref().is_some_and(|w| {
            w.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .blocked(now)
        })
    }

    /// A login failed (counted by `login block-for`).
    pub fn login_failed(&self, now: Instant) {
        if let Some(w) = &self.watch {
            w.lock().unwrap_or_else(PoisonError::into_inner).failed(now);
        }
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides on a connection arriving `now` (a uniform `draw` in 0..100): on admission it
    /// is registered, holding a vty line where the platform takes one at connect, and a
    /// silent connection it replaces is cut. `cut` shuts the new connection's socket.
    pub fn admit(
        self: &Arc<Self>,
        now: Instant,
        draw: u32,
        cut: std::net::TcpStream,
    ) -> Result<LineGuard, crate::preauth::Refusal> {
        let admission = self.admission();
        let mut lines = self.lines();
        match admission.admit(&lines.pending(), lines.vty_in_use(), now, draw) {
            Verdict::Refuse(why) => Err(why),
            Verdict::Admit { evict } => {
                if let Some(id) = evict {
                    lines.evict(id, true, &self.gauge);
                }
                let state = Arc::new(LineState::default());
                self.gauge.connections.fetch_add(1, Ordering::AcqRel);
                let id = lines.add(Line {
                    id: 0,
                    since: now,
                    state: state.clone(),
                    authenticated: false,
                    vty: admission.vty_at_connect.is_some(),
                    cut,
                });
                Ok(LineGuard {
                    dev: self.clone(),
                    id,
                    state,
                })
            }
        }
    }

    /// The connection of `guard` logged in. Where the line is taken at login, takes it:
    /// false when every line is busy.
    pub fn logged_in(&self, guard: &LineGuard) -> bool {
        let at_login = self.vty_refusal() == VtyRefusal::AfterLogin;
        let max = self.max_sessions;
        let mut lines = self.lines();
        let in_use = lines.vty_in_use();
        let Some(line) = lines.conns.iter_mut().find(|l| l.id == guard.id) else {
            return false;
        };
        if !line.authenticated {
            self.gauge.logged_in.fetch_add(1, Ordering::AcqRel);
        }
        line.authenticated = true;
        if at_login && !line.vty {
            if in_use >= max {
                return false;
            }
            line.vty = true;
        }
        true
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

/// What a connection and the device's registry share about it.
#[derive(Debug, Default)]
pub(crate) struct LineState {
    /// The client has sent at least one byte.
    pub heard: AtomicBool,
    /// The device closed it for sending nothing (for a newcomer, or after `ident-grace`).
    pub idle_closed: AtomicBool,
}

/// One connection of a device.
#[derive(Debug)]
struct Line {
    id: u64,
    since: Instant,
    state: Arc<LineState>,
    authenticated: bool,
    /// It holds a vty line.
    vty: bool,
    /// Shuts its socket (a second handle on it).
    cut: std::net::TcpStream,
}

/// A device's connections, from accept to close.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    next: u64,
    conns: Vec<Line>,
}

impl Lines {
    fn add(&mut self, mut line: Line) -> u64 {
        self.next += 1;
        line.id = self.next;
        self.conns.push(line);
        self.next
    }

    fn pending(&self) -> Vec<Pending> {
        self.conns
            .iter()
            .filter(|l| !l.authenticated)
            .map(|l| Pending {
                id: l.id,
                since: l.since,
                heard: l.state.heard.load(Ordering::Acquire),
                vty: l.vty,
            })
            .collect()
    }

    fn vty_in_use(&self) -> usize {
        self.conns.iter().filter(|l| l.vty).count()
    }

    /// Closes connection `id` (`idle`: for sending nothing); its place is free at once.
    fn evict(&mut self, id: u64, idle: bool, gauge: &SessionGauge) {
        if let Some(line) = self.take(id, gauge) {
            line.state.idle_closed.store(idle, Ordering::Release);
            let _ = line.cut.shutdown(std::net::Shutdown::Both);
        }
    }

    fn remove(&mut self, id: u64, gauge: &SessionGauge) {
        self.take(id, gauge);
    }

    /// Connection `id` leaves the registry (once: a second call finds nothing).
    fn take(&mut self, id: u64, gauge: &SessionGauge) -> Option<Line> {
        let at = self.conns.iter().position(|l| l.id == id)?;
        let line = self.conns.swap_remove(at);
        gauge.connections.fetch_sub(1, Ordering::AcqRel);
        if line.authenticated {
            gauge.logged_in.fetch_sub(1, Ordering::AcqRel);
        }
        Some(line)
    }
}

/// The sessions a fleet holds open at this moment, by the devices' own count: every
/// connection from its accept to its close, and those of them that logged in.
#[derive(Debug, Default)]
pub struct SessionGauge {
    connections: AtomicU64,
    logged_in: AtomicU64,
}

/// A reading of [`SessionGauge`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenSessions {
    /// Connections accepted and not yet closed (logging in, or logged in).
    pub connections: u64,
    /// Of them, the ones that logged in: the sessions the devices hold.
    pub logged_in: u64,
}

impl SessionGauge {
    pub fn read(&self) -> OpenSessions {
        OpenSessions {
            connections: self.connections.load(Ordering::Acquire),
            logged_in: self.logged_in.load(Ordering::Acquire),
        }
    }
}

/// A connection's place on its device (and its vty line, once it has one); freed on drop.
pub(crate) struct LineGuard {
    dev: Arc<DeviceState>,
    id: u64,
    pub(crate) state: Arc<LineState>,
}

impl LineGuard {
    /// Shuts the connection's socket under its session (`idle`: it sent nothing).
    pub fn close(&self, idle: bool) {
        self.dev.lines().evict(self.id, idle, &self.dev.gauge);
    }
}

impl Drop for LineGuard {
    fn drop(&mut self) {
        self.dev.lines().remove(self.id, &self.dev.gauge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(since: Instant, vty: bool, cut: std::net::TcpStream) -> Line {
        Line {
            id: 0,
            since,
            state: Arc::new(LineState::default()),
            authenticated: false,
            vty,
            cut,
        }
    }

    #[test]
    fn lines_count_vty_lines_and_pending_logins_and_evict_exactly() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let socket = || std::net::TcpStream::connect(addr).unwrap();
        let t0 = Instant::now();
        let mut lines = Lines::default();
        let gauge = SessionGauge::default();
        let add = |lines: &mut Lines, l: Line| {
            gauge.connections.fetch_add(1, Ordering::AcqRel);
            lines.add(l)
        };
        let a = add(&mut lines, line(t0, true, socket()));
        let b = add(&mut lines, line(t0, true, socket()));
        let c = add(&mut lines, line(t0, false, socket()));
        assert_eq!((lines.vty_in_use(), lines.pending().len()), (2, 3));
        // A logged-in session holds its line but is no longer pending.
        lines
            .conns
            .iter_mut()
            .find(|l| l.id == b)
            .unwrap()
            .authenticated = true;
        gauge.logged_in.fetch_add(1, Ordering::AcqRel);
        assert_eq!((lines.vty_in_use(), lines.pending().len()), (2, 2));
        assert_eq!(
            gauge.read(),
            OpenSessions {
                connections: 3,
                logged_in: 1
            }
        );
        lines.conns[0].state.heard.store(true, Ordering::Release);
        assert!(lines.pending().iter().any(|p| p.id == a && p.heard));
        // Evicting frees the place and the line at once, and marks the connection idle.
        let state = lines.conns[0].state.clone();
        lines.evict(a, true, &gauge);
        assert!(state.idle_closed.load(Ordering::Acquire));
        assert_eq!((lines.vty_in_use(), lines.pending().len()), (1, 1));
        // Removing what is gone is nothing.
        lines.remove(a, &gauge);
        lines.remove(c, &gauge);
        assert_eq!((lines.vty_in_use(), lines.pending().len()), (1, 0));
        // Only the logged-in one is left, counted once however often it was removed.
        assert_eq!(
            gauge.read(),
            OpenSessions {
                connections: 1,
                logged_in: 1
            }
        );
        lines.remove(b, &gauge);
        lines.remove(b, &gauge);
        assert_eq!(gauge.read(), OpenSessions::default());
    }
}
