//! The packet scheduler of one direction of one device's link: pure, over a clock the caller
//! passes in (time since the link started), so it is tested without a packet or a sleep.
//!
//! A packet offered at `now` goes through, in order (mahimahi's mm-link, mm-loss, mm-delay):
//! 1. the rate limit: it waits until the link is free, then takes `len * 8 / rate` to send;
//!    when `queue` packets are already waiting it is dropped (tail drop);
//! 2. loss: dropped with probability `loss` (after using the link, as on a wire);
//! 3. delay: it arrives one-way delay (RTT/2) plus a jitter draw later; without `reorder`, never
//!    before the packet sent ahead of it.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::spec::LinkParams;

/// What happens to an offered packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver at this time (same clock as `now`).
    Deliver(Duration),
    /// Random loss.
    Lost,
    /// The rate limit's queue was full.
    QueueFull,
}

/// Counters of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirStats {
    pub packets: u64,
    pub bytes: u64,
    pub lost: u64,
    pub queue_drops: u64,
}

/// One direction of one link.
#[derive(Debug)]
pub struct LinkQueue {
    one_way: Duration,
    /// Half the round-trip jitter: the one-way delay moves by ±this.
    jitter: Duration,
    loss: f64,
    rate_bps: Option<u64>,
    queue: usize,
    reorder: bool,
    rng: StdRng,
    /// When the link finishes sending what it has.
    free_at: Duration,
    /// Send-completion times of the packets waiting for or on the link.
    waiting: VecDeque<Duration>,
    /// Arrival time of the last delivered packet (no overtaking without `reorder`).
    last_arrival: Duration,
    pub stats: DirStats,
}

impl LinkQueue {
    pub fn new(p: &LinkParams, seed: u64) -> LinkQueue {
        LinkQueue {
            one_way: p.one_way(),
            jitter: p.jitter / 2,
            loss: p.loss,
            rate_bps: p.rate_bps,
            queue: p.queue.max(1),
            reorder: p.reorder,
            rng: StdRng::seed_from_u64(seed),
            free_at: Duration::ZERO,
            waiting: VecDeque::new(),
            last_arrival: Duration::ZERO,
            stats: DirStats::default(),
        }
    }

    /// Decides the fate of a packet of `len` bytes offered at `now`.
    pub fn offer(&mut self, now: Duration, len: usize) -> Verdict {
        let mut sent = now;
        if let Some(rate) = self.rate_bps {
            while self.waiting.front().is_some_and(|&t| t <= now) {
                self.waiting.pop_front();
            }
            if self.waiting.len() >= self.queue {
                self.stats.queue_drops += 1;
                return Verdict::QueueFull;
            }
            let tx = Duration::from_secs_f64(len as f64 * 8.0 / rate as f64);
            sent = self.free_at.max(now) + tx;
            self.free_at = sent;
            self.waiting.push_back(sent);
        }
        if self.loss > 0.0 && self.rng.random_bool(self.loss) {
            self.stats.lost += 1;
            return Verdict::Lost;
        }
        let mut delay = self.one_way;
        if !self.jitter.is_zero() {
            let j = self.jitter.as_secs_f64();
            let d = delay.as_secs_f64() + self.rng.random_range(-j..=j);
            delay = Duration::from_secs_f64(d.max(0.0));
        }
        let mut at = sent + delay;
        if !self.reorder {
            at = at.max(self.last_arrival);
        }
        self.last_arrival = self.last_arrival.max(at);
        self.stats.packets += 1;
        self.stats.bytes += len as u64;
        Verdict::Deliver(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn at(v: Verdict) -> Duration {
        match v {
            Verdict::Deliver(t) => t,
            other => panic!("expected a delivery, got {other:?}"),
        }
    }

    #[test]
    fn plain_delay_is_half_the_rtt() {
        let mut q = LinkQueue::new(&LinkParams::rtt_ms(100), 1);
        assert_eq!(at(q.offer(ms(0), 60)), ms(50));
        assert_eq!(at(q.offer(ms(7), 1500)), ms(57));
        assert_eq!(q.stats.packets, 2);
        assert_eq!(q.stats.bytes, 1560);
    }

    #[test]
    fn rate_limit_serialises_and_queues_then_tail_drops() {
        let mut p = LinkParams::rtt_ms(0);
        p.rate_bps = Some(1_000_000); // 1500 bytes = 12 ms
        p.queue = 3;
        let mut q = LinkQueue::new(&p, 1);
        assert_eq!(at(q.offer(ms(0), 1500)), ms(12));
        assert_eq!(at(q.offer(ms(0), 1500)), ms(24));
        assert_eq!(at(q.offer(ms(0), 1500)), ms(36));
        assert_eq!(q.offer(ms(0), 1500), Verdict::QueueFull);
        // Once the first has left the link there is room again, behind the others.
        assert_eq!(at(q.offer(ms(12), 1500)), ms(48));
        // An idle link sends at once.
        assert_eq!(at(q.offer(ms(100), 125)), ms(101));
        assert_eq!(q.stats.queue_drops, 1);
    }

    #[test]
    fn loss_is_seeded_and_near_its_rate() {
        let mut p = LinkParams::rtt_ms(10);
        p.loss = 0.05;
        let draws = |seed| {
            let mut q = LinkQueue::new(&p, seed);
            (0..10_000)
                .map(|i| q.offer(ms(i), 100) == Verdict::Lost)
                .collect::<Vec<_>>()
        };
        let a = draws(3);
        assert_eq!(a, draws(3));
        assert_ne!(a, draws(4));
        let lost = a.iter().filter(|l| **l).count();
        assert!((400..600).contains(&lost), "{lost} of 10000 lost at 5%");
    }

    #[test]
    fn jitter_stays_in_bounds_and_never_reorders_unless_asked() {
        let mut p = LinkParams::rtt_ms(100);
        p.jitter = ms(20);
        let mut q = LinkQueue::new(&p, 9);
        let mut last = Duration::ZERO;
        let mut spread = (Duration::MAX, Duration::ZERO);
        for i in 0..2000 {
            let now = Duration::from_micros(i * 100);
            let t = at(q.offer(now, 100));
            assert!(t >= last, "packet {i} overtook the one before it");
            last = t;
            spread = (spread.0.min(t - now), spread.1.max(t - now));
        }
        assert!(spread.0 >= ms(40) && spread.1 <= ms(60) + ms(10));
        p.reorder = true;
        let mut q = LinkQueue::new(&p, 9);
        let times: Vec<_> = (0..2000)
            .map(|i| at(q.offer(Duration::from_micros(i * 100), 100)))
            .collect();
        assert!(times.windows(2).any(|w| w[1] < w[0]), "reorder=on reorders");
        assert!(
            times
                .iter()
                .enumerate()
                .all(|(i, t)| *t >= Duration::from_micros(i as u64 * 100) + ms(40))
        );
    }
}
