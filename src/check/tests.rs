//! The gate's rule on constructed reports: no timing, no I/O.

use super::*;
use fleetbench_report::testing::{pair, report, run, strat};
use fleetbench_report::{Efficiency, Percentiles};

fn row(o: &CheckOutcome, s: StrategyKind, m: Metric) -> &Row {
    o.rows
        .iter()
        .find(|r| r.strategy == s && r.measure == Measure::Metric(m))
        .unwrap()
}

#[test]
fn a_report_checked_against_itself_passes_with_zero_change() {
    let r = pair(1.0);
    let o = check(&r, &r, &Thresholds::default()).unwrap();
    assert!(o.passed());
    assert!(o.rows.iter().all(|r| r.verdict == Verdict::Ok));
    assert!(o.rows.iter().all(|r| r.change == 0.0));
}

#[test]
fn twenty_percent_slower_everywhere_is_a_wall_regression_but_not_a_speedup_one() {
    let (b, c) = (pair(1.0), pair(1.2));
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    assert!(!o.passed());
    for s in [StrategyKind::Sequential, StrategyKind::Threads] {
        let w = row(&o, s, Metric::Wall);
        assert_eq!(w.verdict, Verdict::Regression);
        assert!((w.change - 0.2).abs() < 1e-9);
    }
    // Both sides slowed down alike: the ratio did not move.
    let sp = row(&o, StrategyKind::Threads, Metric::Speedup);
    assert_eq!(sp.verdict, Verdict::Ok);
    assert!(sp.change.abs() < 1e-9);
    assert_eq!(o.regressions(), 2);
}

#[test]
fn faster_is_an_improvement_not_a_regression() {
    let o = check(&pair(1.0), &pair(0.7), &Thresholds::default()).unwrap();
    assert!(o.passed());
    assert_eq!(
        row(&o, StrategyKind::Threads, Metric::Wall).verdict,
        Verdict::Improved
    );
}

#[test]
fn a_change_inside_the_measured_spread_is_never_a_regression() {
    // Baseline threads runs span 150..200 ms (30% of the median): a 20% slower median is
    // beyond the 15% threshold but inside the noise band.
    let b = report(vec![strat(
        StrategyKind::Threads,
        &[0.150, 0.160, 0.165, 0.170, 0.200],
    )]);
    let c = report(vec![strat(
        StrategyKind::Threads,
        &[0.195, 0.197, 0.198, 0.199, 0.200],
    )]);
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    let w = row(&o, StrategyKind::Threads, Metric::Wall);
    assert!(w.change > 0.19);
    assert!((w.noise - (0.05 / 0.165 + 0.005 / 0.198)).abs() < 1e-9);
    assert_eq!(w.verdict, Verdict::WithinNoise);
    assert!(o.passed());
    // The same spread in the report instead of the baseline protects the same way.
    let o = check(&c, &b, &Thresholds::default()).unwrap();
    assert_eq!(
        row(&o, StrategyKind::Threads, Metric::Wall).verdict,
        Verdict::Ok
    );
}

#[test]
fn a_change_beyond_threshold_and_noise_is_a_regression() {
    let b = report(vec![strat(
        StrategyKind::Threads,
        &[0.150, 0.160, 0.165, 0.170, 0.200],
    )]);
    let c = report(vec![strat(
        StrategyKind::Threads,
        &[0.330, 0.331, 0.332, 0.333, 0.334],
    )]);
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    assert_eq!(
        row(&o, StrategyKind::Threads, Metric::Wall).verdict,
        Verdict::Regression
    );
}

#[test]
fn thresholds_are_settable_per_metric() {
    let mut t = Thresholds::default();
    t.apply("wall=25%").unwrap();
    t.apply("cpu = 40").unwrap();
    assert_eq!(t.get(Metric::Wall), 0.25);
    assert_eq!(t.get(Metric::Cpu), 0.40);
    assert_eq!(t.get(Metric::P99), 0.20);
    let o = check(&pair(1.0), &pair(1.2), &t).unwrap();
    assert!(o.passed(), "20% is inside a 25% wall threshold");
    for bad in ["wall", "walls=10%", "wall=-1%", "wall=fast", "=10%"] {
        assert_eq!(
            Thresholds::default().apply(bad),
            Err(CheckError::BadThreshold(bad.to_string()))
        );
    }
}

