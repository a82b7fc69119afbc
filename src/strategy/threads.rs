//! W std threads pulling devices from a crossbeam channel queue and sending results back over
//! another: the classic `threading` + `Queue` pattern.

use super::RunOutcome;
use super::pool::{in_order, outcome, poll_one};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use crate::stop::Stop;
use std::time::{Duration, Instant};

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    stop: &Stop,
    obs: &dyn Observer,
) -> RunOutcome {
    let t0 = Instant::now();
    let (work_tx, work_rx) = crossbeam_channel::unbounded::<usize>();
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    for i in 0..devices.len() {
        // Cannot fail: the receiver lives until the scope below ends.
        let _ = work_tx.send(i);
    }
    drop(work_tx);
    let mut startup = Duration::ZERO;
    let mut slots: Vec<_> = (0..devices.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        for w in 0..workers {
            let (rx, tx) = (work_rx.clone(), done_tx.clone());
            // A small stack: the session core needs little, and 1000 threads must fit easily.
            let spawned = std::thread::Builder::new()
                .name(format!("thread-{w}"))
                .stack_size(256 * 1024)
                .spawn_scoped(s, move || {
                    for i in rx.iter() {
                        let _ = tx.send((i, poll_one(i, &devices[i], job, stop, obs)));
                    }
                });
            if spawned.is_err() {
                // The OS refused more threads: the ones already running drain the queue.
                break;
            }
        }
        startup = t0.elapsed();
        drop(done_tx);
        for (i, r) in done_rx.iter() {
            slots[i] = Some(r);
        }
    });
    outcome(in_order(devices, slots), startup, workers, 0)
}
