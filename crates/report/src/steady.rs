//! `fleetbench poll`: steady-state polling, every device every interval for a duration. The
//! report's `steady` object ([`SteadyReport`], one [`SteadyRun`] per `--sessions` mode), the
//! stream's line per finished cycle ([`StreamLine`] holding a [`Cycle`]), and the pure
//! arithmetic that makes them from the polls ([`Cycle::of`], [`Totals`], [`Series`]).
//!
//! # What a number means
//! Every poll has a *due* time (when the schedule wants it), a *start* (its session begins)
//! and an *end*. Its **lag** is start − due; its **latency from due** is end − due (what a
//! user waiting for fresh data sees, wrk2's "corrected" latency); its **session** time is
//! end − start (the closed-loop figure one sweep measures). A cycle is one interval's polls,
//! one per device; its **duration** runs from its first due time to its last poll's end.
//! A poll due while the device's previous poll is still running or waiting is **skipped**
//! (`--on-late skip`) or **queued** behind it (`--on-late queue`); a poll still waiting when
//! the run ends is **not run**.
//!
//! # Memory
//! Nothing here grows with the number of polls: a cycle keeps its own polls only until it is
//! summarised; [`Totals`] are histograms and counters; [`Series`] keeps at most
//! [`Series::CAP`] points, merging neighbours (each point then covers more cycles) when full.

use crate::histo::LatencyHistograms;
use crate::spread::Percentiles;
use crate::strategy::StrategyKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema of a stream line (`--stream FILE`, one per finished cycle).
pub const STREAM_SCHEMA: &str = "fleetbench.poll-cycle/1";

/// The histogram keys of a run: lag, latency from due, session.
pub const LAG: &str = "lag";
pub const LATENCY: &str = "latency";
pub const SESSION: &str = "session";

/// What a poll due while the device's previous poll is still running (or still waiting for
/// a worker) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum OnLate {
    /// It is not run; counted as skipped (k6's dropped iterations).
    #[default]
    Skip,
    /// It waits behind the previous one and runs late, its lag counted from its own due time.
    Queue,
}

impl OnLate {
    pub const ALL: [OnLate; 2] = [OnLate::Skip, OnLate::Queue];
    pub fn name(self) -> &'static str {
        match self {
            OnLate::Skip => "skip",
            OnLate::Queue => "queue",
        }
    }
}

/// Whether a device's SSH session stays open between its polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// One shell per device, the commands sent again on it; re-established when closed.
    Keep,
    /// Every poll connects and logs in from scratch.
    #[default]
    Renew,
}

impl SessionMode {
    pub const ALL: [SessionMode; 2] = [SessionMode::Keep, SessionMode::Renew];
    pub fn name(self) -> &'static str {
        match self {
            SessionMode::Keep => "keep",
            SessionMode::Renew => "renew",
        }
    }
}

/// When each device is due within an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// Every device at the interval's start (cron, Oxidized, RANCID).
    #[default]
    Burst,
    /// Device i of N at i/N of the interval (`--spread`).
    Spread,
}

/// The report's `steady` object: how the fleet was polled and one run per sessions mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SteadyReport {
    /// `--every`, seconds.
    pub every_s: f64,
    /// `--for`, seconds (rounded up to whole intervals: `cycles` of them).
    pub for_s: f64,
    /// Cycles asked for: `for_s / every_s`, rounded up.
    pub cycles: u64,
    pub start: Start,
    pub on_late: OnLate,
    /// One run per `--sessions` mode, in the order they ran.
    pub runs: Vec<SteadyRun>,
}

