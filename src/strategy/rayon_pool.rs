//! A dedicated rayon pool of W threads, one spawned job per device: the course's `pool.map`
//! in effect (every device polled by the pool), not in mechanism (no `par_iter`, see below).
//!
//! Each device is spawned as its own job into the pool (`scope` + `spawn`), and the pool's
//! threads take them in turn. A `par_iter` over the devices was measured first: rayon splits
//! it recursively, and while most workers sat blocked in a session, the idle ones kept
//! waking and spinning to steal the halves, costing several times the CPU of the sessions
//! themselves at 1000 devices (README has the figures). Rayon is made for CPU-bound work;
//! this is the least costly
//! way found to feed it blocking I/O.

use super::pool::{Collector, Feed, no_result, outcome, poll_here};
use super::{RunConfig, RunOutcome, StrategyError};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use std::time::Instant;

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> Result<RunOutcome, StrategyError> {
    let t0 = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("rayon-{i}"))
        .stack_size(256 * 1024)
        .build()
        .map_err(|e| StrategyError::Setup {
            what: "rayon pool",
            message: e.to_string(),
        })?;
    let startup = t0.elapsed();
    let (feed, col) = (
        Feed::new(devices.len(), &cfg.stop),
        Collector::new(devices, obs),
    );
    let poller = cfg.session.as_ref();
    pool.scope(|s| {
        for _ in devices {
            let (feed, col) = (&feed, &col);
            // One job per device; each polls whichever device is next in the queue.
            s.spawn(move |_| {
                if let Some(i) = feed.take() {
                    poll_here(i, devices, job, poller, col);
                }
            });
        }
    });
    Ok(outcome(
        col.into_results(&cfg.stop, no_result),
        startup,
        workers,
        0,
    ))
}
