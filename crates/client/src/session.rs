//! The one connect-and-run core: every strategy polls a device through [`poll_device`].
//!
//! It drives libssh2 (the `ssh2` crate) in non-blocking mode. Whenever libssh2 would block it
//! asks its [`Io`] to wait for the socket direction libssh2 names, with the current phase's
//! deadline; so the same code runs on a plain thread ([`PollIo`], through [`poll_blocking`])
//! and on tokio ([`crate::wait::TokioIo`]). It knows nothing about concurrency.
//!
//! Phases: connect, handshake (and host key check), auth, shell (pty + shell), prompt (first
//! prompt, `terminal length 0`), enable, each command, close. Each phase has its own deadline
//! (the device's `timeout`; in the auth phase, each method tried has its own) and is timed;
//! the prompt and dialogue decisions come from [`crate::dialogue`].
//!
//! Auth tries the key file (if any), then the password, then keyboard-interactive with the
//! password. With neither a key file nor a password, it tries the keys of the ssh-agent at
//! `SSH_AUTH_SOCK`.
//!
//! A session can also be kept between polls ([`kept`], `--sessions keep`): the same open
//! (`shell.rs`: connect, log in, pty and shell) and the same conversation, run again on the
//! open shell, with no second copy of either.

use crate::error::{Phase, SessionError};
use crate::job::Job;
use crate::scrub::Scrubber;
use crate::wait::{Dirs, Io, PollIo};
use base64::Engine;
use fleetbench_inventory::Device;
use fleetbench_inventory::platform::Platform;
use fleetbench_report::{CommandOutput, DeviceResult, ErrorInfo, PhaseTime};
use ssh2::{ErrorCode, Session};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

mod auth;
pub mod kept;
mod offer;
mod recv;
mod shell;
use auth::authenticate;
pub use offer::set_offer;
use offer::{negotiation_error, offer_algorithms};
use shell::{CLOSE_WAIT, Shell};

/// Bytes read in a row (the socket never made the core wait) after which a session gives way
/// to the others on its thread ([`Io::yield_now`]): a flooding device cannot starve the async
/// runtime, while a normal answer (a few KiB, then a wait) never yields.
const YIELD_EVERY: usize = 64 * 1024;

pub(crate) const EAGAIN: i32 = -37;
const ERR_AUTH_FAILED: i32 = -18;
/// What libssh2 says when the server refuses a public key (key file or agent identity).
const ERR_PUBLICKEY_UNVERIFIED: i32 = -19;
const ERR_TIMEOUT: i32 = -9;
/// Key exchange failed: no common algorithm, or the exchange itself broke.
const ERR_KEX_FAILURE: i32 = -5;
const ERR_KEY_EXCHANGE: i32 = -8;
const ERR_SOCKET_TIMEOUT: i32 = -30;
/// Socket send/recv failures, disconnect, channel closed: the peer went away.
pub(crate) const ERR_GONE: [i32; 5] = [-7, -13, -26, -27, -43];

/// Polls one device on the calling thread (blocking waits with `poll(2)`).
pub fn poll_blocking(dev: &Device, job: &Job) -> DeviceResult {
    pollster::block_on(poll_device(&PollIo, dev, job))
}

/// Polls one device: connect, log in, run the job's commands, close. Never panics and never
/// waits past a phase's deadline; every failure becomes a typed error in the result.
pub async fn poll_device<I: Io>(io: &I, dev: &Device, job: &Job) -> DeviceResult {
    let mut clock = PhaseClock::start();
    let mut keys = HostKeyFacts::default();
    let mut tcp = None;
    let mut outputs = Vec::new();
    let outcome = run(io, dev, job, &mut clock, &mut keys, &mut outputs, &mut tcp).await;
    device_result(dev, clock, keys, tcp, outputs, outcome)
}

