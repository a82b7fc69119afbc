//! The fleet's AAA server (`aaa=C@L` in a profile): one TACACS+-like server shared by every
//! device of an emulator process. It serves `C` requests at once, each taking `L` (stretched
//! by the profile's jitter), in arrival order; every password and keyboard-interactive
//! attempt of every device is one request. A device waits at most its AAA timeout
//! (`aaa-timeout`, IOS's `tacacs-server timeout`, 5 s by default) for the answer; a server
//! with a bounded queue (`aaa-queue=N`) turns requests away at once when N are already
//! waiting. After a timeout or a refusal the device either fails the login or, with
//! `aaa-fallback=local`, checks its local user database instead (`aaa authentication login
//! default group tacacs+ local`), which accepts the fleet's credentials.
//!
//! # Where the behaviour was read
//! - Cisco IOS: `tacacs-server timeout` (default 5 s) is how long the device waits for the
//!   server; with `aaa authentication login default group tacacs+ local` the device moves to
//!   the next method (the local database) only when the server gives no answer (an error or
//!   a timeout), never after a "fail": a wrong password stays wrong. HPE and Extreme
//!   document the same timeout-then-local order for their TACACS+ clients.
//! - netmiko #3148 and #3146 (logins fail above about ten threads against one AAA, fixed
//!   with login retries), nornir_netmiko #31 (150 switches, 50 workers, TACACS+; the
//!   maintainer suggests a random 0-1 s delay before each connect), netmiko #1995 (the
//!   device cannot reach TACACS+ before its timeout, falls back to local, and the TACACS+
//!   credentials then fail there).
//!
//! # The model
//! Requests are served first come, first served by `C` servers. A request's fate is fixed
//! when it arrives ([`AaaModel::request`]): it starts when the earliest server is free and
//! takes its service time. If the device's timeout comes before it starts, it never starts
//! (the device gave up while it was queued, and the server drops it); if the timeout comes
//! while it is served, the device gives up but the server finishes it anyway, its capacity
//! wasted. So above capacity the queue grows until waits pass the timeout, and from then
//! on the server spends part of its time on answers nobody waits for, as a real one does.
//! Pure over the time passed in, so it is tested on a fake clock.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::seed::{jittered, session_rng};

/// IOS's default `tacacs-server timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a device does when its AAA server gives no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// The login fails.
    #[default]
    None,
    /// The device checks its local user database (which accepts the fleet's credentials).
    Local,
}

/// The fleet's AAA server and the devices' side of it, as a profile gives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AaaSpec {
    /// Requests served at once.
    pub capacity: usize,
    /// Service time of one request (before jitter).
    pub service: Duration,
    /// How long a device waits for an answer.
    pub timeout: Duration,
    /// Most requests waiting for a server; more are refused at once. `None`: no bound.
    pub queue: Option<usize>,
    pub fallback: Fallback,
}

impl AaaSpec {
    /// `C@L`: `16@20ms`.
    pub fn parse(s: &str) -> Result<AaaSpec, String> {
        let bad = || format!("aaa={s}: expected CAPACITY@TIME, like 16@20ms");
        let (c, l) = s.split_once('@').ok_or_else(bad)?;
        let capacity: usize = c.trim().parse().map_err(|_| bad())?;
        if capacity == 0 {
            return Err(format!("aaa={s}: the server must serve at least 1 request"));
        }
        let service = fleetbench_units::duration::parse(l).map_err(|e| format!("aaa={s}: {e}"))?;
        Ok(AaaSpec {
            capacity,
            service,
            timeout: DEFAULT_TIMEOUT,
            queue: None,
            fallback: Fallback::None,
        })
    }

    /// Logins per second the server can answer at most: capacity over service time.
    pub fn capacity_per_sec(&self) -> f64 {
        if self.service.is_zero() {
            f64::INFINITY
        } else {
            self.capacity as f64 / self.service.as_secs_f64()
        }
    }
}

