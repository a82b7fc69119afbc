//! The gate's rule on constructed reports: no timing, no I/O.

use super::*;
use fleetbench_report::testing::{pair, report, run, strat};
use fleetbench_report::{DeviceResult, Efficiency, ErrorInfo, Percentiles};

fn row(o: &CheckOutcome, s: StrategyKind, m: Metric) -> &Row {
    o.rows
        .iter()
        .find(|r| r.strategy == s && r.measure == Measure::Metric(m))
        .unwrap()
}

#[test]
fn a_report_checked_against_itself_passes_with_zero_change() {
    let r = pair(1.0);
    let o = check(&r, &r, &Thresholds::default(), &Rows::all()).unwrap();
    assert!(o.passed());
    assert!(o.rows.iter().all(|r| r.verdict == Verdict::Ok));
    assert!(o.rows.iter().all(|r| r.change == 0.0));
}

#[test]
fn twenty_percent_slower_everywhere_is_a_wall_regression_but_not_a_speedup_one() {
    let (b, c) = (pair(1.0), pair(1.2));
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&pair(1.0), &pair(0.7), &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    let w = row(&o, StrategyKind::Threads, Metric::Wall);
    assert!(w.change > 0.19);
    assert!((w.noise - (0.05 / 0.165 + 0.005 / 0.198)).abs() < 1e-9);
    assert_eq!(w.verdict, Verdict::WithinNoise);
    assert!(o.passed());
    // The same spread in the report instead of the baseline protects the same way.
    let o = check(&c, &b, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&pair(1.0), &pair(1.2), &t, &Rows::all()).unwrap();
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
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    assert!(
        o.skipped
            .contains(&(StrategyKind::Threads.into(), Metric::Rss))
    );
    assert!(
        o.skipped
            .contains(&(StrategyKind::Threads.into(), Metric::P99))
    );
    assert!(
        o.skipped
            .contains(&(StrategyKind::Threads.into(), Metric::Efficiency))
    );
    assert!(
        !o.skipped
            .contains(&(StrategyKind::Sequential.into(), Metric::Speedup))
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
    let o = check(&b2, &c2, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    let cpu = row(&o, StrategyKind::Threads, Metric::Cpu);
    assert!(
        (cpu.baseline - 0.001).abs() < 1e-12,
        "20 ms over 20 devices"
    );
    assert!((cpu.change - 1.0).abs() < 1e-9);
    assert_eq!(cpu.verdict, Verdict::Regression);
}

#[test]
fn fewer_devices_polled_is_a_regression_with_the_kinds_named() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    // One run of five polled 17 of 20: 19.4 a run on average instead of 20.
    c.strategies[1].runs[2] = run(0.165, 0.02, 3);
    c.strategies[1].devices = (0..3)
        .map(|i| DeviceResult {
            error: Some(ErrorInfo {
                kind: if i == 0 { "auth_rejected" } else { "timeout" }.to_string(),
                message: "x".to_string(),
                phase: None,
                client_kind: None,
            }),
            ..DeviceResult::blank(&format!("R{i}"), "h", 22)
        })
        .collect();
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    let f = o
        .rows
        .iter()
        .find(|r| r.measure == Measure::OkDevices)
        .unwrap();
    assert_eq!(
        (f.baseline, f.current, f.verdict),
        (20.0, 19.4, Verdict::Regression)
    );
    assert_eq!(
        f.kinds,
        [("timeout".to_string(), 2), ("auth_rejected".to_string(), 1)]
    );
    assert_eq!(o.regressions(), 1);
    // Fewer failures than the baseline is an improvement, not silence.
    let o = check(&c, &b, &Thresholds::default(), &Rows::all()).unwrap();
    let f = o
        .rows
        .iter()
        .find(|r| r.measure == Measure::OkDevices)
        .unwrap();
    assert_eq!(f.verdict, Verdict::Improved);
}

#[test]
fn different_setups_are_refused() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.fleet.devices = 21;
    assert!(matches!(
        check(&b, &c, &Thresholds::default(), &Rows::all()),
        Err(CheckError::SetupMismatch {
            what: "the number of devices",
            ..
        })
    ));
    let mut c = pair(1.0);
    c.fleet.profile = Some("classic".to_string());
    assert!(matches!(
        check(&b, &c, &Thresholds::default(), &Rows::all()),
        Err(CheckError::SetupMismatch {
            what: "the profile",
            ..
        })
    ));
    let mut c = pair(1.0);
    c.schema = "fleetbench.report/2".to_string();
    assert!(matches!(
        check(&b, &c, &Thresholds::default(), &Rows::all()),
        Err(CheckError::SchemaMismatch { .. })
    ));
    let empty = report(vec![]);
    assert_eq!(
        check(&empty, &b, &Thresholds::default(), &Rows::all()),
        Err(CheckError::EmptyBaseline)
    );
}