/// One poll's result from what its session gathered.
pub(crate) fn device_result(
    dev: &Device,
    clock: PhaseClock,
    keys: HostKeyFacts,
    tcp: Option<fleetbench_report::TcpStats>,
    outputs: Vec<CommandOutput>,
    outcome: Result<(), SessionError>,
) -> DeviceResult {
    let (phases, started_unix, ended_unix) = clock.finish();
    let (ok, error) = match outcome {
        Ok(()) => (true, None),
        Err(e) => {
            let mut info = ErrorInfo::from(&e);
            // The dialogue already masked its tails and outputs; this covers every other
            // message too.
            Scrubber::for_device(dev).scrub_string(&mut info.message);
            (false, Some(info))
        }
    };
    DeviceResult {
        name: dev.name.clone(),
        host: dev.host.clone(),
        port: dev.port,
        ok,
        outputs,
        error,
        started_unix,
        ended_unix,
        phases,
        host_key: keys.fingerprint,
        new_host_key: keys.new_entry,
        worker: worker_label(),
        tcp,
        attempts: 1,
        retried: Vec::new(),
    }
}

/// The longest one session can take by its deadlines: every phase's deadline (connect,
/// handshake, auth (up to three methods, each with its own deadline: key, password,
/// keyboard-interactive), shell, prompt, enable, each command), plus the close cap.
pub fn budget(dev: &Device, job: &Job) -> Duration {
    let phase = job.timeout.unwrap_or(dev.timeout);
    let phases = u32::try_from(8 + job.commands.len()).unwrap_or(u32::MAX);
    phase.saturating_mul(phases).saturating_add(CLOSE_WAIT)
}

/// `pid/thread` of the caller, for the verbose log and the timeline.
pub fn worker_label() -> String {
    let t = std::thread::current();
    let name = t
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:?}", t.id()));
    format!("{}/{}", std::process::id(), name)
}

#[derive(Default)]
pub(crate) struct HostKeyFacts {
    fingerprint: Option<String>,
    new_entry: Option<String>,
}

/// Records when each phase starts and how long it lasts.
pub(crate) struct PhaseClock {
    begun: Instant,
    started_unix: f64,
    current: Option<(Phase, Option<usize>, Instant)>,
    done: Vec<PhaseTime>,
}

impl PhaseClock {
    pub(crate) fn start() -> Self {
        PhaseClock {
            begun: Instant::now(),
            started_unix: fleetbench_report::unix_now(),
            current: None,
            done: Vec::new(),
        }
    }

    pub(crate) fn enter(&mut self, phase: Phase, index: Option<usize>) {
        self.close_current();
        self.current = Some((phase, index, Instant::now()));
    }

    fn close_current(&mut self) {
        if let Some((phase, index, at)) = self.current.take() {
            self.done.push(PhaseTime {
                phase,
                index,
                start_s: at.duration_since(self.begun).as_secs_f64(),
                secs: at.elapsed().as_secs_f64(),
            });
        }
    }

    fn finish(mut self) -> (Vec<PhaseTime>, f64, f64) {
        self.close_current();
        let ended = self.started_unix + self.begun.elapsed().as_secs_f64();
        (self.done, self.started_unix, ended)
    }
}

/// The socket, the session and the per-phase timeout, for the retry loops.
pub(crate) struct Conn<'a, I: Io> {
    pub(crate) io: &'a I,
    pub(crate) sock: &'a I::Sock,
    pub(crate) sess: &'a Session,
    pub(crate) timeout: Duration,
    /// The buffered receive callback of this session, re-armed after every wait.
    pub(crate) recv: Option<&'a recv::BufferedRecv>,
}

