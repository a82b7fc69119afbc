//! The search on synthetic throughput curves with seeded noise: knees at known places, a flat
//! curve, a cliff of failures, a noisy plateau, a real fleet's first trouble, the budgets;
//! each run count against a grid of the same resolution.

use super::*;
use fleetbench_report::tune::{TuneRun, grid_points};

const DEVICES: usize = 1000;

/// Devices failed at a worker count (and connect rate), and their kind.
type Failures = Box<dyn Fn(usize, Option<f64>) -> (usize, &'static str)>;

/// What a fleet does at `workers` (and a connect rate): its true throughput, the devices
/// that fail and their kind.
struct Curve {
    throughput: Box<dyn Fn(usize, Option<f64>) -> f64>,
    failed: Failures,
    /// Multiplicative noise: each run's throughput is off by up to this fraction.
    noise: f64,
    seed: u64,
}

impl Curve {
    /// `min(w / s1, ceiling)`: a session of `s1` seconds at one worker, a ceiling in
    /// sessions per second; no failures.
    fn knee(s1: f64, ceiling: f64, noise: f64) -> Curve {
        Curve {
            throughput: Box::new(move |w, rate| {
                let t = (w as f64 / s1).min(ceiling);
                rate.map_or(t, |r| t.min(r))
            }),
            failed: Box::new(|_, _| (0, "")),
            noise,
            seed: 11,
        }
    }

    /// A uniform draw in [-1, 1) from the seed and the run's number.
    fn draw(&self, n: u64) -> f64 {
        let u = (fleetbench_units::seed::mix(self.seed, n) >> 11) as f64 / (1u64 << 53) as f64;
        2.0 * u - 1.0
    }

    fn run(&self, n: u64, workers: usize, rate: Option<f64>, why: Why) -> TuneRun {
        let t = (self.throughput)(workers, rate) * (1.0 + self.noise * self.draw(n));
        let (failed, kind) = (self.failed)(workers, rate);
        let ok = DEVICES - failed;
        let mut kinds = BTreeMap::new();
        if failed > 0 {
            kinds.insert(kind.to_string(), failed);
        }
        TuneRun {
            // The wall time of the devices that went through at this throughput.
            wall_s: DEVICES as f64 / t.max(1e-9),
            ok,
            failed,
            logins: DEVICES as u64,
            kinds,
            client_kinds: BTreeMap::new(),
            client_cpu_s: 0.0,
            server_cpu_s: 0.0,
            why,
        }
    }
}

fn settings() -> Settings {
    Settings {
        devices: DEVICES,
        tolerance: 0.05,
        failure_budget: 0,
        resolution: 0.10,
        start: 1,
        max_workers: DEVICES,
        max_runs: 3,
        cautious: false,
        probe: false,
        rate_search: true,
        login_budget: None,
        time_budget_s: None,
    }
}

/// Drives the search over `curve` to its end: the points, the outcome, the runs made.
fn drive(s: &Settings, curve: &Curve) -> (Vec<TunePoint>, Outcome, usize) {
    let mut points: Vec<TunePoint> = Vec::new();
    let mut spent = Spent::default();
    for n in 0..200u64 {
        match next(s, &points, spent) {
            Step::Done(o) => {
                let runs = points.iter().map(|p| p.runs.len()).sum();
                return (points, o, runs);
            }
            Step::Measure {
                workers,
                connect_rate,
                why,
            } => {
                let r = curve.run(n, workers, connect_rate, why);
                spent.logins += r.logins;
                spent.elapsed_s += r.wall_s;
                match points
                    .iter_mut()
                    .find(|p| p.workers == workers && p.connect_rate == connect_rate)
                {
                    Some(p) => p.runs.push(r),
                    None => points.push(TunePoint {
                        workers,
                        connect_rate,
                        runs: vec![r],
                    }),
                }
            }
        }
    }
    panic!("the search did not end in 200 steps");
}

/// The true knee of a curve: the fewest workers within the tolerance of its best.
fn true_knee(c: &Curve, max: usize, tolerance: f64) -> usize {
    let best = (1..=max)
        .map(|w| (c.throughput)(w, None))
        .fold(0.0, f64::max);
    (1..=max)
        .find(|&w| (c.throughput)(w, None) >= (1.0 - tolerance) * best)
        .unwrap()
}

fn worker_runs(points: &[TunePoint]) -> usize {
    points
        .iter()
        .filter(|p| p.connect_rate.is_none())
        .map(|p| p.runs.len())
        .sum()
}

fn within(found: usize, want: usize, ratio: f64) -> bool {
    let r = found as f64 / want as f64;
    r <= 1.0 + ratio && r >= 1.0 / (1.0 + ratio)
}

#[test]
fn knees_at_known_places_are_found_to_the_resolution_in_fewer_runs_than_a_grid() {
    let s = settings();
    let grid = grid_points(s.start, s.max_workers, s.resolution);
    for (s1, ceiling) in [
        (0.025, 800.0),   // an AAA server's 800 logins/s, sessions of 25 ms: about 19 workers
        (0.15, 800.0),    // 150 ms sessions: about 114
        (0.0023, 1300.0), // the client's CPU: about 3
        (0.5, 600.0),     // slow sessions: about 285
    ] {
        let c = Curve::knee(s1, ceiling, 0.01);
        let want = true_knee(&c, s.max_workers, s.tolerance);
        let (points, o, runs) = drive(&s, &c);
        let a = o.answer.expect("an answer");
        assert!(
            within(a.workers, want, 0.12),
            "s1 {s1}: found {} workers, the knee is at {want}; points {:?}",
            a.workers,
            points.iter().map(|p| p.workers).collect::<Vec<_>>()
        );
        assert!(
            matches!(a.reason, Reason::Resolution { .. } | Reason::Lowest { .. }),
            "{:?}",
            a.reason
        );
        assert_eq!(a.failed, 0);
        assert!(o.failures.is_none() && o.connect_rate.is_none());
        assert!(
            runs * 2 < grid,
            "s1 {s1}: {runs} runs against a grid's {grid}"
        );
        // Every run says why it was made, the first one the start.
        assert_eq!(points[0].runs[0].why, Why::Start);
        assert!(points.iter().skip(1).all(|p| p.runs[0].why != Why::Start));
    }
}

#[test]
fn a_flat_curve_ends_at_the_lowest_count_in_two_runs() {
    let c = Curve {
        throughput: Box::new(|_, _| 500.0),
        ..Curve::knee(1.0, 1.0, 0.01)
    };
    let (points, o, runs) = drive(&settings(), &c);
    let a = o.answer.unwrap();
    assert_eq!(a.workers, 1);
    assert_eq!(a.reason, Reason::Lowest { workers: 1 });
    assert_eq!(runs, 2, "{points:?}");
}

/// The example: a knee near 114 workers, logins timing out at the AAA server above
/// 160, and the connect rate that keeps more workers clean.
fn cliff() -> Curve {
    Curve {
        throughput: Box::new(|w, rate| {
            let t = (w as f64 / 0.15).min(800.0);
            rate.map_or(t, |r| t.min(r))
        }),
        failed: Box::new(|w, rate| match rate {
            Some(r) if r <= 900.0 => (0, ""),
            _ if w > 160 => (37 + (w - 160) / 4, kind::AAA_TIMEOUT),
            _ => (0, ""),
        }),
        noise: 0.01,
        seed: 5,
    }
}

#[test]
fn past_a_plateau_the_probe_finds_where_failures_start() {
    // The knee near 19; logins time out at the AAA server from 300 workers on.
    let c = Curve {
        failed: Box::new(|w, rate| match rate {
            None if w >= 300 => (w / 20, kind::AAA_TIMEOUT),
            _ => (0, ""),
        }),
        ..Curve::knee(0.025, 800.0, 0.01)
    };
    let s = Settings {
        probe: true,
        ..settings()
    };
    let (points, o, runs) = drive(&s, &c);
    assert!(within(o.answer.unwrap().workers, 19, 0.12));
    let f = o.failures.unwrap();
    assert!(
        f.settled && f.clean_up_to < 300 && f.failing_from >= 300,
        "{f:?}"
    );
    assert!(
        points
            .iter()
            .any(|p| matches!(p.runs[0].why, Why::Probe { .. }))
    );
    assert!(o.connect_rate.is_some());
    assert!(
        worker_runs(&points) * 2 < grid_points(1, DEVICES, 0.1),
        "{runs}"
    );
    // Without the probe the plateau ends the search: no failure seen.
    let (_, o, _) = drive(&settings(), &c);
    assert!(o.failures.is_none());
    // Nor on a real fleet, probe or not.
    let cautious = Settings {
        cautious: true,
        ..s
    };
    let (points, o, _) = drive(&cautious, &c);
    assert!(o.failures.is_none() && points.iter().all(|p| p.workers < 300));
}

#[test]
fn a_cliff_of_failures_gives_the_knee_where_failures_start_and_the_connect_rate() {
    let s = settings();
    let (points, o, runs) = drive(&s, &cliff());
    let a = o.answer.unwrap();
    assert!(within(a.workers, 114, 0.12), "{a:?}");
    let f = o.failures.unwrap();
    assert!(f.settled, "{f:?}");
    assert!(f.clean_up_to <= 160 && f.failing_from > 160, "{f:?}");
    assert!(f.failing_from as f64 <= 161.0 * 1.1 + 1.0, "{f:?}");
    assert_eq!(f.kinds.keys().collect::<Vec<_>>(), ["aaa_timeout"]);
    // Nothing measured above the first failing doubling.
    assert!(points.iter().all(|p| p.workers <= 256), "{points:?}");
    // The rate search: at the failing count, the best clean rate.
    let r = o.connect_rate.expect("a connect rate");
    assert_eq!(r.workers, f.failing_from);
    assert!(r.connect_rate <= 900.0 && r.connect_rate >= 760.0, "{r:?}");
    assert_eq!(r.failed, 0);
    assert!(r.failing_from.is_some_and(|h| h > 900.0), "{r:?}");
    let rate_runs = runs - worker_runs(&points);
    assert!((1..=6).contains(&rate_runs), "{rate_runs} rate runs");
    // Every rate run says the bracket it searched.
    assert!(
        points
            .iter()
            .filter(|p| p.connect_rate.is_some())
            .all(|p| matches!(p.runs[0].why, Why::Rate { .. }))
    );
    let grid = grid_points(s.start, s.max_workers, s.resolution);
    assert!(worker_runs(&points) * 2 < grid, "{runs} against {grid}");
}

#[test]
fn failures_that_no_connect_rate_cures_get_no_rate_search() {
    let c = Curve {
        failed: Box::new(|w, _| {
            if w > 40 {
                (w / 10, kind::VTY_BUSY)
            } else {
                (0, "")
            }
        }),
        ..Curve::knee(0.15, 800.0, 0.01)
    };
    let (points, o, _) = drive(&settings(), &c);
    assert!(points.iter().all(|p| p.connect_rate.is_none()));
    assert!(o.connect_rate.is_none());
    let f = o.failures.unwrap();
    assert!(
        f.clean_up_to <= 40 && f.failing_from > 40 && f.settled,
        "{f:?}"
    );
    // Throughput still rose at the ceiling: the best clean count is just below it.
    let a = o.answer.unwrap();
    assert!(a.workers <= 40 && a.workers >= 36, "{a:?}");
}

#[test]
fn a_noisy_plateau_is_repeated_where_it_cannot_decide_and_still_saves_runs() {
    let s = settings();
    let mut repeats = 0;
    for seed in 1..=12 {
        let c = Curve {
            seed,
            ..Curve::knee(0.025, 800.0, 0.06)
        };
        let (points, o, runs) = drive(&s, &c);
        let a = o.answer.unwrap();
        // A generous band: 6% noise (more than the tolerance) moves the best, and the target.
        let brief: Vec<_> = points
            .iter()
            .map(|p| {
                (
                    p.workers,
                    p.throughputs()
                        .iter()
                        .map(|t| t.round())
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert!(within(a.workers, 19, 0.35), "seed {seed}: {a:?} {brief:?}");
        assert!(points.iter().all(|p| p.runs.len() <= s.max_runs));
        repeats += points
            .iter()
            .flat_map(|p| &p.runs)
            .filter(|r| matches!(r.why, Why::Repeat { .. }))
            .count();
        assert!(
            runs < grid_points(s.start, s.max_workers, s.resolution),
            "seed {seed}: {runs} runs"
        );
    }
    assert!(repeats > 0, "no point was ever repeated");
}

#[test]
fn a_quiet_curve_is_never_repeated_far_from_the_target() {
    let (points, ..) = drive(&settings(), &Curve::knee(0.15, 800.0, 0.0));
    for p in &points {
        for r in &p.runs {
            if let Why::Repeat { spread, margin, .. } = r.why {
                assert!(margin < spread, "{p:?}");
            }
        }
    }
}

#[test]
fn still_rising_at_the_most_workers_says_so() {
    let s = Settings {
        max_workers: 64,
        ..settings()
    };
    let (_, o, _) = drive(&s, &Curve::knee(1.0, 1e9, 0.0));
    assert_eq!(o.stopped, Reason::MostWorkers { workers: 64 });
    let a = o.answer.unwrap();
    assert!((60..=64).contains(&a.workers), "{a:?}");
}

#[test]
fn a_real_fleet_stops_climbing_at_the_first_sign_of_trouble() {
    let s = Settings {
        cautious: true,
        max_workers: 200,
        ..settings()
    };
    let c = Curve {
        // vty lines run out from 24 sessions on: 3 devices turned away already at 32.
        failed: Box::new(|w, _| {
            if w >= 24 {
                (3, kind::VTY_BUSY)
            } else {
                (0, "")
            }
        }),
        ..Curve::knee(0.15, 800.0, 0.01)
    };
    let budgeted = Settings {
        failure_budget: 10,
        ..s.clone()
    };
    for s in [s, budgeted] {
        let (points, o, _) = drive(&s, &c);
        assert_eq!(o.stopped, Reason::Trouble { workers: 32 }, "{points:?}");
        assert!(points.iter().all(|p| p.workers <= 32), "{points:?}");
        assert!(points.iter().all(|p| p.connect_rate.is_none()));
        let a = o.answer.unwrap();
        assert_eq!(a.workers, 16);
        let f = o.failures.unwrap();
        assert_eq!((f.clean_up_to, f.failing_from, f.settled), (16, 32, false));
    }
}

#[test]
fn devices_failing_at_every_count_do_not_hide_the_knee() {
    let c = Curve {
        failed: Box::new(|_, _| (2, kind::REFUSED)),
        ..Curve::knee(0.025, 800.0, 0.01)
    };
    let (_, o, _) = drive(&settings(), &c);
    let a = o.answer.unwrap();
    assert!(within(a.workers, 19, 0.12), "{a:?}");
    assert_eq!(a.failed, 2);
    assert_eq!(o.persistent.get("refused"), Some(&2));
    assert!(o.failures.is_none());
}

#[test]
fn a_fleet_failing_at_the_lowest_count_has_no_answer() {
    let c = Curve {
        failed: Box::new(|_, _| (DEVICES, kind::AUTH_REJECTED)),
        ..Curve::knee(0.025, 800.0, 0.0)
    };
    let (points, o, runs) = drive(&settings(), &c);
    assert_eq!(runs, 1, "{points:?}");
    assert!(o.answer.is_none());
    assert_eq!(o.stopped, Reason::FailsAtLowest { workers: 1 });
}

#[test]
fn the_budgets_end_the_search_with_the_answer_so_far() {
    let c = Curve::knee(0.15, 800.0, 0.01);
    let s = Settings {
        login_budget: Some(6 * DEVICES as u64 + 10),
        ..settings()
    };
    let (points, o, runs) = drive(&s, &c);
    assert_eq!(runs, 6, "{points:?}");
    assert_eq!(
        o.stopped,
        Reason::LoginBudget {
            spent: 6 * DEVICES as u64,
            budget: 6 * DEVICES as u64 + 10
        }
    );
    // 1..32 measured, still rising: the best so far is the answer so far.
    let a = o.answer.unwrap();
    assert_eq!(a.workers, 32);
    assert_eq!(a.reason, o.stopped);

    // Time: 1 worker takes 150 s for the 1000 devices, 2 workers 75 s, 4 workers 37.5 s...
    let s = Settings {
        time_budget_s: Some(300.0),
        ..settings()
    };
    let (points, o, _) = drive(&s, &c);
    let spent: f64 = points.iter().flat_map(|p| &p.runs).map(|r| r.wall_s).sum();
    assert!(spent <= 300.0, "{spent}");
    assert!(
        matches!(o.stopped, Reason::TimeBudget { .. }),
        "{:?}",
        o.stopped
    );
    // A budget smaller than one run: nothing measured, no answer.
    let s = Settings {
        login_budget: Some(10),
        ..settings()
    };
    let (points, o, _) = drive(&s, &c);
    assert!(points.is_empty() && o.answer.is_none());
}

#[test]
fn one_worker_is_measured_once() {
    let s = Settings {
        max_workers: 1,
        ..settings()
    };
    let (points, o, runs) = drive(&s, &Curve::knee(0.15, 800.0, 0.0));
    assert_eq!((runs, points[0].workers), (1, 1));
    assert_eq!(o.stopped, Reason::OneWorker);
    assert_eq!(o.answer.unwrap().workers, 1);
}

#[test]
fn the_middle_of_an_interval_is_strictly_inside() {
    assert_eq!(geometric_middle(16, 32), 23);
    assert_eq!(geometric_middle(16, 18), 17);
    assert_eq!(geometric_middle(1, 3), 2);
    assert_eq!(round_rate(812.4), 812.0);
    assert_eq!(round_rate(2.345), 2.3);
}

/// The table of docs/src/tune.md ("How many runs"): each curve's knee, the one found, and the
/// runs it took against a grid's 54 (1..1000 workers at 10%). Update the page with this test.
#[test]
fn the_run_counts_the_guide_shows() {
    let s = settings();
    let flat = Curve {
        throughput: Box::new(|_, _| 500.0),
        ..Curve::knee(1.0, 1.0, 0.01)
    };
    let cases = [
        (Curve::knee(0.025, 800.0, 0.01), 19, 19, 15),
        (Curve::knee(0.15, 800.0, 0.01), 114, 118, 12),
        (Curve::knee(0.0023, 1300.0, 0.01), 3, 3, 5),
        (Curve::knee(0.5, 600.0, 0.01), 285, 304, 15),
        (flat, 1, 1, 2),
        (cliff(), 114, 118, 20),
    ];
    for (c, knee, found, runs) in cases {
        assert_eq!(true_knee(&c, DEVICES, s.tolerance), knee);
        let (points, o, n) = drive(&s, &c);
        assert_eq!((o.answer.unwrap().workers, n), (found, runs), "{points:?}");
    }
    assert_eq!(grid_points(1, DEVICES, 0.1), 54);
    let runs: Vec<usize> = (1..=12)
        .map(|seed| {
            let c = Curve {
                seed,
                ..Curve::knee(0.025, 800.0, 0.06)
            };
            drive(&s, &c).2
        })
        .collect();
    assert_eq!(
        (runs.iter().sum::<usize>(), runs.iter().max()),
        (198, Some(&22))
    );
}
