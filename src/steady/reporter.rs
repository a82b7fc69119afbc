//! Folds a steady run's finished cycles, as they come out of the schedule: each becomes a
//! stream line (with both sides' resources since the previous one) for the sink, then
//! counts in the run's totals and a point of its bounded series.

use super::CycleSink;
use super::sides::{Reading, Sides};
use fleetbench_client::strategy::steady::SteadyEvent;
use fleetbench_report::steady::{
    self, Cycle, DeviceSessions, Series, SessionMode, SideUsage, SteadyRun, StreamLine, Totals,
};
use fleetbench_report::{StrategyKind, unix_now};
use std::time::{Duration, Instant};

/// Resident memory "after the first minute" is the first sample this far into a run.
const FIRST_MINUTE: Duration = Duration::from_secs(60);

/// Which run a line belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunId {
    pub sessions: SessionMode,
    pub strategy: StrategyKind,
    pub workers: usize,
    pub every_s: f64,
}

/// Resident memory samples of one side: bounded, whatever the run's length.
///
/// A cycle's sample counts (after the first minute, the most) only once the next cycle has
/// ended too: the last cycle's line can be folded while the workers are already winding
/// down and freeing what they held, and a run's memory is what it held while it ran. That
/// sample is still the line's and the run's `last`.
#[derive(Debug, Default, Clone, Copy)]
struct Rss {
    first: Option<u64>,
    after_minute: Option<u64>,
    max: u64,
    last: u64,
    pending: Option<(u64, Duration)>,
}

impl Rss {
    fn add(&mut self, bytes: u64, since_start: Duration) {
        if let Some((b, at)) = self.pending.replace((bytes, since_start)) {
            self.count(b, at);
        }
        self.last = bytes;
    }

    fn count(&mut self, bytes: u64, since_start: Duration) {
        self.first.get_or_insert(bytes);
        if since_start >= FIRST_MINUTE {
            self.after_minute.get_or_insert(bytes);
        }
        self.max = self.max.max(bytes);
    }

    fn usage(&self, cpu_s: f64, polls: u64) -> SideUsage {
        let mut me = *self;
        // A one-cycle run has nothing else to go by.
        if me.first.is_none() {
            if let Some((b, at)) = me.pending {
                me.count(b, at);
            }
        }
        me.counted_usage(cpu_s, polls)
    }

    fn counted_usage(&self, cpu_s: f64, polls: u64) -> SideUsage {
        SideUsage {
            cpu_s,
            cpu_per_poll_s: if polls > 0 { cpu_s / polls as f64 } else { 0.0 },
            rss_after_first_minute_bytes: self.after_minute.or(self.first).unwrap_or(0),
            rss_max_bytes: self.max,
            rss_last_bytes: self.last,
        }
    }
}

pub(super) struct Reporter<'a> {
    id: RunId,
    sides: Sides<'a>,
    sink: &'a dyn CycleSink,
    started: Instant,
    started_unix: f64,
    first: Reading,
    last: Reading,
    totals: Totals,
    series: Series,
    client_rss: Rss,
    server_rss: Rss,
    /// Devices' open sessions: most, last, sum and count of the samples.
    sessions: (u64, u64, u64, u64),
}

impl<'a> Reporter<'a> {
    pub fn new(id: RunId, sides: Sides<'a>, sink: &'a dyn CycleSink) -> Self {
        let first = sides.read();
        Reporter {
            id,
            sides,
            sink,
            started: Instant::now(),
            started_unix: unix_now(),
            first,
            last: first,
            totals: Totals::default(),
            series: Series::new(),
            client_rss: Rss::default(),
            server_rss: Rss::default(),
            sessions: (0, 0, 0, 0),
        }
    }

    pub fn on(&mut self, event: SteadyEvent) {
        match event {
            SteadyEvent::Late(polls) => {
                for p in &polls {
                    self.totals.add_late(p);
                }
            }
            SteadyEvent::Cycle {
                finished,
                start_unix,
            } => {
                let mut c = Cycle::of(
                    finished.cycle,
                    start_unix,
                    finished.duration.as_secs_f64(),
                    &finished.polls,
                    finished.waiting,
                );
                c.backlog = finished.backlog;
                self.resources(&mut c);
                self.sink.cycle(&StreamLine {
                    schema: steady::STREAM_SCHEMA.to_string(),
                    sessions: self.id.sessions,
                    strategy: self.id.strategy,
                    workers: self.id.workers,
                    every_s: self.id.every_s,
                    cycle: c.clone(),
                });
                self.totals.add(&c, &finished.polls, self.id.every_s);
                self.series.push(c);
            }
        }
    }

