//! Polling through a jump host (a device's [`Bastion`]). libssh2 needs a socket for the
//! device's session, so each device session gets a socket pair: the session core
//! ([`crate::session::poll_device`], unchanged) speaks SSH on one end, and a pump thread
//! ([`link`]) moves the other end's bytes to and from a `direct-tcpip` channel of a bastion
//! connection it owns.
//!
//! Two modes ([`JumpPlan`]), to measure against each other:
//! - `per-session` (OpenSSH's `ProxyJump`): a bastion connection (TCP, key exchange, login)
//!   for every device session, closed with it;
//! - `shared` (netmiko #1435's request): a pool of bastion connections per bastion, each
//!   carrying at most `channels_per_connection` device sessions at once, kept for the run.
//!
//! The session gains two phases before its own: `bastion` (the login to the bastion, or the
//! wait for a shared connection still logging in) and `bastion_channel` (the channel open,
//! the bastion's TCP connect to the device included). Every wait has a deadline: the pump
//! enforces the login's phase deadlines and the channel open's, and the session waits for
//! the pump's answer on its own socket, through its own [`Io`], with a deadline beyond both.

mod link;

use crate::error::SessionError;
use crate::job::Job;
use crate::session;
use crate::wait::{Dirs, Io, Stream};
use fleetbench_inventory::{Bastion, Device};
use fleetbench_report::{DeviceResult, ErrorInfo, Phase, PhaseTime};
use link::{Link, Opened, Reply};
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub use fleetbench_report::bastion::BastionMode;

pub use crate::job::{DEFAULT_CHANNELS, JumpPlan};

/// The bastion connections of one run: none kept in `per-session` mode, the shared pool in
/// `shared` mode. Lives in the run's poller (in each worker process for `processes`).
#[derive(Debug, Default)]
pub struct Jumps {
    pool: Mutex<Vec<Arc<Link>>>,
}

impl Jumps {
    /// A connection with room for one more channel to `b`: a new one in `per-session` mode
    /// (or when every pooled one is full or dead), else the pooled one with the fewest.
    fn lease(&self, b: &Bastion, job: &Job, timeout: Duration) -> Result<Arc<Link>, SessionError> {
        if job.bastion.mode == BastionMode::PerSession {
            return Link::start(b, job, timeout, 1).map(Arc::new);
        }
        let cap = job.bastion.channels_per_connection.max(1);
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.retain(|l| !l.is_dead());
        if let Some(l) = pool
            .iter()
            .filter(|l| l.serves(b))
            .min_by_key(|l| l.in_use())
            .filter(|l| l.try_reserve(cap))
        {
            return Ok(l.clone());
        }
        let l = Arc::new(Link::start(b, job, timeout, 1)?);
        pool.push(l.clone());
        Ok(l)
    }

