//! The session seam: how a strategy polls one device, passed in as a trait object
//! ([`RunConfig::session`](super::RunConfig)). The real one is [`Ssh`], the session core;
//! tests pass a [`Mock`] with fixed latencies, so scheduling is tested in milliseconds
//! without a network (hyperfine's `MockExecutor` idea). Wrappers go here too: the regression
//! gate's debug slowdown is [`Slowed`], around the real session, not inside it.

use crate::error::SessionError;
use crate::job::Job;
use crate::jump::{self, Jumps};
use crate::session;
use crate::wait::{PollIo, TokioIo};
use fleetbench_inventory::Device;
use fleetbench_report::{CommandOutput, DeviceResult, ErrorInfo};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A boxed future of one device's result.
pub type PollFuture<'a> = Pin<Box<dyn Future<Output = DeviceResult> + Send + 'a>>;

/// Polls one device, start to end. Implementations never panic: every failure is a result.
pub trait Poller: Send + Sync + fmt::Debug {
    /// On the calling thread, blocking it.
    fn poll(&self, dev: &Device, job: &Job) -> DeviceResult;
    /// On a tokio runtime, never blocking its thread.
    fn poll_async<'a>(&'a self, dev: &'a Device, job: &'a Job) -> PollFuture<'a>;
    /// [`Poller::poll`] of device `index` of the run: a poller that keeps something per
    /// device between polls (a kept session, [`super::keep`]) needs to know which.
    fn poll_at(&self, _index: usize, dev: &Device, job: &Job) -> DeviceResult {
        self.poll(dev, job)
    }
    /// [`Poller::poll_async`] of device `index` of the run.
    fn poll_at_async<'a>(&'a self, _index: usize, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
        self.poll_async(dev, job)
    }
    /// The longest one healthy session may take; past it, a worker process is hung.
    fn budget(&self, dev: &Device, job: &Job) -> Duration {
        session::budget(dev, job)
    }
    /// How a worker process rebuilds this poller, if it can be (a mock cannot).
    fn remote(&self) -> Option<RemoteSession> {
        None
    }
    /// One run is over (called once every device has its result): what the poller kept for
    /// the run (the shared bastion connections) goes.
    fn end_run(&self) {}
}

/// The session core over SSH; devices with a jump host go through it ([`crate::jump`]),
/// with the run's bastion connections kept here.
#[derive(Debug, Default)]
pub struct Ssh {
    jumps: Jumps,
}

impl Poller for Ssh {
    fn poll(&self, dev: &Device, job: &Job) -> DeviceResult {
        match &dev.bastion {
            None => session::poll_blocking(dev, job),
            Some(b) => pollster::block_on(jump::poll_via(&PollIo, &self.jumps, dev, b, job)),
        }
    }
    fn poll_async<'a>(&'a self, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
        match &dev.bastion {
            None => Box::pin(session::poll_device(&TokioIo, dev, job)),
            Some(b) => Box::pin(jump::poll_via(&TokioIo, &self.jumps, dev, b, job)),
        }
    }
    fn budget(&self, dev: &Device, job: &Job) -> Duration {
        // Through a bastion: its login (connect, handshake, three auth methods) and the
        // channel open come first.
        let extra = if dev.bastion.is_some() {
            job.timeout.unwrap_or(dev.timeout).saturating_mul(6)
        } else {
            Duration::ZERO
        };
        session::budget(dev, job).saturating_add(extra)
    }
    fn remote(&self) -> Option<RemoteSession> {
        Some(RemoteSession::default())
    }
    fn end_run(&self) {
        self.jumps.end_run()
    }
}

/// What a worker process needs to rebuild the parent's poller: the SSH session and the
/// debug slowdown around it. Sent once, with the job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteSession {
    /// [`Slowed`]'s fraction; 0 for none.
    #[serde(default)]
    pub slowdown: f64,
}

impl RemoteSession {
    pub fn build(self) -> Arc<dyn Poller> {
        ssh(self.slowdown)
    }
}

