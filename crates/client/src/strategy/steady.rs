//! The steady schedule ([`super::schedule`]) on the real clock, as the queue a strategy's
//! workers take from: a worker asks for its next poll and waits (on its thread, or as a
//! tokio task) until one is due, a poll ends, or a stop comes; each poll's start and end
//! go back into the schedule; finished cycles leave through a channel, in order, for
//! whoever writes them (the application's reporter), so no worker ever writes a file.
//!
//! Time zero is the first worker's first request, once the strategy's pool is up, so a
//! pool's start-up is not counted as the first cycle's lag.

use super::schedule::{Finished, Plan, Schedule, Take};
use crate::stop::Stop;
use fleetbench_report::steady::{Outcome, PollSample};
use fleetbench_report::{DeviceResult, Phase, kind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// What leaves the schedule while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum SteadyEvent {
    /// A finished cycle; `start_unix` is its start on the Unix clock.
    Cycle { finished: Finished, start_unix: f64 },
    /// Polls of cycles already sent that ended since.
    Late(Vec<PollSample>),
}

/// The schedule of one run with its clock, shared by the strategy's workers.
#[derive(Debug)]
pub struct Steady {
    /// Time zero on the monotonic and the Unix clock.
    t0: OnceLock<(Instant, f64)>,
    every: Duration,
    state: Mutex<Schedule>,
    /// Wakes blocking workers: a poll ended, or a stop.
    cv: Condvar,
    /// Wakes async workers.
    notify: tokio::sync::Notify,
    out: Mutex<Option<mpsc::Sender<SteadyEvent>>>,
    stop: Stop,
    /// Polls ended so far (for CPU per poll between two samples).
    ended: AtomicU64,
}

impl Steady {
    /// The schedule of `plan`, stopped by `stop`; what it sends comes out of the receiver
    /// (which ends once [`Steady::close`] is called).
    pub fn new(plan: Plan, stop: &Stop) -> (Arc<Steady>, mpsc::Receiver<SteadyEvent>) {
        let (tx, rx) = mpsc::channel();
        let steady = Arc::new(Steady {
            t0: OnceLock::new(),
            every: plan.every,
            state: Mutex::new(Schedule::new(plan)),
            cv: Condvar::new(),
            notify: tokio::sync::Notify::new(),
            out: Mutex::new(Some(tx)),
            stop: stop.clone(),
            ended: AtomicU64::new(0),
        });
        let weak = Arc::downgrade(&steady);
        stop.on_request(move || {
            if let Some(s) = weak.upgrade() {
                // Under the lock, so a worker between its check and its wait still wakes.
                let _g = s.lock();
                s.cv.notify_all();
                s.notify.notify_waiters();
            }
        });
        (steady, rx)
    }

    fn lock(&self) -> MutexGuard<'_, Schedule> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clock(&self) -> (Instant, f64) {
        *self
            .t0
            .get_or_init(|| (Instant::now(), fleetbench_report::unix_now()))
    }

    fn now(&self) -> Duration {
        self.clock().0.elapsed()
    }

    /// Sends what the schedule finished; a receiver gone away loses only the sending.
    fn flush(&self, g: &mut Schedule) {
        let finished = g.take_finished();
        let late = g.take_late();
        if finished.is_empty() && late.is_empty() {
            return;
        }
        let t0_unix = self.clock().1;
        let out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(tx) = out.as_ref() else {
            return;
        };
        for f in finished {
            let start_unix = t0_unix + f.start.as_secs_f64();
            let _ = tx.send(SteadyEvent::Cycle {
                finished: f,
                start_unix,
            });
        }
        if !late.is_empty() {
            let _ = tx.send(SteadyEvent::Late(late));
        }
    }

    /// One step of a free worker: `Ok(device)` to poll, `Err(None)` when there is no more
    /// work, `Err(Some(wait))` to wait that long at most.
    fn step(&self, g: &mut Schedule) -> Result<usize, Option<Duration>> {
        let now = self.now();
        if self.stop.is_requested() {
            g.stop(now);
        }
        let t = g.take(now);
        self.flush(g);
        match t {
            Take::Go(t) => Ok(t.device),
            Take::Done => Err(None),
            // Until the next due time, or until a poll ends; never longer than an interval.
            Take::Wait(until) => {
                Err(Some(until.map_or(self.every, |u| {
                    u.saturating_sub(now).min(self.every)
                })))
            }
        }
    }

    /// The next device to poll, waiting on this thread until one is due; `None` once there
    /// is no more work or a stop came.
    pub(super) fn take_blocking(&self) -> Option<usize> {
        let mut g = self.lock();
        loop {
            match self.step(&mut g) {
                Ok(device) => return Some(device),
                Err(None) => return None,
                Err(Some(wait)) => {
                    g = match self.cv.wait_timeout(g, wait) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    };
                }
            }
        }
    }

    /// [`Steady::take_blocking`] for a tokio task.
    pub(super) async fn take_async(&self) -> Option<usize> {
        loop {
            // Registered before the look at the schedule, so an end in between is not missed.
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut g = self.lock();
                match self.step(&mut g) {
                    Ok(device) => return Some(device),
                    Err(None) => return None,
                    Err(Some(wait)) => wait,
                }
            };
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(wait) => {}
                () = self.stop.requested() => {}
            }
        }
    }

    /// Device `index`'s poll began its session (its first attempt's start is its start).
    pub(super) fn started(&self, index: usize) {
        let now = self.now();
        self.lock().started(index, now);
    }

    /// Device `index`'s poll ended with `r`.
    pub(super) fn finished(&self, index: usize, r: &DeviceResult) {
        let outcome = match &r.error {
            None if r.ok => Outcome::Ok,
            Some(e) if e.kind == kind::INTERRUPTED => Outcome::Interrupted,
            Some(e) => Outcome::Failed {
                kind: e.kind.clone(),
                message: e.message.clone(),
            },
            None => Outcome::Failed {
                kind: "unknown".into(),
                message: String::new(),
            },
        };
        let opened = r.phases.iter().any(|p| p.phase == Phase::Connect);
        self.ended.fetch_add(1, Ordering::AcqRel);
        let now = self.now();
        {
            let mut g = self.lock();
            if self.stop.is_requested() {
                g.stop(now);
            }
            g.finished(index, now, outcome, opened);
            self.flush(&mut g);
        }
        self.cv.notify_all();
        self.notify.notify_waiters();
    }

    /// Polls that ended so far (ok, failed or cut off by a stop).
    pub fn polls_ended(&self) -> u64 {
        self.ended.load(Ordering::Acquire)
    }

    /// Polls due and not started now.
    pub fn backlog(&self) -> u64 {
        self.lock().backlog()
    }

    /// Whether no more work will come.
    pub(super) fn is_done(&self) -> bool {
        self.lock().is_done()
    }

    /// The workers are gone: a stop is applied, every cycle still open comes out (polls
    /// that never ended counted as waiting), and the channel closes.
    pub fn close(&self) {
        let now = self.now();
        let mut g = self.lock();
        g.stop(now);
        g.close_all();
        self.flush(&mut g);
        self.out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}