/// One sessions mode's run of the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SteadyRun {
    pub sessions: SessionMode,
    pub strategy: StrategyKind,
    pub workers: usize,
    pub started_unix: f64,
    /// From the first due time to the last poll's end (or the stop).
    pub wall_s: f64,
    /// Cycles finished (all their polls ended, skipped or not run).
    pub cycles: u64,
    /// Cycles that lasted longer than the interval.
    pub cycles_over_interval: u64,
    pub polls: PollCounts,
    /// Failed polls by error kind, with the first message seen.
    pub failures: BTreeMap<String, KindCount>,
    /// Start − due of every poll that ran, seconds.
    pub lag_s: Percentiles,
    /// End − due of every poll that ran (latency from due, no coordinated omission).
    pub latency_s: Percentiles,
    /// End − start of every poll that ran (the closed-loop session time).
    pub session_s: Percentiles,
    /// `lag`, `latency` and `session` as HdrHistograms (µs, V2, base64), like a strategy's.
    pub histograms: BTreeMap<String, String>,
    /// Polls that opened a session (connected and logged in): every poll with `renew`; the
    /// first poll of each device and every reconnect with `keep`.
    pub sessions_opened: u64,
    /// `keep`: sessions opened again after the device or the network closed one (or a poll
    /// failed and dropped it).
    pub reconnects: u64,
    /// Most polls due and not yet started at once (the backlog), at a cycle's end.
    pub backlog_max: u64,
    /// This process's CPU and memory (the client, less an in-process emulator's threads).
    pub client: SideUsage,
    /// The emulator's: its own CPU tracker in this process, or `/proc/PID` of a separate
    /// `fleetbench emulate` (`--emulator-pid`); absent for a real fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<SideUsage>,
    /// Sessions open on the devices, by the devices' side: the in-process emulator's own
    /// count, or the host's established TCP connections to the fleet's ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_sessions: Option<DeviceSessions>,
    /// The cycles over time: one point per cycle, or per several neighbouring cycles once a
    /// long run has more than [`Series::CAP`] (each point then shows the largest figures of
    /// the cycles it covers; the stream file has every cycle).
    pub series: Vec<Cycle>,
    /// A stop (Ctrl-C, SIGTERM) ended this run before its last cycle.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// How the polls of a run (or a cycle) ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PollCounts {
    /// Polls the schedule made due.
    pub due: u64,
    pub ok: u64,
    pub failed: u64,
    /// Due while the device's previous poll still ran or waited (`--on-late skip`).
    pub skipped: u64,
    /// Ran behind the device's previous poll (`--on-late queue`); also in ok or failed.
    pub queued: u64,
    /// Still waiting when the run ended (the backlog left).
    pub not_run: u64,
    /// Not run because a stop came first.
    #[serde(default)]
    pub interrupted: u64,
    /// A cycle's polls still waiting (or running) when its line was written: a cycle waits
    /// at most 64 intervals for its last polls, which then count in the run's totals when
    /// they end. 0 in a run's totals once every poll is over.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub waiting: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl PollCounts {
    /// Polls that ran (ok or failed).
    pub fn ran(&self) -> u64 {
        self.ok + self.failed
    }

    fn add(&mut self, o: &PollCounts) {
        self.due += o.due;
        self.ok += o.ok;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.queued += o.queued;
        self.not_run += o.not_run;
        self.interrupted += o.interrupted;
        self.waiting += o.waiting;
    }

    /// Counts one poll's end.
    fn count(&mut self, p: &PollSample) {
        match &p.outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::NotRun => self.not_run += 1,
            Outcome::Interrupted => self.interrupted += 1,
        }
        if p.ran() {
            self.queued += u64::from(p.queued);
        }
    }
}

/// Failed polls of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KindCount {
    pub count: u64,
    /// The first message seen (secrets already masked by the session).
    pub example: String,
}

/// One side's CPU and resident memory over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SideUsage {
    /// CPU over the run, seconds (user + system).
    pub cpu_s: f64,
    /// `cpu_s` over the polls that ran.
    pub cpu_per_poll_s: f64,
    /// Resident memory at the first cycle that ended a minute or more into the run (the
    /// first cycle's for shorter runs), at the largest and at the last sample; bytes.
    pub rss_after_first_minute_bytes: u64,
    pub rss_max_bytes: u64,
    pub rss_last_bytes: u64,
}

