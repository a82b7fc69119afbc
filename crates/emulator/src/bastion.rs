//! The fleet's jump host (`--bastion`): one OpenSSH-like server in front of the devices. It
//! authenticates like a host (password or public key) and forwards `direct-tcpip` channels
//! to the fleet's own devices, and nowhere else. What it enforces, each read from OpenSSH
//! (openssh-portable) and set by the profile ([`crate::profile::BastionLimits`]):
//!
//! - `MaxStartups` (`startups=S:R:F`, [`crate::startups`]): a connection accepted while too
//!   many others are pending (accepted, not yet authenticated) is dropped at random, the way
//!   `sshd.c`'s `drop_connection()` does it: a best-effort notice line, then the socket is
//!   closed, before the SSH banner. The draws come from the fleet seed and the connection's
//!   ordinal.
//! - `LoginGraceTime` (`bastion-grace`): a connection still pending then is cut.
//! - A channel limit per connection (`max-sessions`, sshd's `MaxSessions` default 10): an
//!   open beyond it fails as sshd fails a session over `MaxSessions` (`session.c`
//!   `session_new()` returns nothing, and `serverloop.c` answers
//!   `SSH2_OPEN_CONNECT_FAILED`, "open failed"). sshd itself counts only session channels
//!   against `MaxSessions`; counting `direct-tcpip` channels too is this emulator's choice,
//!   so a jump host that caps them (and a client that must pool) can be measured;
//!   `max-sessions=off` is sshd's own behaviour for them.
//! - Targets: a device of this fleet, by address and port; anything else is refused as sshd
//!   refuses a forward its `PermitOpen` does not allow (`channels.c`
//!   `channel_connect_to_port()`: `SSH2_OPEN_ADMINISTRATIVELY_PROHIBITED`, "open failed"),
//!   and nothing outside 127.0.0.0/8 or 198.18.0.0/15 is ever connected to. A device that
//!   does not answer fails the open with `SSH2_OPEN_CONNECT_FAILED` and the reason, as
//!   `channel_post_connecting()` does. As in sshd, the channel is confirmed only once the
//!   TCP connection to the device is up.
//!
//! Like the devices' handlers, this one never waits: connecting to a device and moving bytes
//! run in tasks of their own.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::Rng;
use russh::server::{Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::profile::BastionLimits;
use crate::seed::session_rng;
use crate::server::stopped;
use crate::startups::DROP_NOTICE;

/// How long the bastion waits for a device to accept its TCP connection.
const TARGET_CONNECT: Duration = Duration::from_secs(10);

/// Everything the bastion's connections share.
pub(crate) struct BastionState {
    pub username: String,
    pub password: String,
    pub authorized_keys: Vec<russh::keys::PublicKey>,
    pub limits: BastionLimits,
    pub seed: u64,
    /// The devices it forwards to.
    pub targets: HashSet<SocketAddr>,
    pub config: Arc<russh::server::Config>,
    pub counters: Arc<Counters>,
}

/// The bastion's own counts (all since start, but `peak_pending`: since the last
/// [`Counters::take`]).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    accepted: AtomicU64,
    dropped: AtomicU64,
    authenticated: AtomicU64,
    channels_opened: AtomicU64,
    channels_refused: AtomicU64,
    pending: AtomicUsize,
    peak_pending: AtomicUsize,
    /// What the last `take` returned, to give differences.
    taken: Mutex<[u64; 5]>,
}

/// What the bastion counted over a period (the report crate's `BastionCounts` has the
/// same fields; the application converts, as the emulator does not depend on the report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BastionCounts {
    pub connections: u64,
    pub dropped_at_startup: u64,
    pub authenticated: u64,
    pub channels_opened: u64,
    pub channels_refused: u64,
    pub peak_pending: u64,
}

impl Counters {
    fn now(&self) -> [u64; 5] {
        [
            self.accepted.load(Ordering::Acquire),
            self.dropped.load(Ordering::Acquire),
            self.authenticated.load(Ordering::Acquire),
            self.channels_opened.load(Ordering::Acquire),
            self.channels_refused.load(Ordering::Acquire),
        ]
    }

