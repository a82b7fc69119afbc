//! CPU time of the emulator's own runtime threads, so a benchmark in the same process can
//! subtract the server's share from the process total.
//!
//! Each runtime thread registers its per-thread CPU clock in `on_thread_start` and, in
//! `on_thread_stop`, folds its final CPU time into a total and unregisters. Reads take the same
//! lock, so a clock is never read after its thread has exited. Per-thread clocks have
//! nanosecond resolution, where `/proc/self/task/<tid>/stat` counts 10 ms ticks: too coarse
//! for sessions that cost well under a millisecond of server CPU each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct CpuTracker {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Live threads by kernel thread id, with their CPU clock.
    live: HashMap<i32, libc::clockid_t>,
    /// CPU time of threads that have already stopped.
    finished: Duration,
}

impl CpuTracker {
    /// Called on the thread itself when it starts.
    pub(crate) fn register_current(&self) {
        // SAFETY: gettid and pthread_self have no preconditions; pthread_getcpuclockid gets a
        // valid pthread_t (our own) and a valid out pointer.
        let (tid, clock) = unsafe {
            let mut clock: libc::clockid_t = 0;
            let rc = libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock);
            (libc::gettid(), (rc == 0).then_some(clock))
        };
        if let (Some(clock), Ok(mut inner)) = (clock, self.inner.lock()) {
            inner.live.insert(tid, clock);
        }
    }

    /// Called on the thread itself just before it exits.
    pub(crate) fn unregister_current(&self) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        let own = read_clock(libc::CLOCK_THREAD_CPUTIME_ID);
        if let Ok(mut inner) = self.inner.lock()
            && inner.live.remove(&tid).is_some()
        {
            inner.finished += own.unwrap_or_default();
        }
    }

    /// Total CPU time of all runtime threads, live and stopped.
    pub(crate) fn total(&self) -> Duration {
        let Ok(inner) = self.inner.lock() else {
            return Duration::ZERO;
        };
        // The lock is held, so every clock here belongs to a thread that has not yet passed
        // `unregister_current`, hence is still alive.
        inner.finished
            + inner
                .live
                .values()
                .filter_map(|&c| read_clock(c))
                .sum::<Duration>()
    }
}

fn read_clock(clock: libc::clockid_t) -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out pointer; an invalid clock id only makes the call fail.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn counts_live_and_stopped_threads() {
        let t = Arc::new(CpuTracker::default());
        let t2 = t.clone();
        std::thread::spawn(move || {
            t2.register_current();
            // Spin until this thread has used 30 ms of CPU (not of wall time: on a loaded
            // machine 30 ms of wall can hold almost no CPU), giving up after 10 s of wall.
            let give_up = std::time::Instant::now() + Duration::from_secs(10);
            let mut x = 0u64;
            while read_clock(libc::CLOCK_THREAD_CPUTIME_ID)
                .is_some_and(|c| c < Duration::from_millis(30))
                && std::time::Instant::now() < give_up
            {
                x = x.wrapping_add(std::hint::black_box(1));
            }
            std::hint::black_box(x);
            t2.unregister_current();
        })
        .join()
        .unwrap();
        let total = t.total();
        assert!(total >= Duration::from_millis(25), "{total:?}");
        assert!(total < Duration::from_secs(5), "{total:?}");
    }
}
