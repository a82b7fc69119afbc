//! `fleetbench tune`'s record (the report's `tune` object): the settings of the search,
//! and for each strategy or poller every measured point with each run's figures and why the
//! search asked for it, the chosen worker count (the knee) and how it was settled, where
//! failures start and of which kind, and the best `--connect-rate` when the rate of new
//! connections rather than the worker count is the limit. The search that fills it is the
//! application's (`tune::search`); the numbers read from a point are here, in one place.

use crate::strategy::StrategyId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole tune: its settings, one search per strategy or poller, what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TuneInfo {
    pub settings: TuneSettings,
    /// One search per strategy or external poller, in the order they ran.
    pub searches: Vec<TuneSearch>,
    /// Logins every search made together (every session, retries included).
    pub logins: u64,
    /// The time the whole tune took, seconds.
    pub elapsed_s: f64,
    /// The fleet's known ceilings, when it is emulated: its AAA server's capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaa_per_s: Option<f64>,
    /// Cores of the machine (the CPU ceiling of an in-process emulated fleet is shared by
    /// the client and the devices).
    pub cores: usize,
}

/// What the search was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TuneSettings {
    /// The knee is the fewest workers whose throughput is within this fraction of the best
    /// (`--tolerance`, 0.05 = 5%).
    pub tolerance: f64,
    /// Devices allowed to fail at a point beyond those failing at the lowest worker count
    /// (`--failure-budget`; 0: no new failure).
    pub failure_budget: usize,
    /// Worker counts closer than this fraction are not told apart (`--resolution`).
    pub resolution: f64,
    /// The first worker count tried.
    pub start_workers: usize,
    /// Runs at most per point, when its spread is too wide to decide.
    pub max_runs_per_point: usize,
    /// Total logins allowed (`--login-budget`), shared fairly among the searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_budget: Option<u64>,
    /// Time allowed, seconds (`--time-budget`), shared fairly among the searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_budget_s: Option<f64>,
    /// A real inventory: stop climbing at the first sign of trouble, never probe above it.
    pub cautious: bool,
    /// Past the knee, double until failures start (`--no-probe` turns it off).
    #[serde(default)]
    pub probe: bool,
}

/// One strategy's (or poller's) search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TuneSearch {
    pub strategy: StrategyId,
    /// The most workers the search may try.
    pub max_workers: usize,
    /// Every measured point, in the order first measured.
    pub points: Vec<TunePoint>,
    /// The knee: the chosen worker count. `None` when no worker count was clean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<TuneChoice>,
    /// Why the search ended.
    pub stopped: Reason,
    /// Where failures start, when some worker count failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<FailureOnset>,
    /// Devices that failed already at the lowest worker count (the same at every count: a
    /// device down, a wrong password), with their kinds.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub persistent: BTreeMap<String, usize>,
    /// The best `--connect-rate`, when the failures are about the rate of new connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_rate: Option<RateChoice>,
    /// The simple model of the knee, from the measured points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<KneeModel>,
    /// Runs made, and how many of them searched the connect rate.
    pub runs: usize,
    pub rate_runs: usize,
    /// Logins the runs made.
    pub logins: u64,
    /// Runs a grid over the same worker counts at the same resolution would take (one run
    /// per point): what the search saved.
    pub grid_runs: usize,
}

/// A worker count (and connect rate) measured once or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TunePoint {
    pub workers: usize,
    /// `--connect-rate` of these runs, when the search set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_rate: Option<f64>,
    pub runs: Vec<TuneRun>,
}

/// One run at a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TuneRun {
    pub wall_s: f64,
    pub ok: usize,
    pub failed: usize,
    /// Sessions opened (a retried device counts each attempt).
    pub logins: u64,
    /// Failed devices per error kind (the device's own cause when the fleet is emulated).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kinds: BTreeMap<String, usize>,
    /// Failed devices per kind the client saw, where it differs from the device's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub client_kinds: BTreeMap<String, usize>,
    /// CPU of the client (the poller's process tree for an external one), and of the
    /// in-process emulator, seconds.
    pub client_cpu_s: f64,
    pub server_cpu_s: f64,
    /// How the search chose this run.
    pub why: Why,
}

