//! How the session core waits for the network. The core ([`crate::session`]) drives libssh2 in
//! non-blocking mode and, whenever libssh2 would block, asks an [`Io`] to wait until the socket
//! is ready in the direction libssh2 names, or a deadline passes. Two implementations:
//! - [`PollIo`]: a blocking `poll(2)` on the calling thread. The core's future then never
//!   returns `Pending`, and [`crate::session::poll_blocking`] runs it to completion on the
//!   calling thread: the sequential, threads, processes and rayon strategies use this.
//! - [`TokioIo`]: tokio readiness through `AsyncFd`. Many sessions share a few threads and a
//!   waiting session costs nothing until its socket is ready: the async strategy uses this.
//!
//! Neither ever sleeps to poll.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;

/// The socket a session talks SSH over: a TCP connection to the device, or (through a jump
/// host) the local end of a socket pair whose other end a pump moves to and from the
/// bastion's channel ([`crate::jump`]). libssh2 sees only the descriptor.
#[derive(Debug)]
pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }
}

impl Stream {
    /// A second descriptor of the same socket (for a registration that must outlive or
    /// precede libssh2's).
    fn try_clone_fd(&self) -> io::Result<OwnedFd> {
        Ok(match self {
            Stream::Tcp(s) => s.try_clone()?.into(),
            Stream::Unix(s) => s.try_clone()?.into(),
        })
    }
}

/// The socket directions libssh2 is blocked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dirs {
    pub read: bool,
    pub write: bool,
}

impl From<ssh2::BlockDirections> for Dirs {
    fn from(d: ssh2::BlockDirections) -> Self {
        match d {
            ssh2::BlockDirections::Inbound => Dirs {
                read: true,
                write: false,
            },
            ssh2::BlockDirections::Outbound => Dirs {
                read: false,
                write: true,
            },
            ssh2::BlockDirections::Both => Dirs {
                read: true,
                write: true,
            },
            // libssh2 said EAGAIN without naming a direction: the answer is what is missing.
            ssh2::BlockDirections::None => Dirs {
                read: true,
                write: false,
            },
        }
    }
}

/// Waiting primitives for the session core.
pub trait Io {
    /// The registered socket the core waits on.
    type Sock;
    /// Resolves and connects to `host:port` before `deadline`; returns the non-blocking stream
    /// to hand to libssh2 and the handle to wait on.
    fn connect(
        &self,
        host: &str,
        port: u16,
        deadline: Instant,
    ) -> impl Future<Output = io::Result<(Stream, Self::Sock)>>;
    /// The handle to wait on for a non-blocking socket this process already holds (the local
    /// end of a bastion channel).
    fn adopt(&self, stream: &Stream) -> io::Result<Self::Sock>;
    /// Waits until `sock` is ready for `dirs`. `Ok(false)` when the deadline passed first.
    fn ready(
        &self,
        sock: &Self::Sock,
        dirs: Dirs,
        deadline: Instant,
    ) -> impl Future<Output = io::Result<bool>>;
    /// Lets other sessions run: a device that keeps the socket readable (a flood) never makes
    /// the core wait, so it gives way every so often. A no-op where the caller owns its thread.
    fn yield_now(&self) -> impl Future<Output = ()>;
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}

/// Blocking waits with `poll(2)` on the calling thread.
#[derive(Debug, Default, Clone, Copy)]
pub struct PollIo;

impl Io for PollIo {
    type Sock = RawFd;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        deadline: Instant,
    ) -> io::Result<(Stream, RawFd)> {
        let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            let Some(left) = remaining(deadline) else {
                return Err(timed_out());
            };
            match TcpStream::connect_timeout(&addr, left) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_nonblocking(true)?;
                    let fd = s.as_raw_fd();
                    return Ok((Stream::Tcp(s), fd));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn adopt(&self, stream: &Stream) -> io::Result<RawFd> {
        Ok(stream.as_raw_fd())
    }

    async fn ready(&self, fd: &RawFd, dirs: Dirs, deadline: Instant) -> io::Result<bool> {
        let mut events = 0;
        if dirs.read {
            events |= libc::POLLIN;
        }
        if dirs.write {
            events |= libc::POLLOUT;
        }
        loop {
            let Some(left) = remaining(deadline) else {
                return Ok(false);
            };
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            let mut pfd = libc::pollfd {
                fd: *fd,
                events,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the duration of the call; the fd is owned by the
            // session, which outlives this wait.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc > 0 {
                return Ok(true);
            }
            if rc < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            // rc == 0: poll's timeout; loop re-checks the deadline.
        }
    }

    async fn yield_now(&self) {}
}

/// Non-blocking waits on tokio readiness. Must be used inside a tokio runtime.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioIo;

impl Io for TokioIo {
    /// The registration owns a duplicate of the socket; libssh2 owns the other, so the
    /// registration can be dropped (deregistered) independently of the session.
    type Sock = AsyncFd<OwnedFd>;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        deadline: Instant,
    ) -> io::Result<(Stream, AsyncFd<OwnedFd>)> {
        let left = remaining(deadline).ok_or_else(timed_out)?;
        let stream = tokio::time::timeout(left, tokio::net::TcpStream::connect((host, port)))
            .await
            .map_err(|_| timed_out())??;
        stream.set_nodelay(true)?;
        let std = Stream::Tcp(stream.into_std()?);
        let registered = self.adopt(&std)?;
        Ok((std, registered))
    }

    fn adopt(&self, stream: &Stream) -> io::Result<AsyncFd<OwnedFd>> {
        // The registration owns a duplicate, so it can be dropped apart from the stream.
        let dup = stream.try_clone_fd()?;
        // SAFETY: the OwnedFd is a fresh duplicate that moves into the AsyncFd and is neither
        // closed nor replaced while registered; libssh2 holds the original.
        unsafe { AsyncFd::register(dup) }.map_err(|e| io::Error::other(e.to_string()))
    }

    async fn ready(
        &self,
        sock: &AsyncFd<OwnedFd>,
        dirs: Dirs,
        deadline: Instant,
    ) -> io::Result<bool> {
        let Some(left) = remaining(deadline) else {
            return Ok(false);
        };
        let wait = async {
            // Readiness is edge-cached by tokio: clear it, so that the next wait blocks
            // until new bytes (or buffer space) arrive instead of returning at once.
            if dirs.write && !dirs.read {
                sock.writable().await.map(|mut g| g.clear_ready())
            } else if dirs.read && !dirs.write {
                sock.readable().await.map(|mut g| g.clear_ready())
            } else {
                tokio::select! {
                    r = sock.readable() => r.map(|mut g| g.clear_ready()),
                    w = sock.writable() => w.map(|mut g| g.clear_ready()),
                }
            }
        };
        match tokio::time::timeout(left, wait).await {
            Ok(r) => r.map(|()| true),
            Err(_) => Ok(false),
        }
    }

    async fn yield_now(&self) {
        tokio::task::yield_now().await
    }
}
