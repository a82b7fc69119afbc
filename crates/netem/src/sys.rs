//! The kernel plumbing of the link emulator (Linux only): user and network namespaces, TUN
//! devices, interface addresses (ioctl), one local route (rtnetlink), and `TCP_INFO`.
//!
//! Namespaces are per thread: a thread that calls `unshare(CLONE_NEWNET)` or `setns` moves
//! alone, threads it starts afterwards start there, and a socket (a TUN fd too) stays in the
//! namespace it was created in, whichever thread uses it later. `unshare(CLONE_NEWUSER)`
//! needs a single-threaded process.

use std::ffi::CString;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::error::NetemError;

fn last_os_error(what: &str) -> NetemError {
    NetemError::Kernel {
        what: what.to_string(),
        source: io::Error::last_os_error(),
    }
}

fn check(rc: libc::c_int, what: &str) -> Result<libc::c_int, NetemError> {
    if rc < 0 {
        Err(last_os_error(what))
    } else {
        Ok(rc)
    }
}

/// Threads of this process, from `/proc/self/status`.
fn thread_count() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(usize::MAX)
}

/// Makes sure this process may create network namespaces: as root it may already; otherwise
/// it moves into a new user namespace where it is root (what `unshare -r` does). Must run
/// before the process starts any thread.
pub fn gain_namespace_rights() -> Result<(), NetemError> {
    // SAFETY: plain getters.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if uid == 0 {
        return Ok(());
    }
    let threads = thread_count();
    if threads != 1 {
        return Err(NetemError::Threaded { threads });
    }
    // SAFETY: unshare has no memory-safety preconditions.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } < 0 {
        return Err(NetemError::UserNamespace {
            source: io::Error::last_os_error(),
        });
    }
    let write = |path: &str, text: String| {
        std::fs::write(path, text).map_err(|source| NetemError::Kernel {
            what: format!("writing {path}"),
            source,
        })
    };
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

/// Moves the calling thread into the network namespace `ns` (an fd of `/proc/.../ns/net`).
pub fn enter(ns: &OwnedFd) -> Result<(), NetemError> {
    // SAFETY: a valid fd; setns only changes the calling thread's namespace.
    check(
        unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) },
        "entering a network namespace (setns)",
    )?;
    Ok(())
}

/// Creates a network namespace on a helper thread, runs `configure` in it, and returns a
/// handle of the namespace (which keeps it alive) with what `configure` built.
pub fn new_netns<T: Send + 'static>(
    configure: impl FnOnce() -> Result<T, NetemError> + Send + 'static,
) -> Result<(OwnedFd, T), NetemError> {
    on_thread("netns-setup", "namespace set-up thread", move || {
        // SAFETY: unshare only affects this helper thread.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
            return Err(NetemError::NetNamespace {
                source: io::Error::last_os_error(),
            });
        }
        set_up("lo")?;
        let built = configure()?;
        let ns = open_cloexec("/proc/thread-self/ns/net", libc::O_RDONLY)?;
        Ok((ns, built))
    })
}

/// Runs `f` on a new thread inside `ns` and returns its result. Threads `f` starts stay there.
pub fn run_in<T: Send + 'static>(
    ns: &OwnedFd,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, NetemError> {
    let ns = ns.try_clone().map_err(|source| NetemError::Kernel {
        what: "duplicating a namespace handle".into(),
        source,
    })?;
    on_thread("netns-run", "namespace thread", move || {
        enter(&ns)?;
        Ok(f())
    })
}

/// Runs `f` on a new thread named `name` (namespaces are per thread: the caller's stays as
/// it is) and returns its result; `what` names the thread in the error if it panics.
fn on_thread<T: Send + 'static>(
    name: &str,
    what: &str,
    f: impl FnOnce() -> Result<T, NetemError> + Send + 'static,
) -> Result<T, NetemError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|source| NetemError::Kernel {
            what: "starting a thread".into(),
            source,
        })?
        .join()
        .map_err(|_| NetemError::Kernel {
            what: what.into(),
            source: io::Error::other("panicked"),
        })?
}

fn open_cloexec(path: &str, flags: libc::c_int) -> Result<OwnedFd, NetemError> {
    let c = CString::new(path).map_err(|_| NetemError::Kernel {
        what: format!("opening {path}"),
        source: io::Error::other("NUL in path"),
    })?;
    // SAFETY: a valid C string; the fd is owned right away.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        let source = io::Error::last_os_error();
        return Err(if path == "/dev/net/tun" {
            NetemError::Tun { source }
        } else {
            NetemError::Kernel {
                what: format!("opening {path}"),
                source,
            }
        });
    }
    // SAFETY: fd was just returned by open and is not owned elsewhere.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `struct ifreq`: the name, then a union we fill by hand (flags or a sockaddr).
#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    data: [u8; 24],
}

impl IfReq {
    fn new(name: &str) -> IfReq {
        let mut r = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: [0; 24],
        };
        for (d, s) in r.name.iter_mut().zip(name.bytes().take(libc::IFNAMSIZ - 1)) {
            *d = s as libc::c_char;
        }
        r
    }
    fn set_flags(&mut self, flags: i16) {
        self.data[..2].copy_from_slice(&flags.to_ne_bytes());
    }
    fn flags(&self) -> i16 {
        i16::from_ne_bytes([self.data[0], self.data[1]])
    }
    fn set_addr(&mut self, a: Ipv4Addr) {
        let sin = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr {
                s_addr: u32::from(a).to_be(),
            },
            sin_zero: [0; 8],
        };
        // SAFETY: sockaddr_in is 16 plain bytes, and data has 24.
        let bytes: [u8; 16] = unsafe { std::mem::transmute(sin) };
        self.data[..16].copy_from_slice(&bytes);
    }
}

