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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

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
    /// Wakes threads waiting in [`Stop::sleep_until`].
    woken: Mutex<()>,
    wake: Condvar,
    /// Called on every request: waiters on other condition variables wake too.
    hooks: Hooks,
}

/// What [`Stop::on_request`] registered.
#[derive(Default)]
struct Hooks(Mutex<Vec<Box<dyn Fn() + Send + Sync>>>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

impl Stop {
    pub fn new() -> Self {
        Stop::default()
    }

    /// Start no new device (SIGINT).
    pub fn request(&self) {
        self.inner.requested.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
        {
            let _guard = self
                .inner
                .woken
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.inner.wake.notify_all();
        }
        for hook in self
            .inner
            .hooks
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            hook();
        }
    }

    /// Calls `hook` on every request from now on (a scheduler whose threads wait on a
    /// condition variable of its own wakes them with it). It must only wake, never block
    /// for long, and never call back into this token's `request`.
    pub fn on_request(&self, hook: impl Fn() + Send + Sync + 'static) {
        self.inner
            .hooks
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(hook));
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

    /// Blocks the calling thread until `at`, or until a stop is requested: true when `at`
    /// came (a paced start, a retry's backoff), false on a stop.
    pub fn sleep_until(&self, at: Instant) -> bool {
        let mut guard = self
            .inner
            .woken
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.is_requested() {
                return false;
            }
            let now = Instant::now();
            if now >= at {
                return true;
            }
            guard = match self.inner.wake.wait_timeout(guard, at - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// The async [`Stop::sleep_until`]: true when `at` came, false on a stop.
    pub async fn sleep_until_async(&self, at: Instant) -> bool {
        tokio::select! {
            () = tokio::time::sleep_until(tokio::time::Instant::from_std(at)) => !self.is_requested(),
            () = self.requested() => false,
        }
    }

    /// Resolves once a stop of either kind has been requested.
    pub async fn requested(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
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
    fn a_request_wakes_a_sleeping_thread_and_a_task() {
        let stop = Stop::new();
        let s2 = stop.clone();
        let t0 = Instant::now();
        let far = t0 + Duration::from_secs(60);
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s2.request();
        });
        assert!(!stop.sleep_until(far));
        waker.join().unwrap();
        assert!(t0.elapsed() < Duration::from_secs(30));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert!(!rt.block_on(stop.sleep_until_async(far)));
        // Without a stop, the time comes.
        let go = Stop::new();
        assert!(go.sleep_until(Instant::now() + Duration::from_millis(5)));
        assert!(rt.block_on(go.sleep_until_async(Instant::now() + Duration::from_millis(5))));
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
