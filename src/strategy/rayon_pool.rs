//! A dedicated rayon pool of W threads mapping over the devices: the course's `pool.map`.

use super::pool::{outcome, poll_one};
use super::{RunOutcome, Sink, StrategyError};
use crate::device::Device;
use crate::job::Job;
use rayon::prelude::*;
use std::time::Instant;

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    sink: Sink<'_>,
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
    // with_max_len(1): every device is its own stealable job, so a slow device never holds
    // a chunk of others behind it (rayon would otherwise split the list into W runs).
    let results = pool.install(|| {
        devices
            .par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(i, d)| poll_one(i, d, job, sink))
            .collect()
    });
    Ok(outcome(results, startup, workers, 0))
}
