//! The SSH side of one emulated device: its listener and the russh handler of each connection.
//!
//! russh runs one event loop per connection and calls the [`Conn`] handler on it, so the
//! handler never waits on the CLI: it answers requests at once and hands typed bytes to a
//! per-channel task ([`channel`]), which owns the session's CLI (its platform's), sleeps for
//! the profile's delays and replies through the session's handle. Echo is sent before any
//! injected delay. The one wait in the handler is an authentication's answer from the
//! fleet's AAA server, which the client is blocked on anyway. What a device's connections
//! share is [`device`]; who is let in before authentication is decided at accept
//! ([`crate::preauth`], `login block-for`), and turned-away connections are recorded too.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::Rng;
use russh::server::{Auth, ChannelOpenHandle, Msg, Response, Session};
use russh::{Channel, ChannelId, Disconnect};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};

use super::aaa::Outcome;
use super::preauth::Refusal;
use super::record::{AaaEvent, Live, Refused};
use super::seed::session_rng;
use super::startups::DROP_NOTICE;

mod channel;
mod device;
mod heard;
pub use self::channel::ESCAPE_CODES;
use self::channel::{ChannelTask, Kind, Out};
pub(crate) use self::device::DeviceState;
use self::device::LineGuard;
pub use self::device::WEIRD_PROMPT;
pub use self::device::{OpenSessions, SessionGauge};
use self::heard::Heard;

/// A bound port: listening, or (fault `refuse`) bound only, so connects get a RST.
pub(crate) enum Port {
    Listening(TcpListener),
    Refusing(TcpSocket),
}

impl Port {
    /// Binds `addr` with a large backlog: the default 128 drops SYNs under a burst of
    /// connections, and those clients then stall a second on SYN retransmit.
    pub fn bind(addr: SocketAddr, refuse: bool) -> std::io::Result<Port> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // Lets a fixed port be reused at once after a previous run's TIME_WAIT.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        if refuse {
            Ok(Port::Refusing(socket))
        } else {
            Ok(Port::Listening(socket.listen(4096)?))
        }
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            Port::Listening(l) => l.local_addr(),
            Port::Refusing(s) => s.local_addr(),
        }
    }
}

/// Resolves when shutdown is requested (or its sender is gone).
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Accepts connections on one device's port until shutdown.
pub(crate) async fn serve_device(
    dev: Arc<DeviceState>,
    port: Port,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match port {
        Port::Listening(l) => l,
        Port::Refusing(socket) => {
            // Keep the port bound (so nobody else takes it) until shutdown.
            stopped(&mut stop).await;
            drop(socket);
            return;
        }
    };
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => return,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let ordinal = dev.accepted.fetch_add(1, Ordering::Relaxed);
        if dev.faults.fail_rate > 0.0 {
            let draw: f64 = session_rng(dev.seed ^ 0xFA11, dev.index, ordinal).random();
            if draw < dev.faults.fail_rate {
                drop(stream);
                continue;
            }
        }
        if dev.faults.no_banner {
            tokio::spawn(hold_silently(stream, stop.clone()));
            continue;
        }
        let now = std::time::Instant::now();
        if dev.blocked(now) {
            refuse(&dev, stream, Refused::LoginBlocked);
            continue;
        }
        let Ok(cut) = stream.into_std().and_then(|s| {
            let cut = s.try_clone()?;
            Ok((TcpStream::from_std(s)?, cut))
        }) else {
            continue;
        };
        let (stream, cut) = cut;
        let draw = session_rng(dev.seed ^ 0x57A7, dev.index, ordinal).random_range(0..100);
        match dev.admit(now, draw, cut) {
            Ok(line) => {
                tokio::spawn(run_connection(dev.clone(), stream, line, stop.clone()));
            }
            Err(Refusal::Startups) => {
                refuse(&dev, stream, Refused::DroppedAtStartup);
            }
            Err(Refusal::VtyBusy) => refuse(&dev, stream, Refused::VtyBusy),
        }
    }
}

