//! A buffered receive callback for libssh2: fewer `recv` calls per session, the same bytes in
//! the same order.
//!
//! libssh2 reads the server's identification line one byte per `recv` (about 20 calls), and
//! after every packet it reads again until the socket says `EAGAIN` (about 23 calls a
//! session that return nothing). This callback reads ahead into a small buffer when libssh2
//! asks for less than the buffer, and remembers that the socket was drained (a `recv` that
//! returned `EAGAIN`, or fewer bytes than asked) until the session next waits for the socket:
//! until then it answers `EAGAIN` itself. That is safe because the session core always waits
//! (`poll(2)`, or tokio readiness it clears only in that wait) before asking libssh2 again,
//! and bytes that arrive after the drained `recv` make the socket ready for that wait.
//!
//! The callback gets only the socket, and the session's `abstract` pointer belongs to the
//! ssh2 crate (keyboard-interactive borrows it), so per-session state lives in a table
//! indexed by file descriptor. A session that cannot register (a descriptor beyond the
//! table, a slot still taken) keeps the plain `recv`. A bastion's own connection
//! (`jump::link`) never installs it: its pump thread waits on the socket in its own way,
//! without re-arming.

use std::os::fd::RawFd;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Read-ahead size: an identification line and the packets that follow it.
const BUF: usize = 4096;
/// libssh2.h: `LIBSSH2_CALLBACK_RECV`.
const LIBSSH2_CALLBACK_RECV: libc::c_int = 6;

unsafe extern "C" {
    // libssh2.h; in the libssh2 that libssh2-sys builds, not declared by it.
    fn libssh2_session_callback_set2(
        session: *mut libssh2_sys::LIBSSH2_SESSION,
        cbtype: libc::c_int,
        callback: Option<unsafe extern "C" fn()>,
    ) -> Option<unsafe extern "C" fn()>;
}

struct State {
    buf: [u8; BUF],
    start: usize,
    end: usize,
    /// The last real `recv` emptied the socket; cleared when the session waits.
    drained: bool,
}

static TABLE: OnceLock<Box<[AtomicPtr<State>]>> = OnceLock::new();

fn table() -> &'static [AtomicPtr<State>] {
    TABLE.get_or_init(|| {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit with a valid out pointer.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
        let n = if ok { lim.rlim_max.min(1 << 20) } else { 1024 } as usize;
        // Zeroed memory (calloc): untouched pages cost no RSS; all-zero is a null AtomicPtr.
        let Ok(layout) = std::alloc::Layout::array::<AtomicPtr<State>>(n.max(1)) else {
            return Box::new([]);
        };
        // SAFETY: a non-zero-sized layout; AtomicPtr<T> has the representation of *mut T and
        // the null pointer is all zero bits, so the zeroed memory holds n valid elements,
        // owned by the Box from here on (allocated with the global allocator and `layout`).
        unsafe {
            let p = std::alloc::alloc_zeroed(layout).cast::<AtomicPtr<State>>();
            if p.is_null() {
                return Box::new([]);
            }
            Box::from_raw(ptr::slice_from_raw_parts_mut(p, n.max(1)))
        }
    })
}

/// The callback installed on one session; unregisters its state when dropped (before the
/// socket closes, so a reused descriptor never finds it).
pub(crate) struct BufferedRecv {
    fd: RawFd,
    state: *mut State,
}

// SAFETY: the state behind the pointer is touched only by the thread that is driving the
// session at that moment (its libssh2 calls and its waits); a session moves between threads
// only between polls of its future, which tokio orders with the moves.
unsafe impl Send for BufferedRecv {}
unsafe impl Sync for BufferedRecv {}

