//! A dedicated rayon pool of W threads, one spawned job per device: the course's `pool.map`
//! in effect (every device polled by the pool), not in mechanism (no `par_iter`, see below).
//!
//! Each device is spawned as its own job into the pool (`scope` + `spawn`), and the pool's
//! threads take them in turn. A `par_iter` over the devices was measured first: rayon splits
//! it recursively, and while most workers sat blocked in a session, the idle ones kept
//! waking and spinning to steal the halves, costing several times the CPU of the sessions
//! themselves at 1000 devices (docs/src/measurements/2026-11-22-vm-1000-devices.md has the figures). Rayon is made for CPU-bound work;
//! this is the least costly
//! way found to feed it blocking I/O.

use super::pool::{Run, THREAD_STACK, poll_here, work};
use super::{RunOutcome, StrategyError};
use std::time::Instant;

pub(super) fn run(r: &Run<'_>) -> Result<RunOutcome, StrategyError> {
    let t0 = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(r.workers)
        .thread_name(|i| format!("rayon-{i}"))
        .stack_size(THREAD_STACK)
        .build()
        .map_err(|e| StrategyError::Setup {
            what: "rayon pool",
            message: e.to_string(),
        })?;
    let startup = t0.elapsed();
    let (feed, col) = (r.feed(), r.collector());
    if feed.is_steady() {
        // A steady run's devices come again and again: W jobs, each taking the next due
        // poll until the schedule ends (the pool's threads wait in the schedule).
        pool.scope(|s| {
            for _ in 0..r.workers {
                let (feed, col) = (&feed, &col);
                s.spawn(move |_| work(r, feed, col));
            }
        });
        return r.outcome(col, startup, r.workers);
    }
    pool.scope(|s| {
        for _ in r.devices {
            let (feed, col) = (&feed, &col);
            // One job per device; each polls whichever device is next in the queue.
            s.spawn(move |_| {
                if let Some(i) = feed.take() {
                    poll_here(i, r.devices, r.job, r.poller(), col, feed, r.attempts(i));
                }
            });
        }
    });
    r.outcome(col, startup, r.workers)
}