/// How the search chose a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Why {
    /// The first point: the lowest worker count.
    Start,
    /// Doubling: throughput rose by `rise` (a fraction) from `from` workers to `to`, more
    /// than the tolerance or inside the noise (`None`: one point so far).
    Climb {
        from: usize,
        to: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rise: Option<f64>,
    },
    /// Again: the throughput at `of` workers is `margin` (a fraction) from the target, less
    /// than the noise `spread` of it and of the best point together; this run repeats
    /// whichever of the two had fewer runs.
    Repeat { of: usize, spread: f64, margin: f64 },
    /// Bisection of the knee: `below` falls short of the target, `above` reaches it.
    Knee { below: usize, above: usize },
    /// Past the knee, looking for where failures start: none up to `from` workers, so
    /// double (an emulated fleet only; a real one is not pushed past its knee).
    Probe { from: usize },
    /// Bisection of where failures start: `clean` had none, `failing` had.
    Onset { clean: usize, failing: usize },
    /// The connect rate at `workers` (which failed without one): between the highest clean
    /// rate and the lowest failing one tried (`None`: not tried yet).
    Rate {
        workers: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clean: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failing: Option<f64>,
    },
}

/// Why a knee was settled, or a search ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Reason {
    /// The knee lies in (`below`, `above`], and no worker count between them is more than
    /// the resolution away.
    Resolution { below: usize, above: usize },
    /// The throughputs at `below` and `above` differ by less than their runs' spread: no
    /// point between them could be told apart from either.
    Noise { below: usize, above: usize },
    /// The lowest worker count tried already reaches the target.
    Lowest { workers: usize },
    /// Throughput still rose at the most workers the search may try.
    MostWorkers { workers: usize },
    /// Even the lowest worker count failed every device.
    FailsAtLowest { workers: usize },
    /// A real inventory showed the first sign of trouble at `workers`: nothing above it was
    /// tried.
    Trouble { workers: usize },
    /// The next run would have passed the login budget.
    LoginBudget { spent: u64, budget: u64 },
    /// The next run would have passed the time budget.
    TimeBudget { spent_s: f64, budget_s: f64 },
    /// Ctrl-C.
    Interrupted,
    /// `sequential` runs one session at a time: nothing to search.
    OneWorker,
    /// The search took its most steps (a guard; no curve of one knee needs it).
    Steps { steps: usize },
}

/// The chosen point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TuneChoice {
    pub workers: usize,
    /// Devices polled per second (ok devices over the wall time), the median of its runs.
    pub throughput: f64,
    /// Median wall time of its runs.
    pub wall_s: f64,
    /// Most devices failed in one of its runs.
    pub failed: usize,
    /// How it was settled.
    pub reason: Reason,
}

/// Where failures start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailureOnset {
    /// The most workers tried with no failure beyond the budget.
    pub clean_up_to: usize,
    /// The fewest workers tried that failed.
    pub failing_from: usize,
    /// Devices failed at `failing_from` (its worst run), per kind (the devices' own cause
    /// when emulated) and per kind the client saw where it differs.
    pub failed: usize,
    pub kinds: BTreeMap<String, usize>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub client_kinds: BTreeMap<String, usize>,
    /// Whether the interval between them is within the resolution.
    pub settled: bool,
}

/// The best `--connect-rate` at a worker count that fails without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RateChoice {
    pub workers: usize,
    /// New connections per second, every worker together.
    pub connect_rate: f64,
    pub throughput: f64,
    pub wall_s: f64,
    pub failed: usize,
    /// The lowest rate tried that failed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_from: Option<f64>,
}