/// What the device learns of one request, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The server answered at `at`.
    Answered { at: Instant },
    /// The device stopped waiting at `at` (its timeout).
    TimedOut { at: Instant },
    /// The server's queue was full: turned away at once.
    Refused,
}

/// The server's queue, first come first served, over times passed in.
#[derive(Debug)]
pub struct AaaModel {
    /// When each server is next free.
    free_at: BinaryHeap<Reverse<Instant>>,
    /// For each request waiting for a server: when it leaves the queue (its start, or its
    /// device's timeout if that comes first).
    waiting: Vec<Instant>,
}

impl AaaModel {
    pub fn new(capacity: usize, now: Instant) -> AaaModel {
        AaaModel {
            free_at: (0..capacity.max(1)).map(|_| Reverse(now)).collect(),
            waiting: Vec::new(),
        }
    }

    /// Requests waiting for a server at `now`.
    pub fn queued(&mut self, now: Instant) -> usize {
        self.waiting.retain(|&t| t > now);
        self.waiting.len()
    }

    /// A request arriving at `now` that takes `service` to serve, from a device that waits
    /// `timeout`, with at most `queue` requests waiting.
    pub fn request(
        &mut self,
        now: Instant,
        service: Duration,
        timeout: Duration,
        queue: Option<usize>,
    ) -> Answer {
        let queued = self.queued(now);
        let Some(&Reverse(free)) = self.free_at.peek() else {
            return Answer::Refused;
        };
        let start = free.max(now);
        if start > now && queue.is_some_and(|q| queued >= q) {
            return Answer::Refused;
        }
        let deadline = now + timeout;
        if start >= deadline {
            // Given up while queued: never served, never holds a server.
            self.waiting.push(deadline);
            return Answer::TimedOut { at: deadline };
        }
        self.free_at.pop();
        let end = start + service;
        self.free_at.push(Reverse(end));
        if start > now {
            self.waiting.push(start);
        }
        if end <= deadline {
            Answer::Answered { at: end }
        } else {
            Answer::TimedOut { at: deadline }
        }
    }
}

/// How one request ended for the device, and how long it waited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    Answered(Duration),
    TimedOut(Duration),
    Refused,
}

/// The running server of one emulator process.
#[derive(Debug)]
pub(crate) struct AaaServer {
    pub spec: AaaSpec,
    model: Mutex<AaaModel>,
    /// The profile's jitter, applied to each service time.
    jitter: f64,
    seed: u64,
    requests: AtomicU64,
}

impl AaaServer {
    pub fn new(spec: AaaSpec, jitter: f64, seed: u64) -> AaaServer {
        AaaServer {
            spec,
            model: Mutex::new(AaaModel::new(spec.capacity, Instant::now())),
            jitter,
            seed,
            requests: AtomicU64::new(0),
        }
    }

