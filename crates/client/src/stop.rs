//! Run control as a value: a [`Stop`] token travels in the run configuration (mini-redis passes
//! `shutdown` the same way) instead of a process-global flag. The CLI's signal thread sets it;
//! tests and library callers set it themselves.
//!
//! Two levels, because the two signals mean different things to a user:
//! - [`Stop::request`] (SIGINT, Ctrl-C): start no new device; devices in flight finish within
//!   their deadlines; the rest are `interrupted`.
//! - [`Stop::terminate`] (SIGTERM): the same, and also abandon devices in flight wherever that
//!   can be done at once (worker processes are killed, async sessions dropped); threads that
//!   are inside a blocking session still finish it within its deadlines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A cloneable stop token; every clone sees the same state. It never resets: a new run takes
/// a new token.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requested: AtomicBool,
    urgent: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    pub fn new() -> Self {
        Stop::default()
    }

    /// Start no new device (SIGINT).
    pub fn request(&self) {
        self.inner.requested.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Start no new device and abandon the ones in flight where possible (SIGTERM).
    pub fn terminate(&self) {
        self.inner.urgent.store(true, Ordering::SeqCst);
        self.request();
    }

    /// Whether a stop was asked for, of either kind.
    pub fn is_requested(&self) -> bool {
        self.inner.requested.load(Ordering::SeqCst)
    }

    /// Whether devices in flight should be abandoned.
    pub fn is_urgent(&self) -> bool {
        self.inner.urgent.load(Ordering::SeqCst)
    }

    /// Resolves once [`Stop::terminate`] has been called (for async code that can drop its
    /// work at once).
    pub async fn urgent(&self) {
        loop {
            // Registered before the check, so a terminate() in between is not missed.
            let notified = self.inner.notify.notified();
            if self.is_urgent() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn clones_share_the_state_and_levels_nest() {
        let a = Stop::new();
        let b = a.clone();
        assert!(!b.is_requested() && !b.is_urgent());
        a.request();
        assert!(b.is_requested() && !b.is_urgent());
        a.terminate();
        assert!(b.is_requested() && b.is_urgent());
        assert!(!Stop::new().is_requested(), "a new token starts clear");
    }

    #[test]
    fn urgent_wakes_a_waiting_task() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stop = Stop::new();
        let s2 = stop.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s2.request();
            s2.terminate();
        });
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), stop.urgent())
                .await
                .unwrap();
        });
        t.join().unwrap();
    }
}
