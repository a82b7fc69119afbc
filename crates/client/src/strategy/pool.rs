//! The scheduling shell every strategy shares: a [`Feed`] hands out device indices in
//! inventory order until it is empty or the run is stopped; a [`Collector`] takes each
//! result once, announces it, and at the end fills the devices never started (`interrupted`
//! after a stop) so every device has exactly one result and one
//! [`Event::DeviceFinished`]. A strategy only decides who calls [`Feed::take`] and where the
//! session runs.

use super::poller::{Poller, not_run};
use super::{RunConfig, RunOutcome};
use crate::error::SessionError;
use crate::job::Job;
use crate::observe::{Event, Observer};
use crate::session;
use crate::stop::Stop;
use fleetbench_inventory::Device;
use fleetbench_report::DeviceResult;
use fleetbench_report::StrategyKind;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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
}

impl<'a> Run<'a> {
    /// The run's queue, in inventory order, obeying the run's stop token.
    pub fn feed(&self) -> Feed {
        Feed::new(self.devices.len(), &self.cfg.stop)
    }

    pub fn collector(&self) -> Collector<'a> {
        Collector::new(self.devices, self.obs)
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

/// The queue of device indices of one run.
#[derive(Debug)]
pub(super) struct Feed {
    next: AtomicUsize,
    len: usize,
    stop: Stop,
}

impl Feed {
    pub(super) fn new(len: usize, stop: &Stop) -> Feed {
        Feed {
            next: AtomicUsize::new(0),
            len,
            stop: stop.clone(),
        }
    }

    /// The next device to poll; `None` once every device was handed out or a stop was
    /// requested.
    pub(super) fn take(&self) -> Option<usize> {
        if self.stop.is_requested() {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        (i < self.len).then_some(i)
    }

    /// Whether every device was handed out.
    pub(super) fn exhausted(&self) -> bool {
        self.next.load(Ordering::SeqCst) >= self.len
    }

    pub(super) fn stop(&self) -> &Stop {
        &self.stop
    }
}

/// Results of one run, by device index, announced as they arrive.
pub(super) struct Collector<'a> {
    devices: &'a [Device],
    obs: &'a dyn Observer,
    slots: Vec<OnceLock<DeviceResult>>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(devices: &'a [Device], obs: &'a dyn Observer) -> Self {
        Collector {
            devices,
            obs,
            slots: devices.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// A worker (`pid/thread`) is about to connect to device `index`.
    pub(super) fn started(&self, index: usize, worker: &str, unix: f64) {
        self.obs.on(&Event::DeviceStarted {
            index,
            device: &self.devices[index],
            worker,
            unix,
        });
    }

    /// Device `index` has its result. A second result for one device would be a bug in the
    /// strategy; the first one is kept.
    pub(super) fn finish(&self, index: usize, r: DeviceResult) {
        self.obs.on(&Event::DeviceFinished { index, result: &r });
        let _ = self.slots[index].set(r);
    }

    /// Every result in inventory order. A device without one was never started: after a
    /// stop it is `interrupted`, otherwise it gets `missing()` (no worker was left to poll
    /// it). Each is announced like any other result.
    pub(super) fn into_results(
        self,
        stop: &Stop,
        missing: impl Fn() -> SessionError,
    ) -> Vec<DeviceResult> {
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

/// Polls device `index` with `poller` on the calling thread, announced.
pub(super) fn poll_here(
    index: usize,
    devices: &[Device],
    job: &Job,
    poller: &dyn Poller,
    col: &Collector<'_>,
) {
    col.started(
        index,
        &session::worker_label(),
        fleetbench_report::unix_now(),
    );
    col.finish(index, poller.poll(&devices[index], job));
}

/// The worker loop of the in-process strategies: take, poll here, repeat.
pub(super) fn work(
    feed: &Feed,
    devices: &[Device],
    job: &Job,
    poller: &dyn Poller,
    col: &Collector<'_>,
) {
    while let Some(i) = feed.take() {
        poll_here(i, devices, job, poller, col);
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