/// The real session, slowed down by `slowdown` (0: not at all).
pub fn ssh(slowdown: f64) -> Arc<dyn Poller> {
    if slowdown > 0.0 {
        Arc::new(Slowed {
            inner: Ssh::default(),
            fraction: slowdown,
        })
    } else {
        Arc::new(Ssh::default())
    }
}

/// The regression gate's debug knob (`FLEETBENCH_DEBUG_SLOWDOWN`): every session made
/// `fraction` longer (0.2 = 20%) by waiting after it, client side, as if the client had got
/// slower. The wait is the session's last phase, so timings and histograms show it.
#[derive(Debug)]
pub struct Slowed {
    inner: Ssh,
    fraction: f64,
}

impl Slowed {
    fn extra(&self, r: &DeviceResult) -> Duration {
        Duration::from_secs_f64(r.total_secs() * self.fraction.clamp(0.0, 100.0))
    }
}

/// Lengthens `r`'s last phase and its end by `d`, which was just waited.
fn stretch(mut r: DeviceResult, d: Duration) -> DeviceResult {
    let s = d.as_secs_f64();
    r.ended_unix += s;
    if let Some(last) = r.phases.last_mut() {
        last.secs += s;
    }
    r
}

impl Poller for Slowed {
    fn poll(&self, dev: &Device, job: &Job) -> DeviceResult {
        let r = self.inner.poll(dev, job);
        let d = self.extra(&r);
        std::thread::sleep(d);
        stretch(r, d)
    }
    fn poll_async<'a>(&'a self, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
        Box::pin(async move {
            let r = self.inner.poll_async(dev, job).await;
            let d = self.extra(&r);
            tokio::time::sleep(d).await;
            stretch(r, d)
        })
    }
    fn budget(&self, dev: &Device, job: &Job) -> Duration {
        self.inner
            .budget(dev, job)
            .mul_f64(1.0 + self.fraction.clamp(0.0, 100.0))
    }
    fn remote(&self) -> Option<RemoteSession> {
        Some(RemoteSession {
            slowdown: self.fraction,
        })
    }
    fn end_run(&self) {
        self.inner.end_run()
    }
}

/// A session that only waits: device `i` takes `latency(i)` (by its index in the name `Ri`,
/// else the first entry) and fails with `refused` if its name is in `refuse`. It counts
/// sessions in flight, so tests can check a worker bound exactly.
#[derive(Debug, Default)]
pub struct Mock {
    /// Latency per device, cycled (`R1` takes `latencies[0]`, ...); empty = instant.
    pub latencies: Vec<Duration>,
    /// Names of devices that fail.
    pub refuse: Vec<String>,
    /// When above 0, the devices of `refuse` fail only their first this many sessions.
    pub fail_first: usize,
    /// Sessions started per device name.
    sessions: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// When each session started, in order.
    starts: std::sync::Mutex<Vec<std::time::Instant>>,
    /// Requested as the first session begins (a Ctrl-C at a known point).
    pub stop_at_first: Option<crate::stop::Stop>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    polled: AtomicUsize,
}

impl Mock {
    pub fn new(latencies: Vec<Duration>) -> Self {
        Mock {
            latencies,
            ..Mock::default()
        }
    }

