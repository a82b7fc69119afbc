//! A dedicated rayon pool of W threads mapping over the devices: the course's `pool.map`.
//!
//! Each device is spawned as its own job into the pool (`scope` + `spawn`), and the pool's
//! threads take them in turn. A `par_iter` over the devices was measured first: rayon splits
//! it recursively, and while most workers sat blocked in a session, the idle ones kept
//! waking and spinning to steal the halves, costing several times the CPU of the sessions
//! themselves at 1000 devices (README has the figures). Rayon is made for CPU-bound work;
//! this is the least costly
//! way found to feed it blocking I/O.

use super::pool::{outcome, poll_one};
use super::{RunOutcome, StrategyError};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use crate::stop::Stop;
use std::sync::Mutex;
use std::time::Instant;

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    stop: &Stop,
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
    let slots: Vec<Mutex<Option<_>>> = devices.iter().map(|_| Mutex::new(None)).collect();
    pool.scope(|s| {
        for (i, dev) in devices.iter().enumerate() {
            let slot = &slots[i];
            s.spawn(move |_| {
                let r = poll_one(i, dev, job, stop, obs);
                // A poisoned slot can only come from a panic in this very job; keep the value.
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            });
        }
    });
    let results = slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()));
    Ok(outcome(
        super::pool::in_order(devices, results.collect()),
        startup,
        workers,
        0,
    ))
}
