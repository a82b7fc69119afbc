//! The scheduling shell every strategy shares: a [`Feed`] hands out device indices in
//! inventory order until it is empty or the run is stopped, and release times for new
//! connections under `--connect-rate`; [`Attempts`] decides, after each session of a device,
//! whether it is retried and after what wait (`--retries`); a [`Collector`] takes each
//! result once, announces it, and at the end fills the devices never started (`interrupted`
//! after a stop) so every device has exactly one result and one
//! [`Event::DeviceFinished`]. A strategy only decides who calls [`Feed::take`], where the
//! session runs and how it waits.

use super::pace::Pacer;
use super::poller::{Poller, not_run};
use super::retry::RetryPolicy;
use super::steady::Steady;
use super::{RunConfig, RunOutcome};
use crate::error::SessionError;
use crate::job::Job;
use crate::observe::{Event, Observer};
use crate::session;
use crate::stop::Stop;
use fleetbench_inventory::Device;
use fleetbench_report::StrategyKind;
use fleetbench_report::{DeviceResult, ErrorInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Threads that run sessions get a small stack: the session core needs little, and 1000
/// threads must fit easily.
pub(super) const THREAD_STACK: usize = 256 * 1024;

/// One run as a strategy sees it: what to poll, how many at once, and where events go.
pub(super) struct Run<'a> {
    pub devices: &'a [Device],
    pub job: &'a Job,
    pub workers: usize,
    pub cfg: &'a RunConfig,
    pub obs: &'a dyn Observer,
    /// A steady-state run's schedule: devices come from it, when due, again and again,
    /// and their results go back to it; otherwise one sweep in inventory order.
    pub steady: Option<Arc<Steady>>,
}

impl<'a> Run<'a> {
    /// The run's queue, in inventory order (or as the steady schedule says), obeying the
    /// run's stop token and connect rate.
    pub fn feed(&self) -> Feed {
        let mut feed = Feed::new(self.devices.len(), &self.cfg.stop);
        feed.pacer = self.cfg.connect_rate.map(Pacer::new);
        feed.steady = self.steady.clone();
        feed
    }

    /// The attempts of device `index`.
    pub fn attempts(&self, index: usize) -> Attempts {
        Attempts::new(index, self.cfg.retry)
    }

    pub fn collector(&self) -> Collector<'a> {
        let mut col = Collector::new(self.devices, self.obs);
        col.steady = self.steady.clone();
        col
    }

    /// The session each device gets.
    pub fn poller(&self) -> &'a dyn Poller {
        self.cfg.session.as_ref()
    }

    /// The outcome of an in-process run: every device's result, in order.
    pub fn outcome(
        &self,
        col: Collector<'_>,
        startup: Duration,
        threads: usize,
    ) -> Result<RunOutcome, super::StrategyError> {
        let results = col.into_results(&self.cfg.stop, no_result);
        Ok(outcome(results, startup, threads, 0))
    }
}

/// The queue of device indices of one run, and its connect rate.
#[derive(Debug)]
pub(super) struct Feed {
    next: AtomicUsize,
    len: usize,
    stop: Stop,
    pacer: Option<Pacer>,
    /// A steady-state run takes its devices from its schedule instead.
    steady: Option<Arc<Steady>>,
}

impl Feed {
    pub(super) fn new(len: usize, stop: &Stop) -> Feed {
        Feed {
            next: AtomicUsize::new(0),
            len,
            stop: stop.clone(),
            pacer: None,
            steady: None,
        }
    }

    /// Whether this is a steady-state run's queue (a device comes again and again).
    pub(super) fn is_steady(&self) -> bool {
        self.steady.is_some()
    }

    /// When the next connection may open (`--connect-rate`); `None`: at once.
    pub(super) fn release(&self) -> Option<Instant> {
        self.pacer.as_ref().map(|p| p.reserve(Instant::now()))
    }

    /// Waits on the calling thread for the next connection's release time; false when the
    /// run was stopped meanwhile.
    pub(super) fn wait_release(&self) -> bool {
        self.release().is_none_or(|at| self.stop.sleep_until(at))
    }

    /// [`Feed::wait_release`] for async workers.
    pub(super) async fn wait_release_async(&self) -> bool {
        match self.release() {
            None => true,
            Some(at) => self.stop.sleep_until_async(at).await,
        }
    }

    /// The next device to poll; `None` once every device was handed out or a stop was
    /// requested. A steady run's waits (on this thread) until one is due.
    pub(super) fn take(&self) -> Option<usize> {
        if self.stop.is_requested() {
            return None;
        }
        if let Some(s) = &self.steady {
            return s.take_blocking();
        }
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        (i < self.len).then_some(i)
    }

    /// [`Feed::take`] for a tokio task.
    pub(super) async fn take_async(&self) -> Option<usize> {
        match &self.steady {
            Some(s) if !self.stop.is_requested() => s.take_async().await,
            _ => self.take(),
        }
    }

    /// Whether every device was handed out (a steady run: no more work will come).
    pub(super) fn exhausted(&self) -> bool {
        match &self.steady {
            Some(s) => s.is_done(),
            None => self.next.load(Ordering::SeqCst) >= self.len,
        }
    }

    pub(super) fn stop(&self) -> &Stop {
        &self.stop
    }
}

