//! One bastion connection and the thread that owns it: the thread logs in (the session
//! core's own handshake, host key check and auth, waiting with `poll(2)` and the phase
//! deadlines), then pumps: it opens the `direct-tcpip` channels sessions ask for and moves
//! bytes between each channel and the socket pair end the session gave it.
//!
//! libssh2 in non-blocking mode has one rule the pump keeps: an operation that returned
//! "would block" while libssh2 was sending must be called again, with the same arguments,
//! before any other operation sends (a half-sent packet is resumed by whatever sends next,
//! which would then believe its own packet gone). So an operation that blocks outbound is
//! the only one retried until it completes. Reading one channel may queue another's data
//! inside libssh2, so every channel is tried again until a whole pass makes no progress.

use crate::error::SessionError;
use crate::job::Job;
use crate::session::{self, Conn, HostKeyFacts, PhaseClock};
use crate::wait::{Io, PollIo};
use fleetbench_inventory::{Bastion, Device};
use fleetbench_report::Phase;
use ssh2::Session;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// The status byte a session reads before its SSH stream: the channel is open.
pub(super) const OPEN: u8 = 0;
/// The open failed; the [`Reply`] says why.
const FAILED: u8 = 1;
/// libssh2's "channel open failure" (the server answered the open with a failure).
const ERR_CHANNEL_FAILURE: i32 = -21;
/// Longest the pump waits in one `poll(2)` when nothing has a deadline: it re-checks its
/// queue, so an idle pooled connection costs one wake-up a second.
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// Longest the orderly disconnect of an idle connection may take.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Stack of a pump thread: it runs libssh2 and small buffers only.
const STACK: usize = 256 * 1024;

mod pump;
use pump::Pump;

/// When a channel became usable.
#[derive(Debug, Clone, Copy)]
pub(super) struct Opened {
    /// The bastion connection was logged in.
    pub ready_at: Instant,
    pub opened_at: Instant,
}

/// A failure, and when the connection was logged in (if it was).
type Failure = (SessionError, Option<Instant>);

/// The pump's answer to one request, read by the session after the status byte.
#[derive(Debug, Default)]
pub(super) struct Reply {
    state: Mutex<Option<Result<Opened, Failure>>>,
}

impl Reply {
    fn set(&self, v: Result<Opened, Failure>) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Some(v);
    }

    pub(super) fn take(&self) -> Option<Result<Opened, Failure>> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// A channel a session asks for.
struct Request {
    host: String,
    port: u16,
    /// The pump's end of the session's socket pair.
    local: UnixStream,
    reply: Arc<Reply>,
    /// The channel must be open by then.
    deadline: Instant,
}

/// What the handle and the pump share.
#[derive(Debug, Default)]
struct Shared {
    ready_at: OnceLock<Instant>,
    error: Mutex<Option<SessionError>>,
    dead: AtomicBool,
    /// Channels reserved or open (the shared pool's count).
    in_use: AtomicUsize,
}

impl Shared {
    fn fail(&self, e: SessionError) {
        let mut err = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if err.is_none() {
            *err = Some(e);
        }
        self.dead.store(true, Ordering::Release);
    }

    fn release(&self) {
        let _ = self
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }
}

/// A handle on one bastion connection; its pump ends once every handle is gone and its
/// last channel is closed.
#[derive(Debug)]
pub(super) struct Link {
    key: (String, u16, String),
    label: String,
    tx: crossbeam_channel::Sender<Request>,
    /// Written to wake the pump (a request queued, the handle dropped).
    wake: UnixStream,
    shared: Arc<Shared>,
}