    /// One request: waits until the device has its answer (or gives up), never longer than
    /// the device's timeout. The service time is jittered from the seed and the request's
    /// ordinal at the server.
    pub async fn ask(&self) -> Outcome {
        let ordinal = self.requests.fetch_add(1, Ordering::Relaxed);
        let mut rng = session_rng(self.seed ^ 0xAAA0, usize::MAX, ordinal);
        let service = jittered(self.spec.service, self.jitter, &mut rng);
        let now = Instant::now();
        let answer = self
            .model
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .request(now, service, self.spec.timeout, self.spec.queue);
        match answer {
            Answer::Answered { at } => {
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                Outcome::Answered(at.saturating_duration_since(now))
            }
            Answer::TimedOut { at } => {
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                Outcome::TimedOut(at.saturating_duration_since(now))
            }
            Answer::Refused => Outcome::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn parses_capacity_at_time() {
        let s = AaaSpec::parse("16@20ms").unwrap();
        assert_eq!((s.capacity, s.service), (16, 20 * MS));
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert!((s.capacity_per_sec() - 800.0).abs() < 1e-9);
        for bad in ["16", "0@20ms", "x@20ms", "16@fast", "@"] {
            assert!(AaaSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn capacity_requests_are_served_at_once_the_rest_queue_in_order() {
        let t0 = Instant::now();
        let mut m = AaaModel::new(2, t0);
        let ans: Vec<Answer> = (0..5)
            .map(|_| m.request(t0, 10 * MS, Duration::from_secs(5), None))
            .collect();
        let at = |ms| Answer::Answered { at: t0 + ms * MS };
        assert_eq!(ans, [at(10), at(10), at(20), at(20), at(30)]);
        assert_eq!(m.queued(t0), 3);
        assert_eq!(m.queued(t0 + 15 * MS), 1);
        // Idle again later: served at once.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(
            m.request(later, 10 * MS, Duration::from_secs(5), None),
            Answer::Answered {
                at: later + 10 * MS
            }
        );
    }

    #[test]
    fn above_capacity_devices_time_out_and_the_server_wastes_its_time() {
        let t0 = Instant::now();
        let mut m = AaaModel::new(1, t0);
        let timeout = 25 * MS;
        let ans: Vec<Answer> = (0..4)
            .map(|_| m.request(t0, 10 * MS, timeout, None))
            .collect();
        assert_eq!(ans[0], Answer::Answered { at: t0 + 10 * MS });
        assert_eq!(ans[1], Answer::Answered { at: t0 + 20 * MS });
        // Starts at 20, would end at 30: the device gave up at 25, the server finishes.
        assert_eq!(ans[2], Answer::TimedOut { at: t0 + 25 * MS });
        // Would start at 30, after its device gave up at 25: never served.
        assert_eq!(ans[3], Answer::TimedOut { at: t0 + 25 * MS });
        // The server is busy until 30 with the wasted request, not 40.
        assert_eq!(
            m.request(t0 + 30 * MS, 10 * MS, timeout, None),
            Answer::Answered { at: t0 + 40 * MS }
        );
    }

    #[test]
    fn a_bounded_queue_refuses_at_once() {
        let t0 = Instant::now();
        let mut m = AaaModel::new(1, t0);
        let t = Duration::from_secs(5);
        assert!(matches!(
            m.request(t0, 10 * MS, t, Some(1)),
            Answer::Answered { .. }
        ));
        assert!(matches!(
            m.request(t0, 10 * MS, t, Some(1)),
            Answer::Answered { .. }
        ));
        assert_eq!(m.request(t0, 10 * MS, t, Some(1)), Answer::Refused);
        // Once the queue drains, requests wait again.
        assert!(matches!(
            m.request(t0 + 10 * MS, 10 * MS, t, Some(1)),
            Answer::Answered { .. }
        ));
    }

    /// Requests at `rate` per second for one second against 16@20ms, from devices that wait
    /// 100 ms: how many were answered, and when the last answered one arrived.
    fn open_loop(rate: u32) -> (u32, Duration) {
        let t0 = Instant::now();
        let mut m = AaaModel::new(16, t0);
        let (mut answered, mut last) = (0, Duration::ZERO);
        for i in 0..rate {
            let offset = Duration::from_secs(1) / rate * i;
            if let Answer::Answered { at } = m.request(t0 + offset, 20 * MS, 100 * MS, None) {
                assert!(at - (t0 + offset) <= 100 * MS);
                answered += 1;
                last = offset;
            }
        }
        (answered, last)
    }

    #[test]
    fn below_capacity_everything_is_answered_above_it_a_fifo_collapses() {
        // 600/s against 800/s of capacity: all answered.
        assert_eq!(open_loop(600).0, 600);
        // 2000/s: the queue's wait grows by 1.5 s a second and passes 80 ms (100 ms timeout
        // less 20 ms of service) after about 53 ms; from then on every request either gives
        // up queued or is served after its device gave up. Nothing is answered any more.
        let (answered, last) = open_loop(2000);
        assert!((90..=130).contains(&answered), "{answered}");
        assert!(last < 80 * MS, "{last:?}");
    }
}