/// Turns a connection away before any SSH, and records why. `MaxStartups` says so first,
/// as sshd does, and closes; a busy or quiet device refuses the connection (IOS refuses it
/// at the TCP level; this one is already accepted, so it is reset before the banner).
fn refuse(dev: &DeviceState, stream: TcpStream, why: Refused) {
    if let Some(r) = &dev.recorder {
        let port = stream.local_addr().map_or(0, |a| a.port());
        let hidden = Arc::new([String::new(), String::new()]);
        let live = Live::new(
            r.clone(),
            &dev.hostname,
            port,
            stream.peer_addr().ok(),
            hidden,
        );
        live.refused(why);
        live.close();
    }
    if why == Refused::DroppedAtStartup {
        // One small write into the empty buffer of a new socket never blocks (tokio's
        // `try_write` would: it has seen no write readiness yet).
        if let Ok(s) = stream.into_std() {
            let _ = std::io::Write::write(&mut &s, DROP_NOTICE);
        }
    } else {
        let _ = stream.set_zero_linger();
        drop(stream);
    }
}

/// Fault `no-banner`: keep the connection open, read and discard, never write.
async fn hold_silently(mut stream: TcpStream, mut stop: watch::Receiver<bool>) {
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => return,
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
        }
    }
}

/// The read buffer under each connection's russh session: a few of the client's packets.
const READ_BUFFER: usize = 4096;

async fn run_connection(
    dev: Arc<DeviceState>,
    stream: TcpStream,
    line: LineGuard,
    mut stop: watch::Receiver<bool>,
) {
    // Small interactive writes: Nagle plus delayed ACK would add up to 40 ms per exchange.
    let _ = stream.set_nodelay(true);
    let live = dev.recorder.clone().map(|r| {
        let port = stream.local_addr().map_or(0, |a| a.port());
        let hidden = Arc::new([dev.password.clone(), dev.secret.clone()]);
        Live::new(r, &dev.hostname, port, stream.peer_addr().ok(), hidden)
    });
    // However the connection ends, its record is closed and handed over.
    let _closer = live.clone().map(CloseOnDrop);
    let accepted = tokio::time::Instant::now();
    let grace_ends = accepted + dev.login_grace;
    let ident_ends = accepted + dev.profile.limits.ident_grace;
    let state = line.state.clone();
    let line = Arc::new(line);
    let authenticated = Arc::new(AtomicBool::new(false));
    let handler = Conn {
        dev: dev.clone(),
        line: line.clone(),
        over_limit: false,
        inputs: HashMap::new(),
        live: live.clone(),
        authenticated: authenticated.clone(),
    };
    // russh runs the session in a task of its own that ends only with its socket (a
    // disconnect request waits behind an unfinished key exchange), so the grace times shut
    // the socket down under it (through the line's second handle on it).
    let watchdog = async {
        // A connection that has sent nothing at all by `ident-grace` is closed.
        tokio::time::sleep_until(ident_ends.min(grace_ends)).await;
        if !state.heard.load(Ordering::Acquire) {
            line.close(true);
            return;
        }
        tokio::time::sleep_until(grace_ends).await;
        if !authenticated.load(Ordering::Acquire) {
            line.close(false);
            return;
        }
        std::future::pending::<()>().await;
    };
    let mut watchdog = std::pin::pin!(watchdog);
    let stream = Heard {
        inner: stream,
        state: state.clone(),
    };
    let session = tokio::select! {
        _ = stopped(&mut stop) => return,
        // A client that never sends its banner keeps `run_stream` waiting: the watchdog
        // ends it.
        _ = &mut watchdog => {
            idle_record(&live, &state);
            return;
        }
        // russh reads each packet's length and then its body with two reads (plus one that
        // finds the socket empty); a read buffer turns the two into one, and tokio's
        // short-read rule (a read shorter than the buffer clears readiness) drops the empty
        // ones. Writes pass through unbuffered.
        s = russh::server::run_stream(
            dev.config.clone(),
            tokio::io::BufReader::with_capacity(READ_BUFFER, stream),
            handler,
        ) => match s {
            Ok(s) => s,
            Err(_) => {
                idle_record(&live, &state);
                return;
            }
        },
    };
    let handle = session.handle();
    tokio::select! {
        _ = session => {}
        _ = stopped(&mut stop) => {
            let _ = handle
                .disconnect(Disconnect::ByApplication, "emulator shutting down".into(), String::new())
                .await;
        }
        _ = &mut watchdog => {}
    }
    idle_record(&live, &state);
}

/// A connection the device closed for sending nothing says so in its record.
fn idle_record(live: &Option<Live>, state: &device::LineState) {
    if state.idle_closed.load(Ordering::Acquire) {
        live.as_ref().inspect(|l| l.refused(Refused::Idle));
    }
}

/// Closes a session record when the connection's task ends, whichever way it ends.
struct CloseOnDrop(Live);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.clone().close();
    }
}

