//! The pump of one logged-in bastion connection: it opens the `direct-tcpip` channels
//! sessions ask for and moves bytes between each channel and its session's socket, keeping
//! libssh2's non-blocking rule ([`super`]'s module docs).

use super::{CLOSE_WAIT, ERR_CHANNEL_FAILURE, IDLE_WAIT, Opened, Request, Shared, answer};
use crate::error::SessionError;
use crate::session::{EAGAIN, ERR_GONE};
use crate::wait::PollIo;
use fleetbench_report::Phase;
use ssh2::{BlockDirections, ErrorCode, Session};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// A queued request and whether libssh2 has started opening it.
struct Queued {
    req: Request,
    started: bool,
    /// The session was already told it timed out; the channel is closed once open.
    answered: bool,
}

/// One open channel and its session's socket.
struct Chan {
    id: u64,
    ch: ssh2::Channel,
    local: UnixStream,
    /// Channel → session, not yet written.
    out: Vec<u8>,
    out_at: usize,
    /// Session → channel, not yet written.
    inp: Vec<u8>,
    inp_at: usize,
    /// The device's side ended (its EOF passed on to the session).
    chan_eof: bool,
    /// The session's side ended (it closed its socket, or is gone).
    local_eof: bool,
    /// Closed on both sides; to be removed.
    done: bool,
}

/// The operation libssh2 must see again before anything else sends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Open,
    Read(u64),
    Write(u64),
    Close(u64),
}

pub(super) struct Pump {
    sess: Session,
    fd: RawFd,
    label: String,
    rx: crossbeam_channel::Receiver<Request>,
    wake: UnixStream,
    shared: Arc<Shared>,
    queue: VecDeque<Queued>,
    chans: Vec<Chan>,
    stuck: Option<Op>,
    /// Every handle is gone: no request will come.
    closed: bool,
    next_id: u64,
    buf: Vec<u8>,
}

fn would_block(e: &ssh2::Error) -> bool {
    e.code() == ErrorCode::Session(EAGAIN)
}

impl Pump {
    pub(super) fn new(
        sess: Session,
        label: String,
        rx: crossbeam_channel::Receiver<Request>,
        wake: UnixStream,
        shared: Arc<Shared>,
    ) -> Pump {
        Pump {
            fd: sess.as_raw_fd(),
            sess,
            label,
            rx,
            wake,
            shared,
            queue: VecDeque::new(),
            chans: Vec::new(),
            stuck: None,
            closed: false,
            next_id: 0,
            buf: vec![0u8; 32 * 1024],
        }
    }

    pub(super) fn run(mut self) {
        loop {
            self.take_requests();
            loop {
                match self.step() {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return self.broken(e),
                }
            }
            self.chans.retain(|c| !c.done);
            if self.closed && self.queue.is_empty() && self.chans.is_empty() {
                return self.disconnect();
            }
            if let Err(e) = self.wait() {
                return self.broken(e);
            }
        }
    }