    /// The run is over: pooled connections close once their last channel has.
    pub fn end_run(&self) {
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Polls `dev` through `b`: a channel from a bastion connection, then the one session core
/// over it. Never panics; every failure is the result's typed error.
pub async fn poll_via<I: Io>(
    io: &I,
    jumps: &Jumps,
    dev: &Device,
    b: &Bastion,
    job: &Job,
) -> DeviceResult {
    let t0 = Instant::now();
    let unix0 = fleetbench_report::unix_now();
    let timeout = job.timeout.unwrap_or(dev.timeout);
    match open(io, jumps, dev, b, job, timeout).await {
        Err((e, phases)) => {
            let mut r = DeviceResult::blank(&dev.name, &dev.host, dev.port);
            let mut info = ErrorInfo::from(&e);
            crate::scrub::Scrubber::for_device(dev).scrub_string(&mut info.message);
            r.error = Some(info);
            r.phases = phases.times(t0);
            r.started_unix = unix0;
            r.ended_unix = unix0 + t0.elapsed().as_secs_f64();
            r.worker = session::worker_label();
            r
        }
        Ok((first, link, phases)) => {
            let via = Via {
                inner: io,
                first: Mutex::new(Some(first)),
                link: &link,
                timeout,
            };
            let r = session::poll_device(&via, dev, job).await;
            splice(r, unix0, t0, &phases)
        }
    }
}

/// When the two bastion phases began and ended.
#[derive(Debug, Clone, Copy)]
struct Marks {
    /// The session asked for a connection.
    start: Instant,
    /// The connection was logged in (or already was); `None` if it never got there.
    ready: Option<Instant>,
    /// The channel was open (or refused); `None` if it never got there.
    opened: Option<Instant>,
}

impl Marks {
    /// The `bastion` and `bastion_channel` phase times, relative to `t0`.
    fn times(&self, t0: Instant) -> Vec<PhaseTime> {
        let at = |i: Instant| i.saturating_duration_since(t0).as_secs_f64();
        let now = Instant::now();
        let ready = self.ready.unwrap_or(now).max(self.start);
        let mut v = vec![PhaseTime {
            phase: Phase::Bastion,
            index: None,
            start_s: at(self.start),
            secs: ready.saturating_duration_since(self.start).as_secs_f64(),
        }];
        if self.ready.is_some() {
            let end = self.opened.unwrap_or(now).max(ready);
            v.push(PhaseTime {
                phase: Phase::BastionChannel,
                index: None,
                start_s: at(ready),
                secs: end.saturating_duration_since(ready).as_secs_f64(),
            });
        }
        v
    }
}

/// The device session's result with the bastion's phases in front: it starts when the
/// bastion was asked, and its own phases move by the time that took.
fn splice(mut r: DeviceResult, unix0: f64, t0: Instant, marks: &Marks) -> DeviceResult {
    let offset = (r.started_unix - unix0).max(0.0);
    for p in &mut r.phases {
        p.start_s += offset;
    }
    let mut phases = marks.times(t0);
    phases.append(&mut r.phases);
    r.phases = phases;
    r.started_unix = unix0;
    r
}

/// A channel to `dev` through `b`: the local end of its socket pair, registered with `io`.
async fn open<I: Io>(
    io: &I,
    jumps: &Jumps,
    dev: &Device,
    b: &Bastion,
    job: &Job,
    timeout: Duration,
) -> Result<((Stream, I::Sock), Arc<Link>, Marks), (SessionError, Marks)> {
    let start = Instant::now();
    let mut marks = Marks {
        start,
        ready: None,
        opened: None,
    };
    let link = jumps.lease(b, job, timeout).map_err(|e| (e, marks))?;
    match channel(io, &link, &dev.host, dev.port, timeout).await {
        Ok((stream, sock, opened)) => {
            marks.ready = Some(opened.ready_at);
            marks.opened = Some(opened.opened_at);
            Ok(((stream, sock), link, marks))
        }
        Err((e, ready)) => {
            marks.ready = ready;
            marks.opened = ready.map(|_| Instant::now());
            Err((e, marks))
        }
    }
}

/// Asks `link` for a channel to `host:port` and waits for the pump's answer (one status
/// byte on the session's own socket) with a deadline past the pump's own.
async fn channel<I: Io>(
    io: &I,
    link: &Link,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<(Stream, I::Sock, Opened), (SessionError, Option<Instant>)> {
    let failed = |e: io::Error| {
        (
            SessionError::Ssh {
                phase: Phase::BastionChannel,
                message: format!("local socket pair: {e}"),
            },
            None,
        )
    };
    let (mine, theirs) = UnixStream::pair().map_err(failed)?;
    mine.set_nonblocking(true).map_err(failed)?;
    theirs.set_nonblocking(true).map_err(failed)?;
    let reply = Arc::new(Reply::default());
    let requested = Instant::now();
    // Backstop past the pump's deadlines: its login phases (connect, handshake, up to three
    // auth methods) when it is not logged in yet, then the channel's.
    let login = if link.ready_at().is_some() { 0 } else { 5 };
    let deadline = requested + timeout * (login + 1) + Duration::from_secs(1);
    link.request(host, port, theirs, reply.clone(), requested + timeout)
        .map_err(|e| (e, link.ready_at()))?;
    let stream = Stream::Unix(mine);
    let sock = io.adopt(&stream).map_err(failed)?;
    let mut status = [0u8; 1];
    let mut stream = stream;
    loop {
        match stream.read(&mut status) {
            Ok(1) => break,
            // The pump dropped the request (its connection ended): it says why.
            Ok(_) => {
                return Err(reply
                    .take()
                    .and_then(Result::err)
                    .unwrap_or_else(|| link.gone()));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let dirs = Dirs {
                    read: true,
                    write: false,
                };
                match io.ready(&sock, dirs, deadline).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let ready = link.ready_at();
                        let phase = if ready.is_some() {
                            Phase::BastionChannel
                        } else {
                            Phase::Bastion
                        };
                        return Err((
                            SessionError::Timeout {
                                phase,
                                secs: timeout.as_secs_f64(),
                            },
                            ready,
                        ));
                    }
                    Err(e) => return Err(failed(e)),
                }
            }
            Err(e) => return Err(failed(e)),
        }
    }
    match reply.take() {
        Some(Ok(opened)) if status[0] == link::OPEN => Ok((stream, sock, opened)),
        Some(Err(failure)) => Err(failure),
        _ => Err(link.gone()),
    }
}

/// The session core's [`Io`] through a jump host: its first connect is the channel already
/// open; another one (the key-exchange probe after a failed negotiation) opens another
/// channel on the same bastion connection.
struct Via<'a, I: Io> {
    inner: &'a I,
    first: Mutex<Option<(Stream, I::Sock)>>,
    link: &'a Link,
    timeout: Duration,
}