/// The russh handler of one connection.
struct Conn {
    dev: Arc<DeviceState>,
    /// Its place on the device (and its vty line, once it has one), until it ends.
    line: Arc<LineGuard>,
    /// Logged in while every vty line was busy (platforms that take it at login): the shell
    /// says so and closes.
    over_limit: bool,
    /// Typed bytes go to the channel's CLI task.
    inputs: HashMap<ChannelId, mpsc::UnboundedSender<Vec<u8>>>,
    /// This session's record, when the fleet records.
    live: Option<Live>,
    /// Set once authenticated: the login grace time no longer applies.
    authenticated: Arc<AtomicBool>,
}

impl Conn {
    /// One password or keyboard-interactive attempt: with an AAA server, one request to it,
    /// answered (or not) before the device decides; a rejection counts for `block-for`.
    async fn check(&self, user: &str, password: &[u8]) -> Auth {
        self.live.as_ref().inspect(|l| l.auth_attempt());
        let right = user == self.dev.username && password == self.dev.password.as_bytes();
        let verdict = match &self.dev.aaa {
            None => right,
            Some(aaa) => {
                // No answer: the next method (the local database) or a failure.
                let local = aaa.spec.fallback == crate::aaa::Fallback::Local;
                let (event, verdict) = match aaa.ask().await {
                    Outcome::Answered(w) => (AaaEvent::Answered(w), right),
                    Outcome::TimedOut(w) => (AaaEvent::TimedOut(w), local && right),
                    Outcome::Refused => (AaaEvent::Rejected, local && right),
                };
                let fell_back = local && !matches!(event, AaaEvent::Answered(_));
                self.live.as_ref().inspect(|l| l.aaa(event, fell_back));
                verdict
            }
        };
        if verdict {
            Auth::Accept
        } else {
            self.live.as_ref().inspect(|l| l.auth_failed());
            self.dev.login_failed(std::time::Instant::now());
            Auth::reject()
        }
    }

    fn check_key(&self, user: &str, key: &russh::keys::PublicKey) -> Auth {
        self.live.as_ref().inspect(|l| l.auth_attempt());
        let known = self
            .dev
            .authorized_keys
            .iter()
            .any(|k| k.key_data() == key.key_data());
        if user == self.dev.username && known {
            Auth::Accept
        } else {
            Auth::reject()
        }
    }

    fn start(&mut self, channel: ChannelId, session: &mut Session, kind: Kind) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inputs.insert(channel, tx);
        let ordinal = self.dev.sessions_started.fetch_add(1, Ordering::Relaxed);
        self.live.as_ref().inspect(|l| l.shell());
        let task = ChannelTask {
            live: self.live.clone(),
            rng: session_rng(self.dev.seed, self.dev.index, ordinal),
            dev: self.dev.clone(),
            out: Out {
                handle: session.handle(),
                channel,
                slow: self.dev.faults.slow,
            },
            rx,
        };
        let over_limit = self.over_limit;
        tokio::spawn(async move {
            if over_limit {
                task.refuse_busy().await
            } else {
                task.run(kind).await
            }
        });
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    /// IOS sends `banner login` as the SSH authentication banner.
    async fn authentication_banner(&mut self) -> Result<Option<String>, Self::Error> {
        Ok(self
            .dev
            .device
            .banner("login")
            .map(|b| format!("{}\r\n", b.trim_start_matches('\n').replace('\n', "\r\n"))))
    }

    /// Awaits the AAA server when there is one: only this connection waits (its client is
    /// waiting for the answer anyway); the login grace time still runs beside it.
    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check(user, password.as_bytes()).await)
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.check_key(user, offer.public_key))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.check_key(user, key.public_key))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(match response {
            None => Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            },
            Some(mut answers) => {
                let answer = answers.next().unwrap_or_default();
                self.check(user, &answer).await
            }
        })
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::Release);
        self.live.as_ref().inspect(|l| l.authenticated());
        self.over_limit = !self.dev.logged_in(&self.line);
        if self.over_limit {
            self.live.as_ref().inspect(|l| l.refused(Refused::VtyBusy));
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Input arrives through `data`; an unread Channel would fill up and stall the session.
        drop(channel);
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        self.start(channel, session, Kind::Shell);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let command = String::from_utf8_lossy(data).into_owned();
        self.start(channel, session, Kind::Exec(command));
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.inputs.get(&channel) {
            let _ = tx.send(data.to_vec());
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The task finishes what is queued, then sees the end of input.
        self.inputs.remove(&channel);
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.inputs.remove(&channel);
        Ok(())
    }
}
