//! An open shell on a device: connected, logged in, a pty and a shell started. What
//! [`super::poll_device`] opens, talks to and closes in one go, and what a kept session
//! ([`super::kept`]) holds between polls. One connect-and-login path for both.

use super::recv::BufferedRecv;
use super::{
    Conn, HostKeyFacts, PhaseClock, YIELD_EVERY, connect_error, peer_closed, secure, ssh_error,
};
use crate::dialogue::{Action, Dialogue};
use crate::error::{Phase, SessionError};
use crate::job::Job;
use crate::scrub::Scrubber;
use crate::wait::Io;
use fleetbench_inventory::Device;
use fleetbench_inventory::platform::Platform;
use ssh2::Session;
use std::io::{self, Read};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// The longest the close phase waits for the device to end the session after `exit`: the
/// outputs are already in hand, so a device that lingers must not hold the run.
pub(super) const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A logged-in shell channel and the session and socket under it.
pub(crate) struct Shell<I: Io> {
    /// The buffered receive callback; first, so it is unregistered (dropped) before the
    /// session closes the socket.
    recv: Option<BufferedRecv>,
    sess: Session,
    sock: I::Sock,
    ch: ssh2::Channel,
    /// The socket's descriptor (libssh2 owns it; it stays open as long as `sess`).
    fd: RawFd,
    /// The per-phase deadline.
    timeout: Duration,
}

/// The dialogue of `job` with `dev`, following its platform's row.
pub(super) fn dialogue(dev: &Device, platform: &'static Platform, job: &Job) -> Dialogue {
    Dialogue::for_platform(
        platform,
        job.commands_for(&dev.device_type).to_vec(),
        dev.secret.clone(),
    )
    .on_command_error(job.on_command_error)
    .max_output(job.max_output())
    .scrubber(Scrubber::for_device(dev))
}

impl<I: Io> Shell<I> {
    /// Connects, exchanges keys, checks the host key, logs in and starts a shell on a pty.
    /// On a failure after the connect, the socket's `TCP_INFO` is read into `tcp` before it
    /// closes.
    pub(super) async fn open(
        io: &I,
        dev: &Device,
        job: &Job,
        clock: &mut PhaseClock,
        keys: &mut HostKeyFacts,
        tcp: &mut Option<fleetbench_report::TcpStats>,
    ) -> Result<Shell<I>, SessionError> {
        if let (None, None, Some(why)) = (&dev.password, &dev.key_file, &job.no_agent) {
            // Nothing to log in with: a login offering nothing would only count against the
            // account (and trip a login block).
            return Err(SessionError::NoCredentials { why: why.clone() });
        }
        let timeout = job.timeout.unwrap_or(dev.timeout);
        clock.enter(Phase::Connect, None);
        let (stream, sock) = io
            .connect(&dev.host, dev.port, Instant::now() + timeout)
            .await
            .map_err(|e| connect_error(e, dev, timeout))?;
        let sess = Session::new().map_err(|e| ssh_error(&e, Phase::Handshake, timeout))?;
        sess.set_blocking(false);
        let mut handshaker = sess.clone();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
        handshaker.set_tcp_stream(stream);
        // Declared after both sessions: on a failure, unregistered before the socket closes.
        let recv = BufferedRecv::install(&sess, fd);
        let c = Conn {
            io,
            sock: &sock,
            sess: &sess,
            timeout,
            recv: recv.as_ref(),
        };
        let opened = async {
            secure(&c, &mut handshaker, dev, job, clock, keys).await?;
            clock.enter(Phase::Shell, None);
            let deadline = c.deadline();
            let mut ch = c
                .run_op(Phase::Shell, deadline, || sess.channel_session())
                .await?;
            // A wide terminal (like netmiko's `terminal width 511`) so the device does not
            // wrap lines.
            c.run_op(Phase::Shell, deadline, || {
                ch.request_pty("vt100", None, Some((511, 24, 0, 0)))
            })
            .await?;
            c.run_op(Phase::Shell, deadline, || ch.shell()).await?;
            Ok(ch)
        }
        .await;
        match opened {
            Ok(ch) => Ok(Shell {
                recv,
                sess,
                sock,
                ch,
                fd,
                timeout,
            }),
            Err(e) => {
                *tcp = crate::tcp_info::tcp_stats(fd);
                Err(e)
            }
        }
    }