    /// The same, with the devices named in `names` failing (`refused`).
    pub fn refusing(mut self, names: &[&str]) -> Self {
        self.refuse = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// Most sessions that were ever in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Sessions started so far.
    pub fn polled(&self) -> usize {
        self.polled.load(Ordering::SeqCst)
    }

    /// When each session started, in the order they did.
    pub fn starts(&self) -> Vec<std::time::Instant> {
        self.starts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Counts a session of `dev`; whether this one fails.
    fn fails(&self, dev: &Device) -> bool {
        if !self.refuse.contains(&dev.name) {
            return false;
        }
        let mut seen = self
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = seen.entry(dev.name.clone()).or_default();
        *n += 1;
        self.fail_first == 0 || *n <= self.fail_first
    }

    fn latency(&self, dev: &Device) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = dev
            .name
            .strip_prefix('R')
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(0, |n| n.saturating_sub(1));
        self.latencies[i % self.latencies.len()]
    }

    fn begin(&self) -> f64 {
        if self.polled.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(stop) = &self.stop_at_first
        {
            stop.request();
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.starts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(std::time::Instant::now());
        fleetbench_report::unix_now()
    }

    fn end(&self, dev: &Device, started_unix: f64) -> DeviceResult {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut r = not_run(dev, SessionError::Interrupted);
        r.started_unix = started_unix;
        r.ended_unix = fleetbench_report::unix_now();
        r.worker = session::worker_label();
        if self.fails(dev) {
            r.error = Some(ErrorInfo::from(&SessionError::Refused { addr: dev.addr() }));
        } else {
            r.ok = true;
            r.error = None;
            r.outputs = vec![CommandOutput {
                command: "show clock".into(),
                output: format!("mock output of {}", dev.name),
            }];
        }
        r
    }
}

impl Poller for Mock {
    fn poll(&self, dev: &Device, _job: &Job) -> DeviceResult {
        let t = self.begin();
        std::thread::sleep(self.latency(dev));
        self.end(dev, t)
    }
    fn poll_async<'a>(&'a self, dev: &'a Device, _job: &'a Job) -> PollFuture<'a> {
        Box::pin(async move {
            let t = self.begin();
            tokio::time::sleep(self.latency(dev)).await;
            self.end(dev, t)
        })
    }
}

/// The result of a device that was never polled, or whose worker died.
pub(crate) fn not_run(dev: &Device, err: SessionError) -> DeviceResult {
    let now = fleetbench_report::unix_now();
    DeviceResult {
        error: Some(ErrorInfo::from(&err)),
        started_unix: now,
        ended_unix: now,
        ..DeviceResult::blank(&dev.name, &dev.host, dev.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hostkeys::HostKeyCheck;

    fn device(name: &str) -> Device {
        let n = name.trim_start_matches('R').parse().unwrap();
        crate::testing::router(n)
    }

    #[test]
    fn budget_covers_every_phase_and_the_slowdown() {
        let d = device("R1");
        let mut j = Job::new(vec!["show clock".into()], HostKeyCheck::default());
        // connect, handshake, 3 auth methods, shell, prompt, enable, 1 command; close (2 s).
        assert_eq!(
            Ssh::default().budget(&d, &j),
            Duration::from_secs(9 * 10 + 2)
        );
        j.timeout = Some(Duration::from_secs(1));
        assert_eq!(ssh(1.0).budget(&d, &j), Duration::from_secs(2 * 11));
        assert_eq!(ssh(0.5).remote(), Some(RemoteSession { slowdown: 0.5 }));
        assert_eq!(Mock::default().remote(), None);
    }

    #[test]
    fn slowed_stretches_the_session_and_its_last_phase() {
        let mut r = super::not_run(&device("R1"), SessionError::Interrupted);
        r.started_unix = 100.0;
        r.ended_unix = 100.2;
        r.phases.push(fleetbench_report::PhaseTime {
            phase: fleetbench_report::Phase::Close,
            index: None,
            start_s: 0.1,
            secs: 0.1,
        });
        let s = Slowed {
            inner: Ssh::default(),
            fraction: 0.5,
        };
        let d = s.extra(&r);
        assert!((d.as_secs_f64() - 0.1).abs() < 1e-9);
        let r = stretch(r, d);
        assert!((r.total_secs() - 0.3).abs() < 1e-9);
        assert!((r.phases[0].secs - 0.2).abs() < 1e-9);
    }

    #[test]
    fn mock_cycles_latencies_and_refuses_by_name() {
        let m =
            Mock::new(vec![Duration::from_millis(1), Duration::from_millis(30)]).refusing(&["R2"]);
        assert_eq!(m.latency(&device("R3")), Duration::from_millis(1));
        assert_eq!(m.latency(&device("R4")), Duration::from_millis(30));
        let j = Job::new(vec![], HostKeyCheck::default());
        assert!(m.poll(&device("R1"), &j).ok);
        let r = m.poll(&device("R2"), &j);
        assert_eq!(r.error.unwrap().kind, "refused");
        assert_eq!((m.polled(), m.max_in_flight()), (2, 1));
    }
}
