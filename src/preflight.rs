//! The file-descriptor preflight of `compare` and `run`: before any session, how many open
//! files the run needs at its busiest, against this process's limit. fleetbench issue 27
//! found that `compare --emulate 400` under a hard limit of 1024 passed the emulator's own
//! check (a listener per device, plus a margin) and then lost 161 of 259 devices to EMFILE:
//! the workers' sockets and the emulator's side of each connection were not counted.
//!
//! What is counted, at the strategy with the most workers (W):
//! - each worker's session holds a socket; a worker process also costs the parent its two
//!   pipes and its stderr file;
//! - an in-process emulator holds a listener per device and, per connection it serves, the
//!   accepted socket and a second handle on it (for the grace times);
//! - the link emulator's relay (`--network-method relay`) holds a listener per device and
//!   two sockets per connection;
//! - [`HEADROOM`] for the runtimes, the report, known_hosts and the like.
//!
//! Pure: the command line reads and raises the limit, and refuses with the fix (exit 2).

use fleetbench_report::StrategyKind;

/// Descriptors kept free for everything but the sessions.
pub const HEADROOM: u64 = 64;

/// What one run needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdNeed {
    /// The strategy that needs the most, and its workers.
    pub strategy: StrategyKind,
    pub workers: usize,
    /// Devices of an in-process emulator (0 for an inventory).
    pub emulated: usize,
    /// Whether a relay stands between client and emulator.
    pub relay: bool,
    /// Open files needed at the busiest.
    pub total: u64,
}

/// Descriptors per worker of `kind`, on the client side.
fn per_worker(kind: StrategyKind) -> u64 {
    match kind {
        // The session's socket, and the worker process's stdin, stdout and stderr file.
        StrategyKind::Processes => 4,
        _ => 1,
    }
}

/// The need of `(strategy, workers)` over `emulated` in-process devices (0: none).
fn one(kind: StrategyKind, workers: usize, emulated: usize, relay: bool) -> u64 {
    let (w, n) = (workers as u64, emulated as u64);
    let mut total = HEADROOM + per_worker(kind) * w;
    if n > 0 {
        total += n + 2 * w;
    }
    if relay {
        total += n + 2 * w;
    }
    total
}

/// The busiest of `strategies`, each with `workers` (`None`: its default for `devices`).
pub fn need(strategies: &[(StrategyKind, usize)], emulated: usize, relay: bool) -> Option<FdNeed> {
    strategies
        .iter()
        .map(|&(strategy, workers)| FdNeed {
            strategy,
            workers,
            emulated,
            relay,
            total: one(strategy, workers, emulated, relay),
        })
        .max_by_key(|n| n.total)
}

impl FdNeed {
    /// Most workers of its strategy that fit under `limit` open files (0: not even one).
    pub fn workers_within(&self, limit: u64) -> usize {
        let fixed = one(self.strategy, 0, self.emulated, self.relay);
        let per = one(self.strategy, 1, self.emulated, self.relay) - fixed;
        usize::try_from(limit.saturating_sub(fixed) / per.max(1)).unwrap_or(usize::MAX)
    }

    /// One line: who needs how many.
    pub fn describe(&self) -> String {
        let mut who = format!(
            "{} worker{} ({})",
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.strategy
        );
        if self.emulated > 0 {
            who.push_str(&format!(
                " and the in-process emulator's {} device{}",
                self.emulated,
                if self.emulated == 1 { "" } else { "s" }
            ));
        }
        format!("{who} need about {} open files", self.total)
    }

    /// The refusal when `soft` (after raising it as far as `hard` allows) is short.
    pub fn shortfall(&self, soft: u64, hard: u64) -> Option<String> {
        if self.total <= soft {
            return None;
        }
        let fit = self.workers_within(soft);
        let fewer = if fit > 0 {
            format!(", or use at most {fit} workers (--workers {fit})")
        } else {
            ", or emulate fewer devices".to_string()
        };
        let raise = if hard > soft {
            format!("raise the limit (ulimit -n {})", self.total.min(hard))
        } else {
            format!(
                "raise the hard limit (as root: ulimit -Hn {want}; ulimit -n {want}, or \
                 LimitNOFILE={want} in a systemd unit)",
                want = self.total.next_power_of_two()
            )
        };
        Some(format!(
            "{}, but the limit here is {soft} (hard limit {hard}): {raise}{fewer}",
            self.describe()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_27s_fleet_needs_more_than_1024() {
        // compare --emulate 400: threads, async and rayon at 400 workers, processes at 64.
        let all: Vec<(StrategyKind, usize)> = StrategyKind::ALL
            .iter()
            .map(|&k| (k, fleetbench_client::strategy::default_workers(k, 400)))
            .collect();
        let n = need(&all, 400, false).unwrap();
        assert_eq!(n.workers, 400);
        assert_eq!(n.total, 64 + 400 + 400 + 800);
        let why = n.shortfall(1024, 1024).unwrap();
        assert!(why.contains("need about 1664 open files"), "{why}");
        assert!(why.contains("hard limit 1024"), "{why}");
        assert!(why.contains("--workers 186"), "{why}");
        assert_eq!(n.shortfall(4096, 4096), None);
        // With room to raise, the fix is the soft limit.
        assert!(n.shortfall(1024, 8192).unwrap().contains("ulimit -n 1664"));
    }

    #[test]
    fn worker_processes_cost_the_parent_their_pipes() {
        let n = need(&[(StrategyKind::Processes, 64)], 0, false).unwrap();
        assert_eq!(n.total, 64 + 4 * 64);
        assert_eq!(n.workers_within(64 + 4 * 10), 10);
        let relay = need(&[(StrategyKind::Async, 10)], 10, true).unwrap();
        assert_eq!(relay.total, 64 + 10 + (10 + 20) * 2);
        assert!(need(&[], 10, false).is_none());
        // Not even one worker fits beside 2000 listeners.
        let big = need(&[(StrategyKind::Threads, 10)], 2000, false).unwrap();
        assert_eq!(big.workers_within(1024), 0);
        assert!(big.shortfall(1024, 1024).unwrap().contains("fewer devices"));
    }
}