#[test]
fn speedup_drop_is_a_regression_even_when_sequential_is_unchanged() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.strategies[1] = strat(StrategyKind::Threads, &[0.33, 0.33, 0.331, 0.332, 0.333]);
    c.compute_speedups();
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    let sp = row(&o, StrategyKind::Threads, Metric::Speedup);
    assert!(sp.change < -0.4);
    assert_eq!(sp.verdict, Verdict::Regression);
}

#[test]
fn measurement_fields_are_read_when_present_and_skipped_when_absent_on_either_side() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    for s in &mut c.strategies {
        s.peak_rss_bytes = 10 << 20;
        s.latency_s.insert(
            "total".to_string(),
            Percentiles {
                p50: 0.15,
                p90: 0.16,
                p99: 0.17,
                max: 0.18,
                count: 100,
            },
        );
    }
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    assert!(o.skipped.contains(&(StrategyKind::Threads, Metric::Rss)));
    assert!(o.skipped.contains(&(StrategyKind::Threads, Metric::P99)));
    assert!(
        o.skipped
            .contains(&(StrategyKind::Threads, Metric::Efficiency))
    );
    assert!(
        !o.skipped
            .contains(&(StrategyKind::Sequential, Metric::Speedup))
    );
    assert!(
        crate::present::check::markdown(&o)
            .contains("Skipped, absent from the baseline or the report")
    );

    // Present on both sides: compared. p99 30% up, RSS doubled, efficiency down.
    let mut b2 = c.clone();
    let mut c2 = c.clone();
    for s in &mut b2.strategies {
        s.efficiency = Some(Efficiency {
            ideal_s: 0.15,
            ideal: 0.15 / s.wall_s.median,
            cpu_bound_s: 0.15,
            cpu_bound: 0.9,
        });
    }
    for s in &mut c2.strategies {
        s.peak_rss_bytes = 20 << 20;
        s.latency_s.get_mut("total").unwrap().p99 = 0.17 * 1.3;
        s.efficiency = Some(Efficiency {
            ideal_s: 0.15,
            ideal: 0.5 * 0.15 / s.wall_s.median,
            cpu_bound_s: 0.15,
            cpu_bound: 0.9,
        });
    }
    let o = check(&b2, &c2, &Thresholds::default()).unwrap();
    assert!(o.skipped.is_empty(), "{:?}", o.skipped);
    for m in [Metric::P99, Metric::Rss, Metric::Efficiency] {
        assert_eq!(
            row(&o, StrategyKind::Threads, m).verdict,
            Verdict::Regression,
            "{m}"
        );
    }
}

#[test]
fn cpu_per_device_comes_from_the_runs_when_the_field_is_absent() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    for s in &mut c.strategies {
        for r in &mut s.runs {
            r.cpu.user_s = 0.040;
        }
    }
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    let cpu = row(&o, StrategyKind::Threads, Metric::Cpu);
    assert!(
        (cpu.baseline - 0.001).abs() < 1e-12,
        "20 ms over 20 devices"
    );
    assert!((cpu.change - 1.0).abs() < 1e-9);
    assert_eq!(cpu.verdict, Verdict::Regression);
}

#[test]
fn more_failed_devices_is_a_regression() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.strategies[1].runs[2] = run(0.165, 0.02, 3);
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    let f = o
        .rows
        .iter()
        .find(|r| r.measure == Measure::FailedDevices)
        .unwrap();
    assert_eq!(
        (f.baseline, f.current, f.verdict),
        (0.0, 3.0, Verdict::Regression)
    );
    assert_eq!(o.regressions(), 1);
}

#[test]
fn different_setups_and_missing_strategies_are_refused() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.fleet.devices = 21;
    assert!(matches!(
        check(&b, &c, &Thresholds::default()),
        Err(CheckError::SetupMismatch {
            what: "the number of devices",
            ..
        })
    ));
    let mut c = pair(1.0);
    c.fleet.profile = Some("classic".to_string());
    assert!(matches!(
        check(&b, &c, &Thresholds::default()),
        Err(CheckError::SetupMismatch {
            what: "the profile",
            ..
        })
    ));
    let mut c = pair(1.0);
    c.schema = "fleetbench.report/2".to_string();
    assert!(matches!(
        check(&b, &c, &Thresholds::default()),
        Err(CheckError::SchemaMismatch { .. })
    ));
    let mut c = pair(1.0);
    c.strategies.pop();
    assert_eq!(
        check(&b, &c, &Thresholds::default()),
        Err(CheckError::MissingStrategy(StrategyKind::Threads))
    );
    let empty = report(vec![]);
    assert_eq!(
        check(&empty, &b, &Thresholds::default()),
        Err(CheckError::EmptyBaseline)
    );
}