impl SideUsage {
    /// How far the largest sample rose above the one after the first minute, as a share
    /// (0.03 = 3%); `None` without samples.
    pub fn rss_growth(&self) -> Option<f64> {
        (self.rss_after_first_minute_bytes > 0)
            .then(|| self.rss_max_bytes as f64 / self.rss_after_first_minute_bytes as f64 - 1.0)
    }
}

/// Where a count of the devices' open sessions comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionSource {
    /// The in-process emulator's count of its logged-in sessions.
    Emulator,
    /// Established TCP connections to the fleet's ports on this host (`/proc/net/tcp`).
    Kernel,
}

/// Sessions open on the devices, sampled at each cycle's end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceSessions {
    pub source: SessionSource,
    pub max: u64,
    pub last: u64,
    pub mean: f64,
}

/// The low, high and largest of a set of seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tail {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Tail {
    /// Exact nearest-rank percentiles of `v` (sorted here).
    pub fn of(v: &mut [f64]) -> Tail {
        if v.is_empty() {
            return Tail::default();
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = (q * v.len() as f64).ceil() as usize;
            v[rank.clamp(1, v.len()) - 1]
        };
        Tail {
            p50: at(0.50),
            p99: at(0.99),
            max: v[v.len() - 1],
        }
    }

    fn max_of(self, o: Tail) -> Tail {
        Tail {
            p50: self.p50.max(o.p50),
            p99: self.p99.max(o.p99),
            max: self.max.max(o.max),
        }
    }
}

/// One finished cycle (a stream line's body, and a point of a run's series).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cycle {
    /// 0-based; for a series point covering several cycles, the first.
    pub cycle: u64,
    /// Cycles this point covers (1 in the stream).
    #[serde(default = "one")]
    pub cycles: u64,
    /// Unix time of the cycle's start (its first due time).
    pub due_unix: f64,
    /// From the cycle's start to its last poll's end, seconds.
    pub duration_s: f64,
    pub polls: PollCounts,
    pub lag_s: Tail,
    pub latency_s: Tail,
    pub sessions_opened: u64,
    pub reconnects: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failures: BTreeMap<String, u64>,
    /// Polls due and not yet started when the cycle ended.
    pub backlog: u64,
    /// Since the previous cycle's end: CPU over the polls that ended; seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cpu_per_poll_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_rss_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_cpu_per_poll_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_rss_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_sessions_open: Option<u64>,
    /// Ended by a stop: its unfinished polls are `interrupted`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

fn one() -> u64 {
    1
}

/// How one poll ended, as a cycle counts it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok,
    /// Its error's kind and message.
    Failed {
        kind: String,
        message: String,
    },
    Skipped,
    NotRun,
    Interrupted,
}

/// One poll of a cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSample {
    pub outcome: Outcome,
    /// Start − due, end − due, end − start; seconds (0 for a poll that did not run).
    pub lag_s: f64,
    pub latency_s: f64,
    pub session_s: f64,
    /// It waited behind the device's previous poll.
    pub queued: bool,
    /// It opened a session; `reconnect`: not the device's first.
    pub opened: bool,
    pub reconnect: bool,
}

impl PollSample {
    /// A poll that did not run.
    pub fn missed(outcome: Outcome) -> PollSample {
        PollSample {
            outcome,
            lag_s: 0.0,
            latency_s: 0.0,
            session_s: 0.0,
            queued: false,
            opened: false,
            reconnect: false,
        }
    }

    fn ran(&self) -> bool {
        matches!(self.outcome, Outcome::Ok | Outcome::Failed { .. })
    }
}