/// The simple model of the knee: throughput rises as `W / s1` (one session's time at one
/// worker) until a ceiling (the AAA server's capacity `C / L`, or the CPU: cores over the
/// CPU one session costs both sides), so the fewest workers within the tolerance of it are
/// `(1 - tolerance) x ceiling x s1`. When the measured plateau stays clearly below every
/// ceiling while the machine's cores were not all busy, the poller is its own limit
/// (`limit` is `poller`): the ceiling is then the plateau itself, and the model predicts
/// only where the curve reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KneeModel {
    /// One session's time at one worker: the lowest point's wall time per device, seconds.
    pub session_s: f64,
    /// The AAA server's capacity, logins per second (emulated fleets with `aaa=C@L`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaa_per_s: Option<f64>,
    /// Cores divided by the CPU per session of both sides at the best point (the emulator's
    /// share only when it runs in this process), sessions per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_s: Option<f64>,
    /// The ceiling the knee is modelled from: the lower of the two, or the measured plateau
    /// when the poller is its own limit.
    pub ceiling_per_s: f64,
    /// `aaa` or `cpu`: which ceiling binds; `poller`: neither, the poller itself.
    pub limit: String,
    /// The model's knee, workers.
    pub workers: f64,
    /// The plateau the search measured: its best clean throughput read robustly (the level
    /// its target is the tolerance below), devices a second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plateau_per_s: Option<f64>,
    /// Cores the client (an external poller's process tree) kept busy at the best point:
    /// its CPU over the wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poller_cores: Option<f64>,
    /// Cores the client and the in-process emulator kept busy together at the best point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_cores: Option<f64>,
}

impl TuneRun {
    /// Devices polled per second: ok devices over the wall time (0 for an empty run).
    pub fn throughput(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.ok as f64 / self.wall_s
        } else {
            0.0
        }
    }
}

impl TunePoint {
    /// The median throughput of its runs.
    pub fn throughput(&self) -> f64 {
        crate::Spread::of(&self.throughputs()).median
    }

    pub fn throughputs(&self) -> Vec<f64> {
        self.runs.iter().map(TuneRun::throughput).collect()
    }

    /// The range of its runs' throughputs over their median: 0 for one run. (For two or three
    /// runs the range is close to one run's standard deviation, which half of it would
    /// understate.)
    pub fn spread(&self) -> f64 {
        let s = crate::Spread::of(&self.throughputs());
        if s.median > 0.0 {
            (s.max - s.min) / s.median
        } else {
            0.0
        }
    }

    /// The median wall time of its runs.
    pub fn wall_s(&self) -> f64 {
        crate::Spread::of(&self.runs.iter().map(|r| r.wall_s).collect::<Vec<_>>()).median
    }

    /// The run with the most failed devices (the first of equals).
    pub fn worst(&self) -> Option<&TuneRun> {
        self.runs
            .iter()
            .reduce(|a, b| if b.failed > a.failed { b } else { a })
    }

    /// Most devices failed in one run.
    pub fn failed_max(&self) -> usize {
        self.worst().map_or(0, |r| r.failed)
    }

    /// Fewest devices failed in one run.
    pub fn failed_min(&self) -> usize {
        self.runs.iter().map(|r| r.failed).min().unwrap_or(0)
    }

    /// Logins its runs made.
    pub fn logins(&self) -> u64 {
        self.runs.iter().map(|r| r.logins).sum()
    }

    /// Client plus emulator CPU per login, the median over its runs (seconds; `None` when
    /// nothing was measured).
    pub fn cpu_per_login_s(&self) -> Option<f64> {
        let v: Vec<f64> = self
            .runs
            .iter()
            .filter(|r| r.logins > 0 && r.client_cpu_s + r.server_cpu_s > 0.0)
            .map(|r| (r.client_cpu_s + r.server_cpu_s) / r.logins as f64)
            .collect();
        (!v.is_empty()).then(|| crate::Spread::of(&v).median)
    }
}

impl TunePoint {
    /// Cores the client kept busy: its CPU over the wall time, the median over its runs
    /// (`None` when nothing was measured).
    pub fn client_cores(&self) -> Option<f64> {
        self.cores_by(|r| r.client_cpu_s)
    }

    /// Cores the client and the in-process emulator kept busy together, as
    /// [`TunePoint::client_cores`].
    pub fn busy_cores(&self) -> Option<f64> {
        self.cores_by(|r| r.client_cpu_s + r.server_cpu_s)
    }