/// Results of one run, by device index, announced as they arrive (a steady run's go back
/// to its schedule, one per poll, and are not kept).
pub(super) struct Collector<'a> {
    devices: &'a [Device],
    obs: &'a dyn Observer,
    slots: Vec<OnceLock<DeviceResult>>,
    steady: Option<Arc<Steady>>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(devices: &'a [Device], obs: &'a dyn Observer) -> Self {
        Collector {
            devices,
            obs,
            slots: devices.iter().map(|_| OnceLock::new()).collect(),
            steady: None,
        }
    }

    /// A worker (`pid/thread`) is about to connect to device `index`.
    pub(super) fn started(&self, index: usize, worker: &str, unix: f64) {
        if let Some(s) = &self.steady {
            s.started(index);
        }
        self.obs.on(&Event::DeviceStarted {
            index,
            device: &self.devices[index],
            worker,
            unix,
        });
    }

    /// Device `index` has its result. A second result for one device would be a bug in the
    /// strategy; the first one is kept (a steady run's poll hands it to the schedule).
    pub(super) fn finish(&self, index: usize, r: DeviceResult) {
        self.obs.on(&Event::DeviceFinished { index, result: &r });
        match &self.steady {
            Some(s) => s.finished(index, &r),
            None => {
                let _ = self.slots[index].set(r);
            }
        }
    }

    /// Every result in inventory order. A device without one was never started: after a
    /// stop it is `interrupted`, otherwise it gets `missing()` (no worker was left to poll
    /// it). Each is announced like any other result.
    pub(super) fn into_results(
        self,
        stop: &Stop,
        missing: impl Fn() -> SessionError,
    ) -> Vec<DeviceResult> {
        if self.steady.is_some() {
            // Every poll went to the schedule as it ended.
            return Vec::new();
        }
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.get().is_none() {
                let err = if stop.is_requested() {
                    SessionError::Interrupted
                } else {
                    missing()
                };
                self.finish(i, not_run(&self.devices[i], err));
            }
        }
        self.slots
            .into_iter()
            .zip(self.devices)
            .map(|(slot, dev)| {
                // Filled just above for every empty slot.
                slot.into_inner().unwrap_or_else(|| {
                    not_run(
                        dev,
                        SessionError::WorkerDied {
                            message: "no result was delivered".into(),
                        },
                    )
                })
            })
            .collect()
    }
}

/// What comes after one session of a device.
#[derive(Debug)]
pub(super) enum Next {
    /// Poll it again after this wait.
    Retry(Duration),
    /// Its result (the last session's, with the attempts before it).
    Done(Box<DeviceResult>),
}

/// The sessions of one device: whether a failed one is retried, and its final result.
#[derive(Debug)]
pub(super) struct Attempts {
    index: usize,
    policy: RetryPolicy,
    made: u32,
    /// The errors of the attempts before the last one.
    earlier: Vec<ErrorInfo>,
    /// The last attempt, when it is to be retried.
    last: Option<DeviceResult>,
}

impl Attempts {
    pub(super) fn new(index: usize, policy: RetryPolicy) -> Attempts {
        Attempts {
            index,
            policy,
            made: 0,
            earlier: Vec::new(),
            last: None,
        }
    }

    /// A session ended with `r`.
    pub(super) fn after(&mut self, r: DeviceResult) -> Next {
        self.made += 1;
        if let Some(prev) = self.last.take() {
            self.earlier.extend(prev.error);
        }
        match self.policy.next(self.index, self.made, &r) {
            Some(wait) => {
                self.last = Some(r);
                Next::Retry(wait)
            }
            None => Next::Done(Box::new(self.finish(r))),
        }
    }

    fn finish(&mut self, mut r: DeviceResult) -> DeviceResult {
        r.attempts = self.made.max(1);
        r.retried = std::mem::take(&mut self.earlier);
        r
    }

    /// The device's result when the run stopped before its next attempt: the last
    /// attempt's, or `None` when it never started.
    pub(super) fn stopped(&mut self) -> Option<DeviceResult> {
        let last = self.last.take()?;
        Some(self.finish(last))
    }

    /// [`Attempts::stopped`], or `interrupted` for a device never started.
    pub(super) fn stopped_or_interrupted(&mut self, dev: &Device) -> DeviceResult {
        self.stopped()
            .unwrap_or_else(|| not_run(dev, SessionError::Interrupted))
    }
}

/// Polls device `index` with `poller` on the calling thread, each attempt paced and
/// announced, retried as the run says.
pub(super) fn poll_here(
    index: usize,
    devices: &[Device],
    job: &Job,
    poller: &dyn Poller,
    col: &Collector<'_>,
    feed: &Feed,
    mut attempts: Attempts,
) {
    let dev = &devices[index];
    loop {
        if !feed.wait_release() {
            return col.finish(index, attempts.stopped_or_interrupted(dev));
        }
        col.started(
            index,
            &session::worker_label(),
            fleetbench_report::unix_now(),
        );
        match attempts.after(poller.poll_at(index, dev, job)) {
            Next::Done(r) => return col.finish(index, *r),
            Next::Retry(wait) => {
                if !feed.stop().sleep_until(Instant::now() + wait) {
                    return col.finish(index, attempts.stopped_or_interrupted(dev));
                }
            }
        }
    }
}

/// The worker loop of the in-process strategies: take, poll here, repeat.
pub(super) fn work(r: &Run<'_>, feed: &Feed, col: &Collector<'_>) {
    while let Some(i) = feed.take() {
        poll_here(i, r.devices, r.job, r.poller(), col, feed, r.attempts(i));
    }
}

/// What every strategy reports when a device was never started or its worker died.
pub(super) fn no_result() -> SessionError {
    SessionError::WorkerDied {
        message: "no result was delivered".into(),
    }
}

pub(super) fn outcome(
    results: Vec<DeviceResult>,
    startup: Duration,
    threads: usize,
    processes: usize,
) -> RunOutcome {
    RunOutcome {
        strategy: StrategyKind::Sequential,
        workers: 1,
        results,
        wall: Duration::ZERO,
        startup,
        threads,
        processes,
    }
}