    /// The counts since the last call (the first: since start); the peak restarts from the
    /// connections pending now.
    pub fn take(&self) -> BastionCounts {
        let now = self.now();
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        let d = |i: usize| now[i].saturating_sub(taken[i]);
        let pending = self.pending.load(Ordering::Acquire);
        let peak = self.peak_pending.swap(pending, Ordering::AcqRel);
        let out = BastionCounts {
            connections: d(0),
            dropped_at_startup: d(1),
            authenticated: d(2),
            channels_opened: d(3),
            channels_refused: d(4),
            peak_pending: peak.max(pending) as u64,
        };
        *taken = now;
        out
    }
}

/// One pending connection; counted until authenticated or gone.
struct Pending(Arc<BastionState>);

impl Pending {
    fn new(state: &Arc<BastionState>) -> Pending {
        let c = &state.counters;
        let now = c.pending.fetch_add(1, Ordering::AcqRel) + 1;
        c.peak_pending.fetch_max(now, Ordering::AcqRel);
        Pending(state.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.counters.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether the bastion may ever connect to `ip`: loopback, or the link emulator's
/// 198.18.0.0/15 device addresses.
pub(crate) fn reachable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || (v4.octets()[0] == 198 && v4.octets()[1] & 0xfe == 18)
        }
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

/// Accepts connections until shutdown, applying `MaxStartups` at accept.
pub(crate) async fn serve(
    state: Arc<BastionState>,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => return,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let c = &state.counters;
        let ordinal = c.accepted.fetch_add(1, Ordering::AcqRel);
        let pending = u32::try_from(c.pending.load(Ordering::Acquire)).unwrap_or(u32::MAX);
        let draw = session_rng(state.seed ^ 0xB057_1011, 0, ordinal).random_range(0..100);
        if state.limits.startups.should_drop(pending, draw) {
            c.dropped.fetch_add(1, Ordering::AcqRel);
            // sshd's best-effort notice, then the close: no banner.
            let _ = stream.try_write(DROP_NOTICE);
            drop(stream);
            continue;
        }
        let pending = Pending::new(&state);
        tokio::spawn(connection(state.clone(), stream, pending, stop.clone()));
    }
}

async fn connection(
    state: Arc<BastionState>,
    stream: TcpStream,
    pending: Pending,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let grace_ends = tokio::time::Instant::now() + state.limits.login_grace;
    // As for the devices: the grace time shuts the socket down under russh's session task.
    let Ok((stream, cut)) = stream.into_std().and_then(|s| {
        let cut = s.try_clone()?;
        Ok((TcpStream::from_std(s)?, cut))
    }) else {
        return;
    };
    let authenticated = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handler = Jump {
        state: state.clone(),
        pending: Some(pending),
        authenticated: authenticated.clone(),
        channels: Arc::new(Mutex::new(HashSet::new())),
    };
    let session = tokio::select! {
        _ = stopped(&mut stop) => return,
        _ = tokio::time::sleep_until(grace_ends) => return,
        s = russh::server::run_stream(state.config.clone(), stream, handler) => match s {
            Ok(s) => s,
            Err(_) => return,
        },
    };
    let handle = session.handle();
    let grace = async {
        tokio::time::sleep_until(grace_ends).await;
        if authenticated.load(Ordering::Acquire) {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = session => {}
        _ = stopped(&mut stop) => {
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "bastion shutting down".into(), String::new())
                .await;
        }
        _ = grace => {
            let _ = cut.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The russh handler of one bastion connection.
struct Jump {
    state: Arc<BastionState>,
    pending: Option<Pending>,
    authenticated: Arc<std::sync::atomic::AtomicBool>,
    /// Open `direct-tcpip` channels (counted against `max-sessions` until the client closes
    /// them, as sshd frees a channel only once both sides have).
    channels: Arc<Mutex<HashSet<ChannelId>>>,
}

impl Jump {
    fn accept_user(&self, user: &str, ok: bool) -> Auth {
        if user == self.state.username && ok {
            Auth::Accept
        } else {
            Auth::reject()
        }
    }

    fn open_count(&self) -> usize {
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn refuse(&self, reply: ChannelOpenHandle, code: u32, reason: &str) {
        self.state
            .counters
            .channels_refused
            .fetch_add(1, Ordering::AcqRel);
        let reason = ChannelOpenFailure::Other {
            code,
            reason: reason.to_string(),
        };
        tokio::spawn(reply.reject(reason));
    }
}

/// `SSH2_OPEN_ADMINISTRATIVELY_PROHIBITED` and `SSH2_OPEN_CONNECT_FAILED` (RFC 4254 §5.1).
const PROHIBITED: u32 = 1;
const CONNECT_FAILED: u32 = 2;

impl russh::server::Handler for Jump {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.accept_user(user, password == self.state.password))
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        let known = self
            .state
            .authorized_keys
            .iter()
            .any(|k| k.key_data() == offer.public_key.key_data());
        Ok(self.accept_user(user, known))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let known = self
            .state
            .authorized_keys
            .iter()
            .any(|k| k.key_data() == key.public_key.key_data());
        Ok(self.accept_user(user, known))
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::Release);
        self.pending = None;
        self.state
            .counters
            .authenticated
            .fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // This jump host only forwards: no shell, no exec (sshd's `ForceCommand` jump hosts
        // refuse them too).
        self.refuse(reply, PROHIBITED, "open failed");
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self
            .state
            .limits
            .max_sessions
            .is_some_and(|m| self.open_count() >= m)
        {
            self.refuse(reply, CONNECT_FAILED, "open failed");
            return Ok(());
        }
        let target = host_to_connect
            .parse::<IpAddr>()
            .ok()
            .zip(u16::try_from(port_to_connect).ok())
            .map(|(ip, port)| SocketAddr::new(ip, port))
            .filter(|a| self.state.targets.contains(a) && reachable(a.ip()));
        let Some(target) = target else {
            self.refuse(reply, PROHIBITED, "open failed");
            return Ok(());
        };
        let id = channel.id();
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        let state = self.state.clone();
        let channels = self.channels.clone();
        tokio::spawn(async move {
            let tcp = match tokio::time::timeout(TARGET_CONNECT, TcpStream::connect(target)).await {
                Ok(Ok(tcp)) => tcp,
                failed => {
                    let reason = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => "Connection timed out".to_string(),
                    };
                    channels
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&id);
                    state
                        .counters
                        .channels_refused
                        .fetch_add(1, Ordering::AcqRel);
                    reply
                        .reject(ChannelOpenFailure::Other {
                            code: CONNECT_FAILED,
                            reason,
                        })
                        .await;
                    return;
                }
            };
            let _ = tcp.set_nodelay(true);
            state
                .counters
                .channels_opened
                .fetch_add(1, Ordering::AcqRel);
            reply.accept().await;
            forward(channel, tcp).await;
        });
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&channel);
        Ok(())
    }
}

/// Moves bytes both ways until either side ends; the device's end closes the channel.
async fn forward(channel: Channel<Msg>, mut tcp: TcpStream) {
    let mut stream = channel.into_stream();
    let _ = tokio::io::copy_bidirectional(&mut stream, &mut tcp).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_only_loopback_and_the_link_emulators_addresses() {
        for ok in [
            "127.0.0.1",
            "127.9.9.9",
            "198.18.0.5",
            "198.19.255.1",
            "::1",
        ] {
            assert!(reachable(ok.parse().unwrap()), "{ok}");
        }
        for no in [
            "192.0.2.1",
            "198.20.0.1",
            "10.0.0.1",
            "8.8.8.8",
            "2001:db8::1",
        ] {
            assert!(!reachable(no.parse().unwrap()), "{no}");
        }
    }
}