    /// Both sides' figures since the previous cycle's line.
    fn resources(&mut self, c: &mut Cycle) {
        let now = self.sides.read();
        let since = self.started.elapsed();
        let ended = now.polls_ended.saturating_sub(self.last.polls_ended);
        let per_poll = |a: f64, b: f64| (ended > 0).then(|| (a - b).max(0.0) / ended as f64);
        c.client_cpu_per_poll_s = per_poll(now.client_cpu_s, self.last.client_cpu_s);
        if let (Some(a), Some(b)) = (now.server_cpu_s, self.last.server_cpu_s) {
            c.server_cpu_per_poll_s = per_poll(a, b);
        }
        c.client_rss_bytes = now.client_rss;
        c.server_rss_bytes = now.server_rss;
        c.device_sessions_open = now.device_sessions;
        if let Some(b) = now.client_rss {
            self.client_rss.add(b, since);
        }
        if let Some(b) = now.server_rss {
            self.server_rss.add(b, since);
        }
        if let Some(s) = now.device_sessions {
            let (max, _, sum, n) = self.sessions;
            self.sessions = (max.max(s), s, sum + s, n + 1);
        }
        self.last = now;
    }

    /// The run's part of the report.
    pub fn finish(self, workers: usize, interrupted: bool) -> SteadyRun {
        let end = self.sides.read();
        let t = &self.totals;
        let ran = t.polls.ran();
        let client_cpu = (end.client_cpu_s - self.first.client_cpu_s).max(0.0);
        let server = self.sides.has_server().then(|| {
            let cpu = match (end.server_cpu_s, self.first.server_cpu_s) {
                (Some(a), Some(b)) => (a - b).max(0.0),
                _ => 0.0,
            };
            self.server_rss.usage(cpu, ran)
        });
        let (max, last, sum, n) = self.sessions;
        SteadyRun {
            sessions: self.id.sessions,
            strategy: self.id.strategy,
            workers,
            started_unix: self.started_unix,
            wall_s: self.started.elapsed().as_secs_f64(),
            cycles: t.cycles,
            cycles_over_interval: t.cycles_over_interval,
            polls: t.polls,
            failures: t.failures.clone(),
            lag_s: t.percentiles(steady::LAG),
            latency_s: t.percentiles(steady::LATENCY),
            session_s: t.percentiles(steady::SESSION),
            histograms: t.histograms.encode().unwrap_or_default(),
            sessions_opened: t.sessions_opened,
            reconnects: t.reconnects,
            backlog_max: t.backlog_max,
            client: self.client_rss.usage(client_cpu, ran),
            server,
            device_sessions: self.sides.session_source().filter(|_| n > 0).map(|source| {
                DeviceSessions {
                    source,
                    max,
                    last,
                    mean: sum as f64 / n as f64,
                }
            }),
            series: self.series.into_points(),
            interrupted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_last_cycle_s_memory_is_the_run_s_last_not_its_band() {
        let mut rss = Rss::default();
        for (bytes, at) in [(100, 10), (200, 60), (210, 70), (50, 80)] {
            rss.add(bytes, S * at);
        }
        let u = rss.usage(0.0, 0);
        assert_eq!(u.rss_after_first_minute_bytes, 200);
        assert_eq!(u.rss_max_bytes, 210);
        assert_eq!(u.rss_last_bytes, 50);
    }

    #[test]
    fn a_one_cycle_run_keeps_its_one_sample() {
        let mut rss = Rss::default();
        rss.add(70, S * 5);
        let u = rss.usage(0.0, 0);
        assert_eq!(
            (
                u.rss_after_first_minute_bytes,
                u.rss_max_bytes,
                u.rss_last_bytes
            ),
            (70, 70, 70)
        );
    }
}
