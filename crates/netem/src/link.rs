//! The forwarding loop: one thread moves every IP packet between the client's TUN device and
//! the devices' TUN device, through each device's [`LinkQueue`] (one per direction).
//!
//! A packet from the client side is matched to its device by destination address, one from
//! the devices' side by source address; anything else (IPv6 router solicitations, stray
//! traffic) is dropped. Packets wait in one timer heap ordered by delivery time; the thread
//! sleeps in `ppoll` until the next delivery or the next packet, with 1 ns timer slack so the
//! delays are kept to within tens of microseconds. Memory is bounded: at most
//! [`MAX_HELD`] packets are in flight at once, more are dropped and counted.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::NetemError;
use crate::sched::{LinkQueue, Verdict};
use crate::spec::LinkParams;
use fleetbench_report::network::Traffic;
use fleetbench_units::seed::mix;

/// Packets held in the delay line at once, whatever the fleet size (about 100 MB at 1500 bytes).
pub const MAX_HELD: usize = 65_536;

/// Totals of both directions since the link started; snapshot before and after a run.
#[derive(Debug, Default)]
pub struct Counters {
    pub packets_up: AtomicU64,
    pub bytes_up: AtomicU64,
    pub packets_down: AtomicU64,
    pub bytes_down: AtomicU64,
    pub lost: AtomicU64,
    pub queue_drops: AtomicU64,
}

impl Counters {
    pub fn snapshot(&self) -> Traffic {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Traffic {
            packets_up: g(&self.packets_up),
            bytes_up: g(&self.bytes_up),
            packets_down: g(&self.packets_down),
            bytes_down: g(&self.bytes_down),
            lost: g(&self.lost),
            queue_drops: g(&self.queue_drops),
        }
    }
}

/// Maps device addresses to device indexes: device `i` is `first + i`.
#[derive(Debug, Clone, Copy)]
pub struct AddressPlan {
    pub first: Ipv4Addr,
    pub devices: usize,
}

impl AddressPlan {
    pub fn addr(&self, index: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.first).wrapping_add(index as u32))
    }
    pub fn index(&self, a: Ipv4Addr) -> Option<usize> {
        let k = u32::from(a).checked_sub(u32::from(self.first))? as usize;
        (k < self.devices).then_some(k)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

struct Held {
    at: Duration,
    seq: u64,
    dir: Dir,
    packet: Vec<u8>,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    // Reversed: BinaryHeap is a max-heap and the earliest delivery must come out first.
    fn cmp(&self, o: &Self) -> CmpOrdering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// Source and destination of an IPv4 packet; `None` for anything else.
pub fn ipv4_addrs(p: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return None;
    }
    let a = |o: usize| Ipv4Addr::new(p[o], p[o + 1], p[o + 2], p[o + 3]);
    Some((a(12), a(16)))
}

/// The running loop; dropping it stops the thread.
pub struct Forwarder {
    stop: OwnedFd,
    thread: Option<JoinHandle<()>>,
    pub counters: Arc<Counters>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder").finish_non_exhaustive()
    }
}

impl Forwarder {
    /// Starts forwarding between `client` and `devices` (two TUN fds), device `i`'s packets
    /// through `links[i]`, with RNGs seeded from `seed`.
    pub fn start(
        client: OwnedFd,
        devices: OwnedFd,
        plan: AddressPlan,
        links: &[LinkParams],
        seed: u64,
    ) -> Result<Forwarder, NetemError> {
        // SAFETY: eventfd returns a new fd or -1.
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if efd < 0 {
            return Err(NetemError::Kernel {
                what: "creating an eventfd".into(),
                source: std::io::Error::last_os_error(),
            });
        }
        // SAFETY: efd is new and ours.
        let stop = unsafe { OwnedFd::from_raw_fd(efd) };
        let stop_rx = stop.try_clone().map_err(|source| NetemError::Kernel {
            what: "duplicating the eventfd".into(),
            source,
        })?;
        let queues: Vec<[LinkQueue; 2]> = links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let s = mix(seed, i as u64);
                [LinkQueue::new(l, mix(s, 1)), LinkQueue::new(l, mix(s, 2))]
            })
            .collect();
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let thread = std::thread::Builder::new()
            .name("netem-link".into())
            .spawn(move || run(client, devices, stop_rx, plan, queues, &c))
            .map_err(|source| NetemError::Kernel {
                what: "starting the link thread".into(),
                source,
            })?;
        Ok(Forwarder {
            stop,
            thread: Some(thread),
            counters,
        })
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes to our eventfd.
        unsafe { libc::write(self.stop.as_raw_fd(), one.as_ptr().cast(), 8) };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_packet(fd: RawFd, buf: &mut [u8]) -> Option<usize> {
    // SAFETY: buf is writable for its length.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    (n > 0).then_some(n as usize)
}