impl BufferedRecv {
    pub(crate) fn install(sess: &ssh2::Session, fd: RawFd) -> Option<BufferedRecv> {
        let slot = table().get(usize::try_from(fd).ok()?)?;
        let state = Box::into_raw(Box::new(State {
            buf: [0; BUF],
            start: 0,
            end: 0,
            drained: false,
        }));
        if slot
            .compare_exchange(ptr::null_mut(), state, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: `state` came from Box::into_raw above and was never shared.
            drop(unsafe { Box::from_raw(state) });
            return None;
        }
        // SAFETY: a live session handle; the callback has libssh2's LIBSSH2_RECV_FUNC
        // signature (cast to the generic type the API takes).
        unsafe {
            let cb: unsafe extern "C" fn(
                libc::c_int,
                *mut libc::c_void,
                libc::size_t,
                libc::c_int,
                *mut *mut libc::c_void,
            ) -> libc::ssize_t = recv_cb;
            let raw: *mut libssh2_sys::LIBSSH2_SESSION = &mut *sess.raw();
            libssh2_session_callback_set2(
                raw,
                LIBSSH2_CALLBACK_RECV,
                Some(std::mem::transmute::<
                    unsafe extern "C" fn(
                        libc::c_int,
                        *mut libc::c_void,
                        libc::size_t,
                        libc::c_int,
                        *mut *mut libc::c_void,
                    ) -> libc::ssize_t,
                    unsafe extern "C" fn(),
                >(cb)),
            );
        }
        Some(BufferedRecv { fd, state })
    }

    /// The session has waited for the socket: the next receive asks the kernel again.
    pub(crate) fn rearm(&self) {
        // SAFETY: the state lives until drop; only the thread driving this session (the one
        // calling rearm now) touches it, libssh2 calls back on that same thread.
        unsafe { (*self.state).drained = false }
    }
}

impl Drop for BufferedRecv {
    fn drop(&mut self) {
        if let Some(slot) = usize::try_from(self.fd).ok().and_then(|i| table().get(i)) {
            slot.store(ptr::null_mut(), Ordering::Release);
        }
        // SAFETY: from Box::into_raw in install; unregistered above, so no callback reaches
        // it any more.
        drop(unsafe { Box::from_raw(self.state) });
    }
}

fn errno() -> libc::c_int {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// `recv(2)` as libssh2 wants it: bytes, 0 at end of stream, or `-errno` (`-EAGAIN`).
unsafe fn plain(fd: libc::c_int, buf: *mut libc::c_void, len: usize, flags: libc::c_int) -> isize {
    loop {
        // SAFETY: the caller's buffer of `len` bytes.
        let r = unsafe { libc::recv(fd, buf, len, flags) };
        if r >= 0 {
            return r;
        }
        match errno() {
            libc::EINTR => continue,
            libc::EWOULDBLOCK => return -(libc::EAGAIN as isize),
            e => return -(e as isize),
        }
    }
}

unsafe extern "C" fn recv_cb(
    fd: libc::c_int,
    buffer: *mut libc::c_void,
    length: libc::size_t,
    flags: libc::c_int,
    _abstract: *mut *mut libc::c_void,
) -> libc::ssize_t {
    let state = usize::try_from(fd)
        .ok()
        .and_then(|i| table().get(i))
        .map_or(ptr::null_mut(), |s| s.load(Ordering::Acquire));
    if state.is_null() {
        // SAFETY: libssh2's buffer of `length` bytes.
        return unsafe { plain(fd, buffer, length, flags) };
    }
    // SAFETY: registered by the session now calling into libssh2 on this thread.
    let s = unsafe { &mut *state };
    if s.start == s.end {
        if s.drained {
            return -(libc::EAGAIN as isize);
        }
        if length >= BUF {
            // SAFETY: libssh2's buffer of `length` bytes.
            let r = unsafe { plain(fd, buffer, length, flags) };
            s.drained = r == -(libc::EAGAIN as isize) || (r > 0 && (r as usize) < length);
            return r;
        }
        // SAFETY: our buffer of BUF bytes.
        let r = unsafe { plain(fd, s.buf.as_mut_ptr().cast(), BUF, flags) };
        if r <= 0 {
            s.drained = r == -(libc::EAGAIN as isize);
            return r;
        }
        s.drained = (r as usize) < BUF;
        s.start = 0;
        s.end = r as usize;
    }
    let n = length.min(s.end - s.start);
    // SAFETY: n bytes from our buffer into libssh2's, which holds at least `length` >= n.
    unsafe { ptr::copy_nonoverlapping(s.buf.as_ptr().add(s.start), buffer.cast(), n) };
    s.start += n;
    n as isize
}
