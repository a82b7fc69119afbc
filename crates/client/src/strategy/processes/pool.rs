//! The parent's side of the pool: one manager thread per worker process takes devices from
//! the shell's queue, hands them to its worker and replaces it when it dies.

use super::child::{Lost, READY_TIMEOUT, Worker};
use crate::error::SessionError;
use crate::job::Job;
use crate::strategy::poller::not_run;
use crate::strategy::poller::{Poller, RemoteSession};
use crate::strategy::pool::{Attempts, Collector, Feed, Next, Run, outcome};
use crate::strategy::retry::RetryPolicy;
use crate::strategy::{RunOutcome, StrategyError};
use fleetbench_inventory::Device;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the manager threads share.
struct Pool<'a> {
    devices: &'a [Device],
    job: &'a Job,
    poller: &'a dyn Poller,
    session: RemoteSession,
    exe: &'a Path,
    feed: &'a Feed,
    col: &'a Collector<'a>,
    retry: RetryPolicy,
    /// Worker processes started so far, replacements included.
    started: AtomicUsize,
    /// Replacement attempts so far, capped at the number of devices.
    replacements: AtomicUsize,
    /// Why the last replacement could not be started, for devices left in the queue.
    gave_up: Mutex<Option<String>>,
}

impl Pool<'_> {
    /// One manager thread: feeds its worker devices until the queue is empty or the run is
    /// stopped, replacing the worker when it dies.
    fn manage(&self, mut w: Worker) {
        while let Some(i) = self.feed.take() {
            let dev = &self.devices[i];
            let started = |worker: &str, unix: f64| self.col.started(i, worker, unix);
            let budget = self.poller.budget(dev, self.job);
            // The parent paces and retries, so the rate and the backoff hold across every
            // worker process.
            let mut attempts = Attempts::new(i, self.retry);
            let (result, died) = loop {
                if !self.feed.wait_release() {
                    break (attempts.stopped_or_interrupted(dev), false);
                }
                let r = match w.poll((i, dev), budget, self.feed.stop(), &started) {
                    Ok(r) => r,
                    Err(Lost::Died(message)) => {
                        break (not_run(dev, SessionError::WorkerDied { message }), true);
                    }
                    Err(Lost::Stopped) => break (not_run(dev, SessionError::Interrupted), true),
                };
                match attempts.after(r) {
                    Next::Done(r) => break (*r, false),
                    Next::Retry(wait) => {
                        if !self.feed.stop().sleep_until(Instant::now() + wait) {
                            break (attempts.stopped_or_interrupted(dev), false);
                        }
                    }
                }
            };
            self.col.finish(i, result);
            if died {
                if self.feed.exhausted() {
                    return;
                }
                match self.replace() {
                    Some(new) => w = new,
                    None => return,
                }
            }
        }
    }

    fn replace(&self) -> Option<Worker> {
        if self.feed.stop().is_requested() {
            return None;
        }
        let cap = self.devices.len();
        if self.replacements.fetch_add(1, Ordering::SeqCst) >= cap {
            self.give_up(format!(
                "no worker left: {cap} replacement workers were already started"
            ));
            return None;
        }
        let mut w = match Worker::spawn(self.exe) {
            Ok(w) => w,
            Err(e) => {
                self.give_up(format!("no worker left: cannot start a replacement: {e}"));
                return None;
            }
        };
        self.started.fetch_add(1, Ordering::SeqCst);
        match w.handshake(self.job, self.session, Instant::now() + READY_TIMEOUT) {
            Ok(()) => Some(w),
            Err(e) => {
                self.give_up(format!("no worker left: the replacement {e}"));
                None
            }
        }
    }

    fn give_up(&self, why: String) {
        if let Ok(mut g) = self.gave_up.lock() {
            *g = Some(why);
        }
    }
}

pub(in crate::strategy) fn run(r: &Run<'_>) -> Result<RunOutcome, StrategyError> {
    let (devices, job, workers, cfg) = (r.devices, r.job, r.workers, r.cfg);
    let exe = match &cfg.worker_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| StrategyError::Setup {
            what: "process pool",
            message: format!("cannot find the current executable: {e}"),
        })?,
    };
    let session = cfg.session.remote().ok_or(StrategyError::Setup {
        what: "process pool",
        message: "this session cannot run in a worker process".into(),
    })?;
    if devices.is_empty() {
        return Ok(outcome(Vec::new(), Duration::ZERO, 0, 0));
    }
    let spawn_err = |message: String| StrategyError::Spawn {
        exe: exe.display().to_string(),
        message,
    };

    // Spawn every worker first, then wait for their readies: the execs overlap.
    let t0 = Instant::now();
    let mut pool = Vec::with_capacity(workers);
    for _ in 0..workers.max(1) {
        pool.push(Worker::spawn(&exe).map_err(spawn_err)?);
    }
    let ready_by = t0 + READY_TIMEOUT;
    for w in &mut pool {
        w.handshake(job, session, ready_by).map_err(spawn_err)?;
    }
    let startup = t0.elapsed();
    let threads = pool.len();

    let (feed, col) = (r.feed(), r.collector());
    let shared = Pool {
        devices,
        job,
        poller: cfg.session.as_ref(),
        session,
        exe: &exe,
        feed: &feed,
        col: &col,
        retry: cfg.retry,
        started: AtomicUsize::new(pool.len()),
        replacements: AtomicUsize::new(0),
        gave_up: Mutex::new(None),
    };
    std::thread::scope(|s| {
        for w in pool {
            let pid = w.pid;
            let shared = &shared;
            // If the thread cannot start, the closure (and the worker in it) is dropped,
            // which kills the worker; the other managers drain the queue.
            let _ = std::thread::Builder::new()
                .name(format!("worker-{pid}"))
                .spawn_scoped(s, move || shared.manage(w));
        }
    });
    // Every manager has returned: a device without a result was never handed out because
    // the run was stopped (the collector makes it `interrupted`) or no worker was left.
    let gave_up = shared.gave_up.lock().ok().and_then(|g| g.clone());
    let processes = shared.started.load(Ordering::SeqCst);
    let results = col.into_results(&cfg.stop, || SessionError::WorkerDied {
        message: gave_up
            .clone()
            .unwrap_or_else(|| "no worker left to poll this device".into()),
    });
    Ok(outcome(results, startup, threads, processes))
}
