//! `--connect-rate R/s`: an open-loop cap on new connections, shared by every worker of a
//! run. The run's queue (the shell's `Feed`) hands out release times `1/R` apart, and a
//! worker waits for its slot before it connects (first attempts and retries alike). Open
//! loop: the slots follow the clock, not the sessions' ends, so a slow device does not slow
//! the rate; a slot nobody took is not saved up, so a pause is never followed by a burst.
//! Pure over the time passed in.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Release times at most `rate` per second.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// `rate` connections per second (finite, above 0).
    pub fn new(rate: f64) -> Pacer {
        let interval = if rate.is_finite() && rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        Pacer {
            interval,
            next: Mutex::new(None),
        }
    }

    /// When a connection asked for at `now` may open: the next free slot, never before
    /// `now`.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let at = next.map_or(now, |t| t.max(now));
        *next = Some(at + self.interval);
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn slots_are_one_interval_apart_from_the_first_request() {
        let p = Pacer::new(100.0);
        let t0 = Instant::now();
        let slots: Vec<Duration> = (0..5).map(|_| p.reserve(t0) - t0).collect();
        assert_eq!(slots, [Duration::ZERO, 10 * MS, 20 * MS, 30 * MS, 40 * MS]);
    }

    #[test]
    fn an_unused_slot_is_not_saved_up() {
        let p = Pacer::new(100.0);
        let t0 = Instant::now();
        assert_eq!(p.reserve(t0), t0);
        // A second later: at once, and the next one an interval after, not a burst.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(p.reserve(later), later);
        assert_eq!(p.reserve(later), later + 10 * MS);
        // Asked for mid-interval: the slot already promised.
        assert_eq!(p.reserve(later + 5 * MS), later + 20 * MS);
    }

    #[test]
    fn workers_asking_at_once_share_the_rate() {
        let p = std::sync::Arc::new(Pacer::new(1000.0));
        let t0 = Instant::now();
        let mut all: Vec<Instant> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let p = p.clone();
                    s.spawn(move || (0..50).map(|_| p.reserve(t0)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        all.sort();
        assert_eq!(all.len(), 400);
        assert!(all.windows(2).all(|w| w[1] - w[0] == MS));
        assert_eq!(all[399] - t0, 399 * MS);
    }
}