impl Link {
    /// Starts the connection's thread (it logs in at once), with `reserved` channels
    /// already counted.
    pub(super) fn start(
        b: &Bastion,
        job: &Job,
        timeout: Duration,
        reserved: usize,
    ) -> Result<Link, SessionError> {
        let label = b.label();
        let setup = |e: io::Error| SessionError::AtBastion {
            bastion: label.clone(),
            source: Box::new(SessionError::Ssh {
                phase: Phase::Bastion,
                message: format!("cannot start its connection: {e}"),
            }),
        };
        let (wake, wake_rx) = UnixStream::pair().map_err(setup)?;
        wake.set_nonblocking(true).map_err(setup)?;
        wake_rx.set_nonblocking(true).map_err(setup)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared::default());
        shared.in_use.store(reserved, Ordering::Release);
        let dev = b.as_device(timeout);
        // The bastion's host key is checked like a device's; nothing else of the job applies.
        let login_job = Job::new(Vec::new(), job.host_keys.clone());
        let (thread_shared, thread_label) = (shared.clone(), label.clone());
        std::thread::Builder::new()
            .name("bastion".into())
            .stack_size(STACK)
            .spawn(move || run(dev, login_job, thread_label, rx, wake_rx, thread_shared))
            .map_err(setup)?;
        Ok(Link {
            key: (b.host.clone(), b.port, b.username.clone()),
            label,
            tx,
            wake,
            shared,
        })
    }

    pub(super) fn serves(&self, b: &Bastion) -> bool {
        self.key.0 == b.host && self.key.1 == b.port && self.key.2 == b.username
    }

    pub(super) fn in_use(&self) -> usize {
        self.shared.in_use.load(Ordering::Acquire)
    }

    /// Counts one more channel if fewer than `cap` are reserved or open.
    pub(super) fn try_reserve(&self, cap: usize) -> bool {
        self.shared
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .is_ok()
    }

    pub(super) fn is_dead(&self) -> bool {
        self.shared.dead.load(Ordering::Acquire)
    }

    pub(super) fn ready_at(&self) -> Option<Instant> {
        self.shared.ready_at.get().copied()
    }

    /// Why the connection is gone (or a disconnect, when it never said).
    pub(super) fn gone(&self) -> Failure {
        let e = self
            .shared
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| SessionError::AtBastion {
                bastion: self.label.clone(),
                source: Box::new(SessionError::Disconnected {
                    phase: Phase::BastionChannel,
                }),
            });
        (e, self.ready_at())
    }

    /// Queues a channel to `host:port` whose bytes go to and from `local`.
    pub(super) fn request(
        &self,
        host: &str,
        port: u16,
        local: UnixStream,
        reply: Arc<Reply>,
        deadline: Instant,
    ) -> Result<(), SessionError> {
        let r = Request {
            host: host.to_string(),
            port,
            local,
            reply,
            deadline,
        };
        if self.tx.send(r).is_err() {
            self.shared.release();
            return Err(self.gone().0);
        }
        let _ = (&self.wake).write(&[1]);
        Ok(())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // The sender goes with the handle; wake the pump so it sees it gone.
        let _ = (&self.wake).write(&[1]);
    }
}

/// The connection's thread: log in, then pump until no handle and no channel is left.
fn run(
    dev: Device,
    job: Job,
    label: String,
    rx: crossbeam_channel::Receiver<Request>,
    wake: UnixStream,
    shared: Arc<Shared>,
) {
    match pollster::block_on(login(&PollIo, &dev, &job, &label)) {
        Ok(sess) => {
            let _ = shared.ready_at.set(Instant::now());
            Pump::new(sess, label, rx, wake, shared).run();
        }
        Err(e) => {
            shared.fail(e.clone());
            // Whatever was already asked fails with the login's error; the rest, with the
            // queue dropped, sees its socket close and reads the same error from `gone`.
            while let Ok(r) = rx.try_recv() {
                answer(&r, Err((e.clone(), None)));
                shared.release();
            }
        }
    }
}

/// Logs in to the bastion as the session core logs in to a device.
async fn login<I: Io>(
    io: &I,
    dev: &Device,
    job: &Job,
    label: &str,
) -> Result<Session, SessionError> {
    let timeout = dev.timeout;
    let at = |e: SessionError| SessionError::AtBastion {
        bastion: label.to_string(),
        source: Box::new(e),
    };
    let (stream, sock) = io
        .connect(&dev.host, dev.port, Instant::now() + timeout)
        .await
        .map_err(|e| at(session::connect_error(e, dev, timeout)))?;
    let sess = Session::new().map_err(|e| at(session::ssh_error(&e, Phase::Bastion, timeout)))?;
    sess.set_blocking(false);
    let mut handshaker = sess.clone();
    handshaker.set_tcp_stream(stream);
    let c = Conn {
        io,
        sock: &sock,
        sess: &sess,
        timeout,
        // The bastion's connection outlives this login: its pump waits without re-arming.
        recv: None,
    };
    let mut clock = PhaseClock::start();
    let mut keys = HostKeyFacts::default();
    match session::secure(&c, &mut handshaker, dev, job, &mut clock, &mut keys).await {
        Ok(()) => Ok(sess),
        Err(SessionError::AuthRejected { user }) => Err(SessionError::BastionAuthRejected {
            bastion: label.to_string(),
            user,
        }),
        Err(SessionError::Disconnected {
            phase: Phase::Handshake,
        }) if closed_before_banner(&sess) => Err(SessionError::DroppedAtStartup {
            bastion: label.to_string(),
        }),
        Err(e) => Err(at(e)),
    }
}

/// Whether the server never sent its SSH version line (at most a notice before closing,
/// which libssh2 skips as RFC 4253 §4.2 allows).
fn closed_before_banner(sess: &Session) -> bool {
    sess.banner().is_none_or(|b| !b.starts_with("SSH-"))
}

/// Tells the session how its request ended: the reply first, then the status byte it waits
/// for.
fn answer(r: &Request, v: Result<Opened, Failure>) {
    let status = if v.is_ok() { OPEN } else { FAILED };
    r.reply.set(v);
    let _ = (&r.local).write(&[status]);
}