fn run(
    client: OwnedFd,
    devices: OwnedFd,
    stop: OwnedFd,
    plan: AddressPlan,
    mut queues: Vec<[LinkQueue; 2]>,
    counters: &Counters,
) {
    // Wake-ups on time: the default 50 µs slack would add up over a session's round trips.
    // SAFETY: prctl with an integer argument.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
    let start = Instant::now();
    let mut heap: BinaryHeap<Held> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut buf = vec![0u8; 65_536];
    let fds = [client.as_raw_fd(), devices.as_raw_fd(), stop.as_raw_fd()];
    loop {
        let now = start.elapsed();
        // Deliver what is due.
        while heap.peek().is_some_and(|h| h.at <= now) {
            let Some(h) = heap.pop() else { break };
            let fd = if h.dir == Dir::Up { fds[1] } else { fds[0] };
            // SAFETY: writes one whole packet to a TUN fd. A failed write is a lost packet,
            // which TCP recovers from, so its result is not needed.
            unsafe { libc::write(fd, h.packet.as_ptr().cast(), h.packet.len()) };
        }
        let timeout = heap.peek().map(|h| h.at.saturating_sub(start.elapsed()));
        let mut pfds = fds.map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        });
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs() as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let tsp = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: pfds is a valid array of 3 pollfds; tsp is null or a valid timespec.
        let rc = unsafe { libc::ppoll(pfds.as_mut_ptr(), 3, tsp, std::ptr::null()) };
        if rc < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if pfds[2].revents != 0 {
            return;
        }
        for (side, pfd) in pfds[..2].iter().enumerate() {
            if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                return;
            }
            if pfd.revents & libc::POLLIN == 0 {
                continue;
            }
            let dir = if side == 0 { Dir::Up } else { Dir::Down };
            // Drain what is there now, but bounded so the other side and the timers get a turn.
            for _ in 0..256 {
                let Some(n) = read_packet(pfd.fd, &mut buf) else {
                    break;
                };
                let Some((src, dst)) = ipv4_addrs(&buf[..n]) else {
                    continue;
                };
                let device = if dir == Dir::Up {
                    plan.index(dst)
                } else {
                    plan.index(src)
                };
                let Some(q) = device.and_then(|d| queues.get_mut(d)) else {
                    continue;
                };
                let q = &mut q[if dir == Dir::Up { 0 } else { 1 }];
                let now = start.elapsed();
                match q.offer(now, n) {
                    Verdict::Deliver(_) if heap.len() >= MAX_HELD => {
                        counters.queue_drops.fetch_add(1, Ordering::Relaxed);
                    }
                    Verdict::Deliver(at) => {
                        let (p, b) = if dir == Dir::Up {
                            (&counters.packets_up, &counters.bytes_up)
                        } else {
                            (&counters.packets_down, &counters.bytes_down)
                        };
                        p.fetch_add(1, Ordering::Relaxed);
                        b.fetch_add(n as u64, Ordering::Relaxed);
                        seq += 1;
                        heap.push(Held {
                            at,
                            seq,
                            dir,
                            packet: buf[..n].to_vec(),
                        });
                    }
                    Verdict::Lost => {
                        counters.lost.fetch_add(1, Ordering::Relaxed);
                    }
                    Verdict::QueueFull => {
                        counters.queue_drops.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_plan_round_trips() {
        let p = AddressPlan {
            first: Ipv4Addr::new(198, 18, 0, 1),
            devices: 300,
        };
        assert_eq!(p.addr(0), Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(p.addr(299), Ipv4Addr::new(198, 18, 1, 44));
        assert_eq!(p.index(Ipv4Addr::new(198, 18, 1, 44)), Some(299));
        assert_eq!(p.index(Ipv4Addr::new(198, 18, 1, 45)), None);
        assert_eq!(p.index(Ipv4Addr::new(198, 18, 0, 0)), None);
    }

    #[test]
    fn ipv4_header_addresses() {
        let mut p = [0u8; 20];
        p[0] = 0x45;
        p[12..16].copy_from_slice(&[198, 19, 0, 1]);
        p[16..20].copy_from_slice(&[198, 18, 0, 9]);
        assert_eq!(
            ipv4_addrs(&p),
            Some((Ipv4Addr::new(198, 19, 0, 1), Ipv4Addr::new(198, 18, 0, 9)))
        );
        p[0] = 0x60;
        assert_eq!(ipv4_addrs(&p), None);
        assert_eq!(ipv4_addrs(&p[..10]), None);
    }

    #[test]
    fn heap_gives_the_earliest_first() {
        let mut h = BinaryHeap::new();
        for (at, seq) in [(5, 1), (1, 2), (5, 0), (3, 3)] {
            h.push(Held {
                at: Duration::from_millis(at),
                seq,
                dir: Dir::Up,
                packet: Vec::new(),
            });
        }
        let order: Vec<_> = std::iter::from_fn(|| h.pop().map(|x| x.seq)).collect();
        assert_eq!(order, vec![2, 3, 0, 1]);
    }
}