impl<I: Io> Conn<'_, I> {
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Waits for the socket in the direction libssh2 is blocked on; a missed deadline is a
    /// timeout of `phase`.
    pub(crate) async fn wait(&self, phase: Phase, deadline: Instant) -> Result<(), SessionError> {
        let dirs = Dirs::from(self.sess.block_directions());
        let ready = self.io.ready(self.sock, dirs, deadline).await;
        if let Some(r) = self.recv {
            r.rearm();
        }
        match ready {
            Ok(true) => Ok(()),
            Ok(false) => Err(SessionError::Timeout {
                phase,
                secs: self.timeout.as_secs_f64(),
            }),
            Err(e) => Err(SessionError::Ssh {
                phase,
                message: e.to_string(),
            }),
        }
    }

    /// Calls a libssh2 operation until it stops saying "would block", waiting on the socket
    /// in between.
    async fn retry<T>(
        &self,
        phase: Phase,
        deadline: Instant,
        mut op: impl FnMut() -> Result<T, ssh2::Error>,
    ) -> Result<T, ssh2_or_session::E> {
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(e) if e.code() == ErrorCode::Session(EAGAIN) => self
                    .wait(phase, deadline)
                    .await
                    .map_err(ssh2_or_session::E::Session)?,
                Err(e) => return Err(ssh2_or_session::E::Ssh(e)),
            }
        }
    }

    /// [`Self::retry`] for operations whose libssh2 failures all map the same way.
    async fn run_op<T>(
        &self,
        phase: Phase,
        deadline: Instant,
        op: impl FnMut() -> Result<T, ssh2::Error>,
    ) -> Result<T, SessionError> {
        self.retry(phase, deadline, op)
            .await
            .map_err(|e| e.into_session(phase, self.timeout))
    }

    /// A channel read or write failed. The ssh2 crate turns libssh2 errors into an
    /// `io::Error` that keeps only the message, so the code (which tells a peer that went away
    /// from other failures) is read back from the session.
    fn io_failure(&self, e: io::Error, phase: Phase) -> SessionError {
        match ssh2::Error::last_session_error(self.sess) {
            Some(se) if e.kind() == io::ErrorKind::Other => ssh_error(&se, phase, self.timeout),
            _ => io_error(e, phase),
        }
    }

    async fn write_all(
        &self,
        ch: &mut ssh2::Channel,
        mut bytes: &[u8],
        phase: Phase,
        deadline: Instant,
    ) -> Result<(), SessionError> {
        while !bytes.is_empty() {
            match ch.write(bytes) {
                Ok(0) => return Err(SessionError::Disconnected { phase }),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait(phase, deadline).await?
                }
                Err(e) => return Err(self.io_failure(e, phase)),
            }
        }
        Ok(())
    }
}

/// libssh2 failures kept apart from session errors until the caller knows what they mean
/// (an auth failure is `AuthRejected` only in the auth phase).
mod ssh2_or_session {
    use super::*;

    pub enum E {
        Session(SessionError),
        Ssh(ssh2::Error),
    }

    impl E {
        pub fn into_session(self, phase: Phase, timeout: Duration) -> SessionError {
            match self {
                E::Session(e) => e,
                E::Ssh(e) => ssh_error(&e, phase, timeout),
            }
        }
        pub fn is_auth_failure(&self) -> bool {
            matches!(self, E::Ssh(e) if matches!(
                e.code(),
                ErrorCode::Session(ERR_AUTH_FAILED | ERR_PUBLICKEY_UNVERIFIED)
            ))
        }
    }
}

pub(crate) fn ssh_error(e: &ssh2::Error, phase: Phase, timeout: Duration) -> SessionError {
    match e.code() {
        ErrorCode::Session(c) if ERR_GONE.contains(&c) => SessionError::Disconnected { phase },
        ErrorCode::Session(ERR_TIMEOUT | ERR_SOCKET_TIMEOUT) => SessionError::Timeout {
            phase,
            secs: timeout.as_secs_f64(),
        },
        _ => SessionError::Ssh {
            phase,
            message: e.message().to_string(),
        },
    }
}

fn io_error(e: io::Error, phase: Phase) -> SessionError {
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => SessionError::Disconnected { phase },
        _ => SessionError::Ssh {
            phase,
            message: e.to_string(),
        },
    }
}

pub(crate) fn connect_error(e: io::Error, dev: &Device, timeout: Duration) -> SessionError {
    match e.kind() {
        // A reset while connecting: the server took the connection and threw it away at once
        // (a device with every vty line busy, or in quiet mode, refuses it so).
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            SessionError::Refused { addr: dev.addr() }
        }
        io::ErrorKind::TimedOut => SessionError::Timeout {
            phase: Phase::Connect,
            secs: timeout.as_secs_f64(),
        },
        _ => SessionError::Unreachable {
            addr: dev.addr(),
            message: e.to_string(),
        },
    }
}

