//! W std threads pulling devices from one queue: the classic `threading` + `Queue` pattern.
//! (The queue is the shell's [`Feed`], an atomic cursor over the inventory: it hands out the
//! same devices in the same order a crossbeam channel of indices did, with nothing to fill.)

use super::pool::{Collector, Feed, no_result, outcome, work};
use super::{RunConfig, RunOutcome};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use std::time::{Duration, Instant};

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> RunOutcome {
    let t0 = Instant::now();
    let (feed, col) = (
        Feed::new(devices.len(), &cfg.stop),
        Collector::new(devices, obs),
    );
    let poller = cfg.session.as_ref();
    let mut startup = Duration::ZERO;
    std::thread::scope(|s| {
        for w in 0..workers {
            let (feed, col) = (&feed, &col);
            // A small stack: the session core needs little, and 1000 threads must fit easily.
            let spawned = std::thread::Builder::new()
                .name(format!("thread-{w}"))
                .stack_size(256 * 1024)
                .spawn_scoped(s, move || work(feed, devices, job, poller, col));
            if spawned.is_err() {
                // The OS refused more threads: the ones already running drain the queue.
                break;
            }
        }
        startup = t0.elapsed();
    });
    outcome(col.into_results(&cfg.stop, no_result), startup, workers, 0)
}