impl Cycle {
    /// The summary of cycle `index` starting at `due_unix`, from its polls that are over
    /// and the number still `waiting`. `duration_s` is its first due time to its last end;
    /// the resource figures are the caller's to fill.
    pub fn of(
        index: u64,
        due_unix: f64,
        duration_s: f64,
        polls: &[PollSample],
        waiting: u64,
    ) -> Cycle {
        let mut counts = PollCounts {
            due: polls.len() as u64 + waiting,
            waiting,
            ..PollCounts::default()
        };
        let mut failures = BTreeMap::new();
        let (mut lags, mut latencies) = (Vec::new(), Vec::new());
        let (mut opened, mut reconnects) = (0, 0);
        for p in polls {
            counts.count(p);
            if let Outcome::Failed { kind, .. } = &p.outcome {
                *failures.entry(kind.clone()).or_insert(0) += 1;
            }
            if p.ran() {
                lags.push(p.lag_s);
                latencies.push(p.latency_s);
            }
            opened += u64::from(p.opened);
            reconnects += u64::from(p.reconnect);
        }
        Cycle {
            cycle: index,
            cycles: 1,
            due_unix,
            duration_s,
            polls: counts,
            lag_s: Tail::of(&mut lags),
            latency_s: Tail::of(&mut latencies),
            sessions_opened: opened,
            reconnects,
            failures,
            backlog: 0,
            client_cpu_per_poll_s: None,
            client_rss_bytes: None,
            server_cpu_per_poll_s: None,
            server_rss_bytes: None,
            device_sessions_open: None,
            partial: counts.interrupted > 0,
        }
    }

    /// This point and the next one as one point: counts added, the largest of every other
    /// figure (CPU per poll weighted by the polls that ran).
    pub fn merge(&mut self, next: &Cycle) {
        let weighted = |a: Option<f64>, wa: u64, b: Option<f64>, wb: u64| match (a, b) {
            (Some(a), Some(b)) if wa + wb > 0 => {
                Some((a * wa as f64 + b * wb as f64) / (wa + wb) as f64)
            }
            (a, b) => a.or(b),
        };
        let (wa, wb) = (self.polls.ran(), next.polls.ran());
        self.client_cpu_per_poll_s = weighted(
            self.client_cpu_per_poll_s,
            wa,
            next.client_cpu_per_poll_s,
            wb,
        );
        self.server_cpu_per_poll_s = weighted(
            self.server_cpu_per_poll_s,
            wa,
            next.server_cpu_per_poll_s,
            wb,
        );
        let max = |a: Option<u64>, b: Option<u64>| a.max(b);
        self.client_rss_bytes = max(self.client_rss_bytes, next.client_rss_bytes);
        self.server_rss_bytes = max(self.server_rss_bytes, next.server_rss_bytes);
        self.device_sessions_open = max(self.device_sessions_open, next.device_sessions_open);
        self.cycles += next.cycles;
        self.duration_s = self.duration_s.max(next.duration_s);
        self.polls.add(&next.polls);
        self.lag_s = self.lag_s.max_of(next.lag_s);
        self.latency_s = self.latency_s.max_of(next.latency_s);
        self.sessions_opened += next.sessions_opened;
        self.reconnects += next.reconnects;
        for (k, n) in &next.failures {
            *self.failures.entry(k.clone()).or_insert(0) += n;
        }
        self.backlog = self.backlog.max(next.backlog);
        self.partial |= next.partial;
    }
}

/// The backlog's arithmetic (Oxidized's sizing rule, and what happens past it): `N`
/// devices every `T` demand `N/T` polls a second; `W` workers whose sessions last `s`
/// each can run `W/s`. When the demand is larger, with `queue` a poll due `t` seconds into
/// the run starts about `t·d/c` seconds in, so its lag grows by `d/c − 1` seconds every
/// second; with `skip` about `c/d` of the due polls run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    /// Polls a second the schedule asks for: devices / interval.
    pub demand_per_s: f64,
    /// Polls a second the workers can run: workers / median session.
    pub capacity_per_s: f64,
}

impl Backlog {
    /// `None` without a session time or an interval to reason from.
    pub fn of(devices: usize, every_s: f64, workers: usize, session_s: f64) -> Option<Backlog> {
        (every_s > 0.0 && session_s > 0.0 && workers > 0).then(|| Backlog {
            demand_per_s: devices as f64 / every_s,
            capacity_per_s: workers as f64 / session_s,
        })
    }

    pub fn keeps_up(&self) -> bool {
        self.capacity_per_s >= self.demand_per_s
    }