    fn take_requests(&mut self) {
        loop {
            match self.rx.try_recv() {
                Ok(req) => self.queue.push_back(Queued {
                    req,
                    started: false,
                    answered: false,
                }),
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.closed = true;
                    break;
                }
            }
        }
    }

    /// libssh2 blocked while sending.
    fn outbound_blocked(&self) -> bool {
        matches!(
            self.sess.block_directions(),
            BlockDirections::Outbound | BlockDirections::Both
        )
    }

    /// A failure of the connection itself (not of one channel)?
    fn link_error(&self, e: &ssh2::Error) -> Option<SessionError> {
        match e.code() {
            ErrorCode::Session(c) if ERR_GONE.contains(&c) => Some(SessionError::AtBastion {
                bastion: self.label.clone(),
                source: Box::new(SessionError::Disconnected {
                    phase: Phase::BastionChannel,
                }),
            }),
            _ => None,
        }
    }

    /// One pass over the queue head and every channel; `Ok(true)` if anything moved.
    fn step(&mut self) -> Result<bool, SessionError> {
        match self.stuck {
            Some(Op::Open) => return self.open_head(),
            Some(Op::Read(id) | Op::Write(id) | Op::Close(id)) => {
                let Some(i) = self.chans.iter().position(|c| c.id == id) else {
                    self.stuck = None;
                    return Ok(true);
                };
                return self.move_chan(i);
            }
            None => {}
        }
        let mut progress = self.open_head()?;
        for i in 0..self.chans.len() {
            if self.stuck.is_some() {
                break;
            }
            progress |= self.move_chan(i)?;
        }
        Ok(progress)
    }

    /// Opens the first queued channel (libssh2 opens one at a time).
    fn open_head(&mut self) -> Result<bool, SessionError> {
        let ready_at = self.shared.ready_at.get().copied();
        let Some(q) = self.queue.front_mut() else {
            self.stuck = None;
            return Ok(false);
        };
        let now = Instant::now();
        if !q.answered && now >= q.req.deadline {
            q.answered = true;
            let e = SessionError::Timeout {
                phase: Phase::BastionChannel,
                secs: 0.0,
            };
            answer(&q.req, Err((e, ready_at)));
            self.shared.release();
            if !q.started {
                self.queue.pop_front();
                return Ok(true);
            }
        }
        match self
            .sess
            .channel_direct_tcpip(&q.req.host, q.req.port, None)
        {
            Ok(ch) => {
                self.stuck = None;
                let Some(q) = self.queue.pop_front() else {
                    return Ok(true);
                };
                let id = self.next_id;
                self.next_id += 1;
                if !q.answered {
                    let opened = Opened {
                        ready_at: ready_at.unwrap_or(now),
                        opened_at: Instant::now(),
                    };
                    answer(&q.req, Ok(opened));
                }
                self.chans.push(Chan {
                    id,
                    ch,
                    local: q.req.local,
                    out: Vec::new(),
                    out_at: 0,
                    inp: Vec::new(),
                    inp_at: 0,
                    chan_eof: false,
                    // A session that gave up has nothing to say: close at once.
                    local_eof: q.answered,
                    done: false,
                });
                // A request answered already released its count; this channel holds none.
                if q.answered {
                    self.shared.in_use.fetch_add(1, Ordering::AcqRel);
                }
                Ok(true)
            }
            Err(e) if would_block(&e) => {
                q.started = true;
                self.stuck = self.outbound_blocked().then_some(Op::Open);
                Ok(false)
            }
            Err(e) => {
                self.stuck = None;
                if let Some(gone) = self.link_error(&e) {
                    return Err(gone);
                }
                let Some(q) = self.queue.pop_front() else {
                    return Ok(true);
                };
                if !q.answered {
                    let target = if q.req.host.contains(':') {
                        format!("[{}]:{}", q.req.host, q.req.port)
                    } else {
                        format!("{}:{}", q.req.host, q.req.port)
                    };
                    let err = if e.code() == ErrorCode::Session(ERR_CHANNEL_FAILURE) {
                        SessionError::BastionRefused {
                            bastion: self.label.clone(),
                            target,
                            reason: e.message().to_string(),
                        }
                    } else {
                        SessionError::Ssh {
                            phase: Phase::BastionChannel,
                            message: e.message().to_string(),
                        }
                    };
                    answer(&q.req, Err((err, ready_at)));
                    self.shared.release();
                }
                Ok(true)
            }
        }
    }

    /// Moves bytes both ways on channel `i`, and closes it once the session is done.
    fn move_chan(&mut self, i: usize) -> Result<bool, SessionError> {
        let mut progress = false;
        let outbound = |p: &Pump| p.outbound_blocked();
        // Channel → session.
        loop {
            let c = &mut self.chans[i];
            if c.done || c.local_eof {
                break;
            }
            if c.out_at < c.out.len() {
                match (&c.local).write(&c.out[c.out_at..]) {
                    Ok(n) => {
                        c.out_at += n;
                        progress = true;
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        c.local_eof = true;
                        break;
                    }
                }
            }
            if c.chan_eof {
                break;
            }
            let id = c.id;
            match c.ch.read(&mut self.buf) {
                Ok(0) => {
                    let c = &mut self.chans[i];
                    if c.ch.eof() {
                        c.chan_eof = true;
                        let _ = c.local.shutdown(std::net::Shutdown::Write);
                        progress = true;
                    }
                    break;
                }
                Ok(n) => {
                    let c = &mut self.chans[i];
                    c.out.clear();
                    c.out.extend_from_slice(&self.buf[..n]);
                    c.out_at = 0;
                    progress = true;
                    if self.stuck == Some(Op::Read(id)) {
                        self.stuck = None;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.stuck = outbound(self).then_some(Op::Read(id));
                    if self.stuck.is_some() {
                        return Ok(progress);
                    }
                    break;
                }
                Err(_) => {
                    if let Some(e) = ssh2::Error::last_session_error(&self.sess)
                        .and_then(|e| self.link_error(&e))
                    {
                        return Err(e);
                    }
                    let c = &mut self.chans[i];
                    c.chan_eof = true;
                    let _ = c.local.shutdown(std::net::Shutdown::Write);
                    break;
                }
            }
        }
        // Session → channel.
        loop {
            let c = &mut self.chans[i];
            if c.done {
                break;
            }
            let id = c.id;
            if c.inp_at < c.inp.len() {
                match c.ch.write(&c.inp[c.inp_at..]) {
                    Ok(n) => {
                        c.inp_at += n;
                        progress = true;
                        if self.stuck == Some(Op::Write(id)) {
                            self.stuck = None;
                        }
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.stuck = outbound(self).then_some(Op::Write(id));
                        if self.stuck.is_some() {
                            return Ok(progress);
                        }
                        break;
                    }
                    Err(_) => {
                        if let Some(e) = ssh2::Error::last_session_error(&self.sess)
                            .and_then(|e| self.link_error(&e))
                        {
                            return Err(e);
                        }
                        let c = &mut self.chans[i];
                        c.inp.clear();
                        c.inp_at = 0;
                        c.local_eof = true;
                        break;
                    }
                }
            }
            if c.local_eof {
                break;
            }
            match (&c.local).read(&mut self.buf) {
                Ok(0) => {
                    c.local_eof = true;
                    progress = true;
                    break;
                }
                Ok(n) => {
                    let c = &mut self.chans[i];
                    c.inp.clear();
                    c.inp.extend_from_slice(&self.buf[..n]);
                    c.inp_at = 0;
                    progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    c.local_eof = true;
                    break;
                }
            }
        }
        // The session is done (its socket closed) and everything it sent is on its way.
        let c = &mut self.chans[i];
        if !c.done && c.local_eof && c.inp_at >= c.inp.len() {
            let id = c.id;
            match c.ch.close() {
                Ok(()) => {
                    c.done = true;
                    progress = true;
                    self.shared.release();
                    if self.stuck == Some(Op::Close(id)) {
                        self.stuck = None;
                    }
                }
                Err(e) if would_block(&e) => {
                    self.stuck = outbound(self).then_some(Op::Close(id));
                }
                Err(e) => {
                    if let Some(gone) = self.link_error(&e) {
                        return Err(gone);
                    }
                    let c = &mut self.chans[i];
                    c.done = true;
                    progress = true;
                    self.shared.release();
                }
            }
        }
        Ok(progress)
    }

    /// Waits until the bastion's socket, a session's socket or the wake-up pipe has
    /// something, or the nearest request deadline.
    fn wait(&mut self) -> Result<(), SessionError> {
        let mut fds = Vec::with_capacity(2 + self.chans.len());
        let mut bastion = libc::POLLIN;
        if self.stuck.is_some() || self.outbound_blocked() {
            bastion |= libc::POLLOUT;
        }
        fds.push(libc::pollfd {
            fd: self.fd,
            events: bastion,
            revents: 0,
        });
        fds.push(libc::pollfd {
            fd: self.wake.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        if self.stuck.is_none() {
            for c in &self.chans {
                let mut ev = 0;
                if !c.local_eof && c.inp_at >= c.inp.len() {
                    ev |= libc::POLLIN;
                }
                if !c.local_eof && c.out_at < c.out.len() {
                    ev |= libc::POLLOUT;
                }
                if ev != 0 {
                    fds.push(libc::pollfd {
                        fd: c.local.as_raw_fd(),
                        events: ev,
                        revents: 0,
                    });
                }
            }
        }
        let now = Instant::now();
        let wait = self
            .queue
            .iter()
            .filter(|q| !q.answered)
            .map(|q| q.req.deadline.saturating_duration_since(now))
            .min()
            .unwrap_or(IDLE_WAIT)
            .min(IDLE_WAIT);
        let ms = wait.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: `fds` is a valid array of pollfd for the duration of the call; every fd in
        // it is owned by this pump (the session's socket, the wake-up pipe, its channels').
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(SessionError::Ssh {
                    phase: Phase::BastionChannel,
                    message: format!("poll: {e}"),
                });
            }
        }
        let mut drain = [0u8; 64];
        while matches!((&self.wake).read(&mut drain), Ok(n) if n > 0) {}
        Ok(())
    }

    /// The connection is gone: every waiting session is told, every open one sees its
    /// socket close.
    fn broken(mut self, e: SessionError) {
        self.shared.fail(e.clone());
        let ready = self.shared.ready_at.get().copied();
        for q in self.queue.drain(..) {
            if !q.answered {
                answer(&q.req, Err((e.clone(), ready)));
            }
        }
        self.chans.clear();
        // Late requests find the receiver gone and read the error from `Link::gone`.
    }

    /// No handle and no channel left: an orderly disconnect, bounded.
    fn disconnect(self) {
        self.shared.dead.store(true, Ordering::Release);
        let deadline = Instant::now() + CLOSE_WAIT;
        while let Err(e) = self.sess.disconnect(None, "done", None) {
            if !would_block(&e) || Instant::now() >= deadline {
                break;
            }
            let _ = pollster::block_on(crate::wait::Io::ready(
                &PollIo,
                &self.fd,
                crate::wait::Dirs {
                    read: true,
                    write: true,
                },
                deadline,
            ));
        }
    }
}