#[test]
fn strategies_new_in_the_report_are_listed_not_checked() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.strategies
        .push(strat(StrategyKind::Async, &[0.16, 0.16, 0.16]));
    let o = check(&b, &c, &Thresholds::default()).unwrap();
    assert_eq!(o.new_strategies, vec![StrategyKind::Async]);
    assert!(o.rows.iter().all(|r| r.strategy != StrategyKind::Async));
}

/// Sequential sets p99s with single slow sessions that its wall time (a sum over the fleet)
/// hides: the gate once failed CI on one noisy run (p99 +35%, wall spread 7%). Each run's own
/// p99 is the spread that counts; a p99 that moved in every run is still a regression.
#[test]
fn p99_noise_is_the_spread_of_the_runs_own_p99s() {
    let with_p99 = |total_p99: f64, per_run: &[f64]| {
        let mut s = strat(StrategyKind::Sequential, &[3.10, 3.11, 3.12, 3.13, 3.15]);
        s.latency_s.insert(
            fleetbench_report::histo::TOTAL.to_string(),
            Percentiles {
                p50: 0.156,
                p90: 0.157,
                p99: total_p99,
                max: 0.233,
                count: 100,
            },
        );
        for (r, &p) in s.runs.iter_mut().zip(per_run) {
            r.p99_s = p;
        }
        report(vec![s])
    };
    let base = with_p99(0.157, &[0.156, 0.157, 0.157, 0.158, 0.157]);
    // One run with two slow sessions: the strategy's p99 is up 34%, and so is the spread.
    let noisy = with_p99(0.211, &[0.158, 0.160, 0.233, 0.159, 0.161]);
    let o = check(&base, &noisy, &Thresholds::default()).unwrap();
    let p = row(&o, StrategyKind::Sequential, Metric::P99);
    assert!(p.change > 0.3, "{}", p.change);
    assert!(p.noise > p.change, "{}", p.noise);
    assert_eq!(p.verdict, Verdict::WithinNoise);
    // Every run 34% slower at its tail: a regression whatever the wall time did.
    let slower = with_p99(0.211, &[0.209, 0.210, 0.211, 0.212, 0.211]);
    let o = check(&base, &slower, &Thresholds::default()).unwrap();
    assert_eq!(
        row(&o, StrategyKind::Sequential, Metric::P99).verdict,
        Verdict::Regression
    );
    // Without per-run p99s (older or merged reports) the wall time's spread stands in: the
    // noisy report would have failed.
    let mut old = noisy.clone();
    for r in &mut old.strategies[0].runs {
        r.p99_s = 0.0;
    }
    let o = check(&base, &old, &Thresholds::default()).unwrap();
    assert_eq!(
        row(&o, StrategyKind::Sequential, Metric::P99).verdict,
        Verdict::Regression
    );
}

/// A baseline whose `wall_s` values were 0 or negative made every metric "absent": an empty
/// table and "no regression", exit 0. Such a baseline is refused, and so is a check that
/// compared no metric at all.
#[test]
fn an_invalid_baseline_or_a_check_of_nothing_is_refused() {
    let good = pair(1.0);
    for bad_wall in [0.0, -1.0] {
        let mut b = pair(1.0);
        for s in &mut b.strategies {
            s.wall_s.median = bad_wall;
            s.wall_s.min = bad_wall;
            s.wall_s.max = bad_wall;
            for r in &mut s.runs {
                r.wall_s = bad_wall;
            }
        }
        let e = check(&b, &good, &Thresholds::default()).unwrap_err();
        assert!(
            matches!(
                e,
                CheckError::InvalidReport {
                    which: "baseline",
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("not a positive number of seconds"),
            "{e}"
        );
        let e = check(&good, &b, &Thresholds::default()).unwrap_err();
        assert!(
            matches!(
                e,
                CheckError::InvalidReport {
                    which: "report",
                    ..
                }
            ),
            "{e}"
        );
    }
    // Valid wall times, but nothing both reports carry (an old report's zeros elsewhere,
    // a strategy list of one external row): nothing compared.
    let mut b = pair(1.0);
    b.strategies
        .retain(|s| s.strategy == StrategyKind::Sequential);
    let mut c = b.clone();
    for r in [&mut b, &mut c] {
        for s in &mut r.strategies {
            s.strategy = fleetbench_report::StrategyId::External("mine".into());
        }
    }
    let e = check(&b, &c, &Thresholds::default()).unwrap_err();
    assert!(matches!(e, CheckError::NothingCompared { .. }), "{e}");
}