    /// With `queue`: seconds of lag gained per second of run (0 when it keeps up).
    pub fn lag_per_second(&self) -> f64 {
        (self.demand_per_s / self.capacity_per_s - 1.0).max(0.0)
    }

    /// With `skip`: the share of due polls that can run (1 when it keeps up).
    pub fn share_run(&self) -> f64 {
        (self.capacity_per_s / self.demand_per_s).min(1.0)
    }
}

/// One line of the stream file: a finished cycle and the run it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StreamLine {
    /// [`STREAM_SCHEMA`].
    pub schema: String,
    pub sessions: SessionMode,
    pub strategy: StrategyKind,
    pub workers: usize,
    pub every_s: f64,
    #[serde(flatten)]
    pub cycle: Cycle,
}

/// A run's cycles over time in at most [`Series::CAP`] points: when full, neighbouring
/// points merge in pairs and each new point covers twice as many cycles as before.
#[derive(Debug, Clone, Default)]
pub struct Series {
    points: Vec<Cycle>,
    /// Cycles per point now.
    stride: u64,
}

impl Series {
    pub const CAP: usize = 512;

    pub fn new() -> Series {
        Series {
            points: Vec::new(),
            stride: 1,
        }
    }

    pub fn push(&mut self, c: Cycle) {
        let stride = self.stride.max(1);
        match self.points.last_mut() {
            Some(last) if last.cycles < stride => last.merge(&c),
            _ => self.points.push(c),
        }
        if self.points.len() >= Self::CAP {
            let old = std::mem::take(&mut self.points);
            let mut it = old.into_iter();
            while let Some(mut a) = it.next() {
                if let Some(b) = it.next() {
                    a.merge(&b);
                }
                self.points.push(a);
            }
            self.stride = stride * 2;
        }
    }

    pub fn points(&self) -> &[Cycle] {
        &self.points
    }

    pub fn into_points(self) -> Vec<Cycle> {
        self.points
    }
}

/// The totals of a run, folded one finished cycle at a time: counts and histograms only.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub cycles: u64,
    pub cycles_over_interval: u64,
    pub polls: PollCounts,
    pub failures: BTreeMap<String, KindCount>,
    pub histograms: LatencyHistograms,
    pub sessions_opened: u64,
    pub reconnects: u64,
    pub backlog_max: u64,
}

impl Totals {
    /// Adds a finished cycle of an `every_s` interval and its polls.
    pub fn add(&mut self, c: &Cycle, polls: &[PollSample], every_s: f64) {
        self.cycles += 1;
        self.cycles_over_interval += u64::from(c.duration_s > every_s);
        self.polls.add(&c.polls);
        self.sessions_opened += c.sessions_opened;
        self.reconnects += c.reconnects;
        self.backlog_max = self.backlog_max.max(c.backlog);
        for p in polls {
            self.sample(p);
        }
    }

    /// A poll of a cycle whose line was written while it still waited: counted now.
    pub fn add_late(&mut self, p: &PollSample) {
        self.polls.waiting = self.polls.waiting.saturating_sub(1);
        self.polls.count(p);
        self.sessions_opened += u64::from(p.opened);
        self.reconnects += u64::from(p.reconnect);
        self.sample(p);
    }

    fn sample(&mut self, p: &PollSample) {
        if let Outcome::Failed { kind, message } = &p.outcome {
            self.failures
                .entry(kind.clone())
                .and_modify(|k| k.count += 1)
                .or_insert_with(|| KindCount {
                    count: 1,
                    example: message.clone(),
                });
        }
        if p.ran() {
            // Histograms with fixed, valid bounds cannot fail to be made; a sample is lost
            // rather than the run if one ever did.
            let _ = self.histograms.record_secs(LAG, p.lag_s);
            let _ = self.histograms.record_secs(LATENCY, p.latency_s);
            let _ = self.histograms.record_secs(SESSION, p.session_s);
        }
    }

    /// Percentiles of `key` (zero when nothing ran).
    pub fn percentiles(&self, key: &str) -> Percentiles {
        self.histograms
            .get(key)
            .filter(|h| !h.is_empty())
            .map(crate::histo::percentiles_of)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