/// Whether the peer has closed the connection (end of stream or reset), without consuming
/// anything.
fn peer_closed(fd: std::os::fd::RawFd) -> bool {
    let mut byte = 0u8;
    // SAFETY: a one-byte buffer that outlives the call; `fd` is the session's socket, open
    // for as long as `sess` lives (the caller holds it).
    let n = unsafe {
        libc::recv(
            fd,
            (&mut byte as *mut u8).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 0
        || (n < 0
            && matches!(
                io::Error::last_os_error().kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ))
}

fn key_type_name(t: ssh2::HostKeyType) -> &'static str {
    match t {
        ssh2::HostKeyType::Rsa => "ssh-rsa",
        ssh2::HostKeyType::Dss => "ssh-dss",
        ssh2::HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        ssh2::HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        ssh2::HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        ssh2::HostKeyType::Ed25519 => "ssh-ed25519",
        ssh2::HostKeyType::Unknown => "unknown",
    }
}

async fn run<I: Io>(
    io: &I,
    dev: &Device,
    job: &Job,
    clock: &mut PhaseClock,
    keys: &mut HostKeyFacts,
    outputs: &mut Vec<CommandOutput>,
    tcp: &mut Option<fleetbench_report::TcpStats>,
) -> Result<(), SessionError> {
    let platform = Platform::by_device_type(&dev.device_type)?;
    let mut shell = Shell::open(io, dev, job, clock, keys, tcp).await?;
    let mut d = shell::dialogue(dev, platform, job);
    let first = d.start();
    let conversed = shell.converse(io, &mut d, first, clock).await;
    if conversed.is_ok() {
        clock.enter(Phase::Close, None);
        shell.close(io, &d.exit_line()).await;
    }
    // Read while the socket is still open, whichever way the session ended.
    *tcp = shell.tcp_stats();
    conversed?;
    // A rejected command ends the device, with every output so far (the rejected one's
    // included) kept for the report.
    let rejected = d.rejection().cloned();
    *outputs = d.into_outputs();
    rejected.map_or(Ok(()), Err)
}

/// Key exchange, host key check and login on a connected session: what a device's session
/// and a jump host's connection ([`crate::jump`]) share.
pub(crate) async fn secure<I: Io>(
    c: &Conn<'_, I>,
    handshaker: &mut Session,
    dev: &Device,
    job: &Job,
    clock: &mut PhaseClock,
    keys: &mut HostKeyFacts,
) -> Result<(), SessionError> {
    clock.enter(Phase::Handshake, None);
    let offered = offer_algorithms(c.sess, dev)?;
    match c
        .retry(Phase::Handshake, c.deadline(), || handshaker.handshake())
        .await
    {
        Ok(()) => {}
        // A failed key exchange: name the list with nothing in common and both offers. But
        // libssh2 also reports a server that closed after its banner as a failed key
        // exchange; when the device's offer cannot be read and the socket is closed, that is
        // what happened.
        Err(ssh2_or_session::E::Ssh(e))
            if matches!(
                e.code(),
                ErrorCode::Session(ERR_KEX_FAILURE | ERR_KEY_EXCHANGE)
            ) =>
        {
            let err = negotiation_error(c.io, dev, &offered, &e, c.deadline()).await;
            if !matches!(err, SessionError::NoCommonAlgorithm { .. })
                && peer_closed(c.sess.as_raw_fd())
            {
                return Err(SessionError::Disconnected {
                    phase: Phase::Handshake,
                });
            }
            return Err(err);
        }
        Err(ssh2_or_session::E::Ssh(_)) if peer_closed(c.sess.as_raw_fd()) => {
            return Err(SessionError::Disconnected {
                phase: Phase::Handshake,
            });
        }
        Err(e) => return Err(e.into_session(Phase::Handshake, c.timeout)),
    }
    check_host_key(c.sess, dev, job, keys)?;

    clock.enter(Phase::Auth, None);
    authenticate(c, dev, job.aaa_late()).await?;
    Ok(())
}

fn check_host_key(
    sess: &Session,
    dev: &Device,
    job: &Job,
    keys: &mut HostKeyFacts,
) -> Result<(), SessionError> {
    let Some((blob, kind)) = sess.host_key() else {
        return Err(SessionError::Ssh {
            phase: Phase::Handshake,
            message: "the server sent no host key".into(),
        });
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(blob);
    if let Some(hash) = sess.host_key_hash(ssh2::HashType::Sha256) {
        keys.fingerprint = Some(format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)
        ));
    }
    keys.new_entry = job
        .host_keys
        .decide(&dev.host, dev.port, key_type_name(kind), &b64)?;
    Ok(())
}