    fn cores_by(&self, cpu: impl Fn(&TuneRun) -> f64) -> Option<f64> {
        let v: Vec<f64> = self
            .runs
            .iter()
            .filter(|r| r.wall_s > 0.0 && cpu(r) > 0.0)
            .map(|r| cpu(r) / r.wall_s)
            .collect();
        (!v.is_empty()).then(|| crate::Spread::of(&v).median)
    }
}

impl TuneSearch {
    /// The point of the chosen answer.
    pub fn chosen(&self) -> Option<&TunePoint> {
        let a = self.answer.as_ref()?;
        self.points
            .iter()
            .find(|p| p.workers == a.workers && p.connect_rate.is_none())
    }

    /// The worker-count points (no connect rate), fewest workers first.
    pub fn worker_points(&self) -> Vec<&TunePoint> {
        let mut v: Vec<&TunePoint> = self
            .points
            .iter()
            .filter(|p| p.connect_rate.is_none())
            .collect();
        v.sort_by_key(|p| p.workers);
        v
    }
}

/// Runs of a grid over `start..=max` workers with steps of `resolution` (each count at least
/// `resolution` above the last, and at least one more), one run per point: what a search at
/// that resolution is compared with.
pub fn grid_points(start: usize, max: usize, resolution: f64) -> usize {
    let (mut w, mut n) = (start.max(1), 0usize);
    while w <= max {
        n += 1;
        // Less a hair, so that 10 x 1.1 is 11, not 12.
        let next = (w as f64 * (1.0 + resolution.max(0.0)) - 1e-9).ceil() as usize;
        w = next.max(w + 1);
    }
    n.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(wall_s: f64, ok: usize, failed: usize) -> TuneRun {
        TuneRun {
            wall_s,
            ok,
            failed,
            logins: (ok + failed) as u64,
            kinds: BTreeMap::new(),
            client_kinds: BTreeMap::new(),
            client_cpu_s: 0.5,
            server_cpu_s: 0.5,
            why: Why::Start,
        }
    }

    #[test]
    fn a_point_s_numbers() {
        let p = TunePoint {
            workers: 8,
            connect_rate: None,
            runs: vec![run(1.0, 100, 0), run(2.0, 100, 0), run(1.25, 90, 10)],
        };
        assert_eq!(p.throughputs(), [100.0, 50.0, 72.0]);
        assert_eq!(p.throughput(), 72.0);
        assert_eq!(p.spread(), 50.0 / 72.0);
        assert_eq!(p.wall_s(), 1.25);
        assert_eq!((p.failed_max(), p.failed_min()), (10, 0));
        assert_eq!(p.logins(), 300);
        assert_eq!(p.cpu_per_login_s(), Some(0.01));
        // 0.5 s of the client's CPU in 1, 2 and 1.25 s of wall time.
        assert_eq!(p.client_cores(), Some(0.4));
        assert_eq!(p.busy_cores(), Some(0.8));
        assert_eq!(run(0.0, 5, 0).throughput(), 0.0);
    }

    #[test]
    fn a_grid_at_a_resolution() {
        // 1, 2, 3, ..., 10, 11, 13, 15, 17, 19, 21, ...: every count up to 10, then 10% steps.
        assert_eq!(grid_points(1, 10, 0.1), 10);
        assert_eq!(grid_points(1, 1, 0.1), 1);
        assert_eq!(grid_points(4, 2, 0.1), 1);
        assert_eq!(grid_points(1, 500, 0.1), 47);
        assert_eq!(grid_points(1, 8, 1.0), 4); // 1, 2, 4, 8
    }

    #[test]
    fn rules_read_as_tagged_objects() {
        let w = serde_json::to_string(&Why::Knee {
            below: 16,
            above: 32,
        })
        .unwrap();
        assert_eq!(w, r#"{"rule":"knee","below":16,"above":32}"#);
        let r: Reason = serde_json::from_str(r#"{"rule":"one_worker"}"#).unwrap();
        assert_eq!(r, Reason::OneWorker);
    }
}