impl<I: Io> Io for Via<'_, I> {
    type Sock = I::Sock;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        _deadline: Instant,
    ) -> io::Result<(Stream, I::Sock)> {
        let first = self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(first) = first {
            return Ok(first);
        }
        channel(self.inner, self.link, host, port, self.timeout)
            .await
            .map(|(stream, sock, _)| (stream, sock))
            .map_err(|(e, _)| io::Error::other(e.to_string()))
    }

    fn adopt(&self, stream: &Stream) -> io::Result<I::Sock> {
        self.inner.adopt(stream)
    }

    async fn ready(&self, sock: &I::Sock, dirs: Dirs, deadline: Instant) -> io::Result<bool> {
        self.inner.ready(sock, dirs, deadline).await
    }

    async fn yield_now(&self) {
        self.inner.yield_now().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bastion_phases_come_first_and_the_sessions_move_by_them() {
        let t0 = Instant::now();
        let marks = Marks {
            start: t0,
            ready: Some(t0 + Duration::from_millis(30)),
            opened: Some(t0 + Duration::from_millis(40)),
        };
        let mut r = DeviceResult::blank("R1", "127.0.0.1", 10001);
        r.started_unix = 100.050;
        r.ended_unix = 100.150;
        r.phases.push(PhaseTime {
            phase: Phase::Connect,
            index: None,
            start_s: 0.0,
            secs: 0.001,
        });
        let r = splice(r, 100.0, t0, &marks);
        let names: Vec<Phase> = r.phases.iter().map(|p| p.phase).collect();
        assert_eq!(
            names,
            [Phase::Bastion, Phase::BastionChannel, Phase::Connect]
        );
        assert!((r.phases[0].secs - 0.030).abs() < 1e-9);
        assert!((r.phases[1].start_s - 0.030).abs() < 1e-9);
        assert!((r.phases[1].secs - 0.010).abs() < 1e-9);
        assert!((r.phases[2].start_s - 0.050).abs() < 1e-9);
        assert_eq!(r.started_unix, 100.0);
        assert!((r.total_secs() - 0.150).abs() < 1e-9);
    }

    #[test]
    fn a_login_that_never_ended_has_no_channel_phase() {
        let t0 = Instant::now();
        let marks = Marks {
            start: t0,
            ready: None,
            opened: None,
        };
        let p = marks.times(t0);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].phase, Phase::Bastion);
    }

    #[test]
    fn plans_serialize_and_default_to_per_session() {
        let p = JumpPlan::default();
        assert_eq!(p.mode, BastionMode::PerSession);
        assert_eq!(p.channels_per_connection, 10);
        let back: JumpPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