    /// The connection's handle for the retry loops, and the channel.
    fn parts<'a>(&'a mut self, io: &'a I) -> (Conn<'a, I>, &'a mut ssh2::Channel) {
        (
            Conn {
                io,
                sock: &self.sock,
                sess: &self.sess,
                timeout: self.timeout,
                recv: self.recv.as_ref(),
            },
            &mut self.ch,
        )
    }

    /// What the kernel counted on the socket so far.
    pub(super) fn tcp_stats(&self) -> Option<fleetbench_report::TcpStats> {
        crate::tcp_info::tcp_stats(self.fd)
    }

    /// Sends `first` (if it is something to send), then reads from the shell and feeds `d`
    /// until it is finished: every command has its output, or one was rejected.
    pub(super) async fn converse(
        &mut self,
        io: &I,
        d: &mut Dialogue,
        first: Action,
        clock: &mut PhaseClock,
    ) -> Result<(), SessionError> {
        let (c, ch) = self.parts(io);
        converse(&c, ch, d, first, clock).await
    }

    /// `exit`, then a bounded wait for the device to close, then an orderly SSH disconnect.
    pub(super) async fn close(&mut self, io: &I, exit: &[u8]) {
        let (c, ch) = self.parts(io);
        close(&c, ch, exit).await
    }

    /// Whether the shell can take commands again: what arrived while it sat idle is read and
    /// dropped (a kept session must start its next command on an empty line), and a shell
    /// the device or the network has closed meanwhile (an idle timeout's channel close or
    /// disconnect, a FIN, a reset) is not. Never waits.
    pub(super) fn alive(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        let mut drained = 0usize;
        loop {
            if self.ch.eof() {
                return false;
            }
            match self.ch.read(&mut buf) {
                // libssh2 answers 0 when nothing is buffered: EOF only if it says so.
                Ok(0) => break,
                Ok(n) => {
                    drained += n;
                    // A device that talks on its own without end is not a shell to reuse.
                    if drained > YIELD_EVERY {
                        return false;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return false,
            }
        }
        !self.ch.eof() && !peer_closed(self.fd)
    }

    /// Leaves without waiting: `exit` and a disconnect are each tried once (a device that
    /// cannot take them at once loses only the courtesy), then the socket closes.
    pub(super) fn abandon(mut self, exit: &[u8]) {
        let _ = std::io::Write::write(&mut self.ch, exit);
        let _ = self.ch.close();
        let _ = self.sess.disconnect(None, "done", None);
    }
}

/// Reads from the shell and feeds the dialogue until it is finished.
async fn converse<I: Io>(
    c: &Conn<'_, I>,
    ch: &mut ssh2::Channel,
    d: &mut Dialogue,
    first: Action,
    clock: &mut PhaseClock,
) -> Result<(), SessionError> {
    let mut phase = d.phase();
    clock.enter(phase.0, phase.1);
    let mut deadline = c.deadline();
    let mut action = first;
    let mut buf = vec![0u8; 32 * 1024];
    let mut unyielded = 0usize;
    loop {
        if d.phase() != phase {
            phase = d.phase();
            clock.enter(phase.0, phase.1);
            deadline = c.deadline();
        }
        match std::mem::replace(&mut action, Action::Wait) {
            Action::Finished => return Ok(()),
            Action::Send(bytes) => {
                c.write_all(ch, &bytes, phase.0, deadline).await?;
                continue;
            }
            Action::Wait => {}
        }
        match ch.read(&mut buf) {
            Ok(0) if ch.eof() => return Err(d.eof_error()),
            Ok(0) => {
                unyielded = 0;
                c.wait(phase.0, deadline)
                    .await
                    .map_err(|_| d.timeout_error(c.timeout.as_secs_f64()))?
            }
            Ok(n) => {
                action = d.on_bytes(&buf[..n])?;
                // A device that never lets the socket run dry never makes us wait, so the
                // deadline is checked on every read, not only before waiting.
                if action == Action::Wait && Instant::now() >= deadline {
                    return Err(d.timeout_error(c.timeout.as_secs_f64()));
                }
                unyielded += n;
                if unyielded >= YIELD_EVERY {
                    unyielded = 0;
                    c.io.yield_now().await;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                unyielded = 0;
                c.wait(phase.0, deadline).await.map_err(|e| match e {
                    SessionError::Timeout { .. } => d.timeout_error(c.timeout.as_secs_f64()),
                    other => other,
                })?
            }
            // A device that closes the channel right after its last words (NX-OS's session
            // limit) may be read as gone rather than at EOF: the dialogue says which.
            Err(e) => {
                return Err(match c.io_failure(e, phase.0) {
                    SessionError::Disconnected { .. } => d.eof_error(),
                    other => other,
                });
            }
        }
    }
}

/// `exit`, then a bounded wait for the device to close, then an orderly SSH disconnect.
/// Failures here are not the device's failure: the outputs are already collected.
async fn close<I: Io>(c: &Conn<'_, I>, ch: &mut ssh2::Channel, exit: &[u8]) {
    let deadline = Instant::now() + CLOSE_WAIT.min(c.timeout);
    if c.write_all(ch, exit, Phase::Close, deadline).await.is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    let mut unyielded = 0usize;
    loop {
        match ch.read(&mut buf) {
            Ok(0) if ch.eof() => break,
            Ok(n) => {
                unyielded += n;
                if unyielded >= YIELD_EVERY {
                    unyielded = 0;
                    c.io.yield_now().await;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if c.wait(Phase::Close, deadline).await.is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    let _ = c.retry(Phase::Close, deadline, || ch.close()).await;
    let _ = c
        .retry(Phase::Close, deadline, || {
            c.sess.disconnect(None, "done", None)
        })
        .await;
}