fn ioctl_sock() -> Result<OwnedFd, NetemError> {
    // SAFETY: plain socket creation; owned right away.
    let fd = check(
        unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) },
        "creating a configuration socket",
    )?;
    // SAFETY: fd is new and ours.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn ifreq_ioctl(
    sock: RawFd,
    req: libc::c_ulong,
    r: &mut IfReq,
    what: &str,
) -> Result<(), NetemError> {
    // SAFETY: r is a properly sized ifreq for these SIOC* requests.
    check(
        unsafe { libc::ioctl(sock, req as _, r as *mut IfReq) },
        what,
    )?;
    Ok(())
}

/// Brings interface `name` up (in the calling thread's namespace).
pub fn set_up(name: &str) -> Result<(), NetemError> {
    let sock = ioctl_sock()?;
    let mut r = IfReq::new(name);
    ifreq_ioctl(
        sock.as_raw_fd(),
        libc::SIOCGIFFLAGS,
        &mut r,
        &format!("reading {name}'s flags"),
    )?;
    let flags = r.flags() | (libc::IFF_UP | libc::IFF_RUNNING) as i16;
    r.set_flags(flags);
    ifreq_ioctl(
        sock.as_raw_fd(),
        libc::SIOCSIFFLAGS,
        &mut r,
        &format!("bringing {name} up"),
    )
}

/// Gives interface `name` the address `addr/prefix` (which also adds the connected route).
pub fn set_addr(name: &str, addr: Ipv4Addr, prefix: u8) -> Result<(), NetemError> {
    let sock = ioctl_sock()?;
    let mut r = IfReq::new(name);
    r.set_addr(addr);
    ifreq_ioctl(
        sock.as_raw_fd(),
        libc::SIOCSIFADDR,
        &mut r,
        &format!("setting {name}'s address"),
    )?;
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    let mut r = IfReq::new(name);
    r.set_addr(Ipv4Addr::from(mask));
    ifreq_ioctl(
        sock.as_raw_fd(),
        libc::SIOCSIFNETMASK,
        &mut r,
        &format!("setting {name}'s netmask"),
    )
}

/// Creates TUN device `name` (no packet-information header) in the calling thread's
/// namespace; the fd is non-blocking. Each read is one IP packet.
pub fn open_tun(name: &str) -> Result<OwnedFd, NetemError> {
    let fd = open_cloexec("/dev/net/tun", libc::O_RDWR | libc::O_NONBLOCK)?;
    let mut r = IfReq::new(name);
    r.set_flags((libc::IFF_TUN | libc::IFF_NO_PI) as i16);
    // SAFETY: TUNSETIFF takes a struct ifreq.
    check(
        unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF as _, &mut r as *mut IfReq) },
        "creating a TUN device (TUNSETIFF)",
    )?;
    Ok(fd)
}

/// `ip route add local NET/PREFIX dev lo`: every address of NET is this host's (so listeners
/// can bind any of them), in the calling thread's namespace.
pub fn add_local_route(net: Ipv4Addr, prefix: u8) -> Result<(), NetemError> {
    const HDR: usize = 16; // nlmsghdr
    const RTMSG: usize = 12;
    const ATTR: usize = 8; // rtattr (4) + 4 bytes of payload
    // SAFETY: plain socket creation; owned right away.
    let fd = check(
        unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        },
        "opening rtnetlink",
    )?;
    // SAFETY: fd is new and ours.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let len = HDR + RTMSG + 2 * ATTR;
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&libc::RTM_NEWROUTE.to_ne_bytes());
    let flags =
        (libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16;
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes()); // sequence
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it
    m.extend_from_slice(&[
        libc::AF_INET as u8,
        prefix,
        0, // src_len
        0, // tos
        libc::RT_TABLE_LOCAL,
        libc::RTPROT_STATIC,
        libc::RT_SCOPE_HOST,
        libc::RTN_LOCAL,
    ]);
    m.extend_from_slice(&0u32.to_ne_bytes()); // rtm_flags
    m.extend_from_slice(&8u16.to_ne_bytes());
    m.extend_from_slice(&libc::RTA_DST.to_ne_bytes());
    m.extend_from_slice(&net.octets());
    m.extend_from_slice(&8u16.to_ne_bytes());
    m.extend_from_slice(&libc::RTA_OIF.to_ne_bytes());
    // SAFETY: a NUL-terminated literal.
    let lo = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    m.extend_from_slice(&lo.to_ne_bytes());
    // SAFETY: m is a complete netlink message of `len` bytes.
    let sent = unsafe { libc::send(sock.as_raw_fd(), m.as_ptr().cast(), m.len(), 0) };
    check(sent as libc::c_int, "sending a route to rtnetlink")?;
    let mut buf = [0u8; 512];
    // SAFETY: buf is writable for its length. A netlink ack comes at once.
    let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    check(n as libc::c_int, "reading rtnetlink's answer")?;
    let n = n as usize;
    let kind = u16::from_ne_bytes([buf[4], buf[5]]);
    if n >= HDR + 4 && i32::from(kind) == libc::NLMSG_ERROR {
        let err = i32::from_ne_bytes([buf[16], buf[17], buf[18], buf[19]]);
        if err != 0 {
            return Err(NetemError::Kernel {
                what: format!("adding the local route {net}/{prefix}"),
                source: io::Error::from_raw_os_error(-err),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifreq_layout() {
        assert_eq!(std::mem::size_of::<IfReq>(), 40);
        let mut r = IfReq::new("a-very-long-interface-name");
        assert_eq!(r.name[15], 0, "names are cut to fit with their NUL");
        r.set_addr(Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(&r.data[4..8], &[198, 18, 0, 1]);
    }
}