#[test]
fn strategies_new_in_the_report_are_listed_not_checked() {
    let b = pair(1.0);
    let mut c = pair(1.0);
    c.strategies
        .push(strat(StrategyKind::Async, &[0.16, 0.16, 0.16]));
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    assert_eq!(o.new_rows, vec![StrategyId::from(StrategyKind::Async)]);
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
    let o = check(&base, &noisy, &Thresholds::default(), &Rows::all()).unwrap();
    let p = row(&o, StrategyKind::Sequential, Metric::P99);
    assert!(p.change > 0.3, "{}", p.change);
    assert!(p.noise > p.change, "{}", p.noise);
    assert_eq!(p.verdict, Verdict::WithinNoise);
    // Every run 34% slower at its tail: a regression whatever the wall time did.
    let slower = with_p99(0.211, &[0.209, 0.210, 0.211, 0.212, 0.211]);
    let o = check(&base, &slower, &Thresholds::default(), &Rows::all()).unwrap();
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
    let o = check(&base, &old, &Thresholds::default(), &Rows::all()).unwrap();
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
        let e = check(&b, &good, &Thresholds::default(), &Rows::all()).unwrap_err();
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
        let e = check(&good, &b, &Thresholds::default(), &Rows::all()).unwrap_err();
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
    // Nothing both reports carry: one external row whose poller never started (no wall
    // time, no CPU, no device polled) in each: nothing compared.
    let mut b = report(vec![external("mine", &[0.0, 0.0], 0, 0)]);
    b.strategies[0].cpu_s = Default::default();
    for r in &mut b.strategies[0].runs {
        r.cpu = Default::default();
    }
    b.strategies[0].wall_s = Default::default();
    let c = b.clone();
    let e = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap_err();
    assert!(matches!(e, CheckError::NothingCompared { .. }), "{e}");
}

/// An external poller's row: `ok` polled 20 devices in `wall` seconds per run, exiting
/// `exit` each time.
fn external(name: &str, walls: &[f64], exit: i32, ok: usize) -> StrategyReport {
    let mut s = strat(StrategyKind::Threads, walls);
    s.strategy = StrategyId::External(name.to_string());
    for r in &mut s.runs {
        r.ok = ok;
        r.failed = 20 - ok;
    }
    s.external = Some(fleetbench_report::ExternalInfo {
        command: format!("{name} {{inventory}}"),
        device_view: "devices".to_string(),
        run_errors: vec![None; walls.len()],
        peak_rss_tree_bytes: 30 << 20,
        peak_processes: 1,
        exit_codes: vec![Some(exit); walls.len()],
    });
    s
}

fn with(mut r: Report, s: StrategyReport) -> Report {
    r.strategies.push(s);
    r.compute_speedups();
    r
}

#[test]
fn an_external_row_that_got_slow_and_exited_3_is_a_regression_in_the_table() {
    // The example: `ok` took 1.8 ms in the baseline, 1 003 ms and exit 3 now.
    let b = with(pair(1.0), external("ok", &[0.0018, 0.0018, 0.0019], 0, 20));
    let c = with(pair(1.0), external("ok", &[1.003, 1.003, 1.004], 3, 20));
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    let ext = StrategyId::External("ok".to_string());
    let wall = o
        .rows
        .iter()
        .find(|r| r.strategy == ext && r.measure == Measure::Metric(Metric::Wall))
        .unwrap();
    assert_eq!(wall.verdict, Verdict::Regression);
    let exits = o
        .rows
        .iter()
        .find(|r| r.strategy == ext && r.measure == Measure::FailedExits)
        .unwrap();
    assert_eq!((exits.baseline, exits.current), (0.0, 3.0));
    assert_eq!(exits.verdict, Verdict::Regression);
    assert!(!o.passed());
    let md = crate::present::check::markdown(&o);
    assert!(
        md.contains("| ok | median wall | 1.80 ms | 1.003 s |"),
        "{md}"
    );
    assert!(
        md.contains("| ok | runs exiting non-zero | 0 | 3 |"),
        "{md}"
    );
    // Unchanged, the same external row passes.
    let o = check(&b, &b, &Thresholds::default(), &Rows::all()).unwrap();
    assert!(o.passed(), "{:?}", o.rows);
    assert!(o.rows.iter().any(|r| r.strategy == ext));
}

