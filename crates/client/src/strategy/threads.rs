//! W std threads pulling devices from one queue: the classic `threading` + `Queue` pattern.
//! (The queue is the shell's [`Feed`](super::pool::Feed), an atomic cursor over the
//! inventory: it hands out the same devices in the same order a channel of indices would,
//! with nothing to fill.)

use super::pool::{Run, THREAD_STACK, work};
use super::{RunOutcome, StrategyError};
use std::time::{Duration, Instant};

pub(super) fn run(r: &Run<'_>) -> Result<RunOutcome, StrategyError> {
    let t0 = Instant::now();
    let (feed, col) = (r.feed(), r.collector());
    let mut startup = Duration::ZERO;
    std::thread::scope(|s| {
        for w in 0..r.workers {
            let (feed, col) = (&feed, &col);
            let spawned = std::thread::Builder::new()
                .name(format!("thread-{w}"))
                .stack_size(THREAD_STACK)
                .spawn_scoped(s, move || work(r, feed, col));
            if spawned.is_err() {
                // The OS refused more threads: the ones already running drain the queue.
                break;
            }
        }
        startup = t0.elapsed();
    });
    r.outcome(col, startup, r.workers)
}