#[test]
fn an_external_row_that_polls_fewer_devices_fails_whatever_its_time() {
    let b = with(pair(1.0), external("ok", &[0.50, 0.51, 0.50], 0, 20));
    let c = with(pair(1.0), external("ok", &[0.30, 0.31, 0.30], 0, 18));
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    let ext = StrategyId::External("ok".to_string());
    let wall = o
        .rows
        .iter()
        .find(|r| r.strategy == ext && r.measure == Measure::Metric(Metric::Wall))
        .unwrap();
    assert_eq!(wall.verdict, Verdict::Improved);
    let okd = o
        .rows
        .iter()
        .find(|r| r.strategy == ext && r.measure == Measure::OkDevices)
        .unwrap();
    assert_eq!((okd.current, okd.verdict), (18.0, Verdict::Regression));
    assert!(!o.passed());
}

#[test]
fn missing_rows_fail_new_rows_are_listed_and_rows_selects_what_is_gated() {
    let b = with(pair(1.0), external("ok", &[0.5, 0.5, 0.5], 0, 20));
    // The report lost threads and gained an external row.
    let mut c = with(pair(1.0), external("ok", &[0.5, 0.5, 0.5], 0, 20));
    c.strategies.remove(1);
    let c = with(c, external("new", &[0.5, 0.5, 0.5], 0, 20));
    let o = check(&b, &c, &Thresholds::default(), &Rows::all()).unwrap();
    assert_eq!(o.missing, [StrategyId::Builtin(StrategyKind::Threads)]);
    assert_eq!(o.new_rows, [StrategyId::External("new".to_string())]);
    assert_eq!((o.regressions(), o.failures()), (0, 1));
    assert!(!o.passed());
    let md = crate::present::check::markdown(&o);
    assert!(md.starts_with("### fleetbench performance gate: ❌ 1 row missing from the report"));
    assert!(md.contains("| threads | (the whole row) |"), "{md}");
    assert!(
        md.contains("Not in the baseline, not checked: new."),
        "{md}"
    );
    // Gating only `ok` (and sequential): threads is not asked for, so its absence passes.
    let only = Rows::only(vec!["ok".to_string(), "sequential".to_string()]);
    let o = check(&b, &c, &Thresholds::default(), &only).unwrap();
    assert!(o.missing.is_empty() && o.passed(), "{o:?}");
    assert!(o.rows.iter().all(|r| r.strategy.name() != "threads"));
    // Only `ok`: sequential is in both, left out and said so.
    let o = check(
        &b,
        &c,
        &Thresholds::default(),
        &Rows::only(vec!["ok".to_string()]),
    )
    .unwrap();
    assert_eq!(o.not_gated, [StrategyId::Builtin(StrategyKind::Sequential)]);
    assert!(o.rows.iter().all(|r| r.strategy.name() == "ok"));
    // A name that is no row of the baseline would gate nothing: refused.
    assert!(matches!(
        check(
            &b,
            &c,
            &Thresholds::default(),
            &Rows::only(vec!["okk".to_string()])
        ),
        Err(CheckError::UnknownRow { .. })
    ));
}

#[test]
fn peak_rss_has_a_noise_band_from_its_runs() {
    let mut b = pair(1.0);
    let mut c = pair(1.0);
    let mib = |m: f64| (m * 1048576.0) as u64;
    // Baseline runs 40-48 MiB, report runs 44-55 MiB: +14.6% on the peak, with a band of
    // 16.7% + 20% from the runs' own spread.
    for (r, m) in b.strategies[1]
        .runs
        .iter_mut()
        .zip([40.0, 44.0, 48.0, 42.0, 46.0])
    {
        r.peak_rss_bytes = Some(mib(m));
    }
    for (r, m) in c.strategies[1]
        .runs
        .iter_mut()
        .zip([44.0, 50.0, 55.0, 47.0, 52.0])
    {
        r.peak_rss_bytes = Some(mib(m));
    }
    b.strategies[1].peak_rss_bytes = mib(48.0);
    c.strategies[1].peak_rss_bytes = mib(55.0);
    let mut t = Thresholds::default();
    t.set(Metric::Rss, 0.10);
    let o = check(&b, &c, &t, &Rows::all()).unwrap();
    let r = row(&o, StrategyKind::Threads, Metric::Rss);
    assert!(
        (r.noise - (8.0 / 48.0 + 11.0 / 55.0)).abs() < 1e-6,
        "{}",
        r.noise
    );
    assert_eq!(r.verdict, Verdict::WithinNoise);
    // Without per-run figures (older reports) the band is zero and the same change fails.
    for r in b.strategies[1]
        .runs
        .iter_mut()
        .chain(&mut c.strategies[1].runs)
    {
        r.peak_rss_bytes = None;
    }
    let o = check(&b, &c, &t, &Rows::all()).unwrap();
    assert_eq!(
        row(&o, StrategyKind::Threads, Metric::Rss).verdict,
        Verdict::Regression
    );
}
