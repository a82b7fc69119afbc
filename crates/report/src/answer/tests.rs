//! Unit tests of `answer` (the verdict's computation).

use super::*;
use crate::error::Phase;
use crate::network::{ClassReport, LinkParams, Method, NetworkReport, StrategyNetwork, Traffic};
use crate::report::ExternalInfo;
use crate::result::ErrorInfo;
use crate::strategy::StrategyId;
use crate::testing::{self, device, strat};
use crate::verdict::NotComparable;
use std::collections::BTreeMap;

/// `kind` over `n` devices that all failed with `error` in every run.
fn failed_row(kind: StrategyKind, walls: &[f64], n: usize, error: &str) -> StrategyReport {
    let mut s = strat(kind, walls);
    s.devices = (0..n)
        .map(|i| device(i, 0.0, 0.0, 0.001, Some(error)))
        .collect();
    for r in &mut s.runs {
        (r.ok, r.failed) = (0, n);
        r.slowest_s = 0.0005;
        r.cpu.user_s = 0.0003;
    }
    s
}

/// A row with every run's client CPU, emulator CPU and slowest session set.
fn row(kind: StrategyKind, walls: &[f64], cpu: f64, server: f64, slowest: f64) -> StrategyReport {
    let mut s = strat(kind, walls);
    for r in &mut s.runs {
        r.cpu.user_s = cpu;
        r.server_cpu_s = server;
        r.slowest_s = slowest;
        r.ideal_s = r.wall_s / 2.0;
    }
    s
}

/// The issue's `sleeper`: an external row that ran `sleep 0.3`, polled nothing, and whose
/// every device is `not_contacted`.
fn sleeper(n: usize) -> StrategyReport {
    let mut s = failed_row(StrategyKind::Sequential, &[0.3], n, "not_contacted");
    s.strategy = StrategyId::External("sleeper".into());
    for r in &mut s.runs {
        r.cpu.user_s = 0.0;
        r.slowest_s = 0.0;
    }
    s.external = Some(ExternalInfo {
        command: "sleep 0.3".into(),
        device_view: "devices".into(),
        run_errors: vec![None],
        peak_rss_tree_bytes: 0,
        peak_processes: 1,
        exit_codes: vec![Some(0)],
    });
    s
}

#[test]
fn a_row_that_polled_nothing_moves_no_other_rows_figures() {
    let base = || {
        vec![
            row(StrategyKind::Sequential, &[1.0, 1.1, 1.2], 0.3, 0.3, 0.05),
            row(StrategyKind::Async, &[0.30, 0.31, 0.32], 0.2, 0.3, 0.2),
        ]
    };
    let without = testing::report(base());
    let mut rows = base();
    rows.push(sleeper(10));
    let with = testing::report(rows);
    let e = |r: &Report, i: usize| r.strategies[i].efficiency.unwrap();
    assert_eq!(e(&without, 1), e(&with, 1), "async's bounds moved");
    assert_eq!(
        without.strategies[1].speedup, with.strategies[1].speedup,
        "async's speed-up moved"
    );
    let s = &with.strategies[2];
    assert_eq!((s.speedup, s.efficiency), (None, None), "{s:?}");
    let v = with.verdict.as_ref().unwrap();
    assert_eq!(
        v.not_comparable,
        vec![RowNotComparable {
            row: "sleeper".into(),
            why: NotComparable::NothingPolled {
                run: 1,
                kinds: vec!["not_contacted".into()]
            }
        }]
    );
    assert_eq!(v.fastest.as_ref().unwrap().row, "async");
}

#[test]
fn the_speedup_and_its_uncertainty_are_hyperfines() {
    let fast = WallMean {
        mean_s: 1.0,
        sd_s: Some(0.01),
        runs: 3,
    };
    let slow = WallMean {
        mean_s: 3.0,
        sd_s: Some(0.06),
        runs: 3,
    };
    let (r, sd) = ratio(&fast, &slow).unwrap();
    assert!((r - 3.0).abs() < 1e-12);
    // 3 x sqrt(0.02^2 + 0.01^2)
    assert!(
        (sd.unwrap() - 3.0 * (0.0005f64).sqrt()).abs() < 1e-12,
        "{sd:?}"
    );
    let one = WallMean {
        sd_s: None,
        runs: 1,
        ..slow
    };
    assert_eq!(ratio(&fast, &one).unwrap().1, None);
    let w = wall_mean(&strat(StrategyKind::Threads, &[1.0, 2.0, 3.0]));
    assert_eq!((w.mean_s, w.sd_s, w.runs), (2.0, Some(1.0), 3));

    let r = testing::report(vec![
        strat(StrategyKind::Sequential, &[3.0, 3.1, 2.9]),
        strat(StrategyKind::Threads, &[1.5, 1.55, 1.45]),
        strat(StrategyKind::Async, &[1.0, 1.01, 0.99]),
    ]);
    let v = r.verdict.unwrap();
    assert_eq!(v.fastest.unwrap().row, "async");
    let names: Vec<&str> = v.speedups.iter().map(|s| s.row.as_str()).collect();
    assert_eq!(names, ["threads", "sequential"], "nearest first");
    assert!((v.speedups[1].times - 3.0).abs() < 1e-9);
    assert!(v.speedups[1].plus_minus.unwrap() > 0.0);
}

#[test]
fn when_every_run_failed_nothing_is_compared_and_failures_group_by_kind() {
    let r = testing::report(vec![
        failed_row(StrategyKind::Sequential, &[0.0002], 3, "refused"),
        failed_row(StrategyKind::Async, &[0.0078], 3, "refused"),
    ]);
    assert!(r.strategies.iter().all(|s| s.speedup.is_none()));
    assert!(r.strategies.iter().all(|s| s.efficiency.is_none()));
    let v = r.verdict.unwrap();
    assert_eq!(v.fastest, None);
    assert!(v.speedups.is_empty());
    assert_eq!(v.not_comparable.len(), 2);
    assert_eq!(v.failures.len(), 1);
    let g = &v.failures[0];
    assert_eq!((g.kind.as_str(), g.devices), ("refused", 3));
    assert_eq!(g.named, ["R1", "R2", "R3"]);
    let rows: Vec<(&str, usize)> = g.rows.iter().map(|c| (c.row.as_str(), c.devices)).collect();
    assert_eq!(rows, [("sequential", 3), ("async", 3)]);
}

#[test]
fn an_external_run_that_failed_as_a_whole_is_not_compared() {
    let mut ext = sleeper(2);
    for (r, d) in ext.runs.iter_mut().zip([2, 0]) {
        (r.ok, r.failed) = (d, 2 - d);
    }
    if let Some(e) = &mut ext.external {
        e.run_errors = vec![Some(ErrorInfo {
            kind: "poller_failed".into(),
            message: "the poller exited with status 3".into(),
            phase: None,
            client_kind: None,
        })];
    }
    assert_eq!(
        comparability(&ext),
        Err(NotComparable::RunFailed {
            run: 1,
            kind: "poller_failed".into(),
            message: "the poller exited with status 3".into()
        })
    );
}

#[test]
fn failures_name_a_few_devices_and_count_them_once() {
    let mut a = strat(StrategyKind::Threads, &[1.0]);
    a.devices = (0..8)
        .map(|i| device(i, 0.0, 0.0, 1.0, (i < 7).then_some("timeout")))
        .collect();
    let mut b = strat(StrategyKind::Async, &[1.0]);
    b.devices = a.devices.clone();
    b.devices[7] = device(7, 0.0, 0.0, 1.0, Some("auth_rejected"));
    let r = testing::report(vec![a, b]);
    let g = failure_groups(&r);
    assert_eq!(g[0].kind, "timeout");
    assert_eq!(g[0].devices, 7);
    assert_eq!(g[0].named.len(), NAMED_DEVICES);
    assert_eq!(g[0].rows.len(), 2);
    assert_eq!((g[1].kind.as_str(), g[1].devices), ("auth_rejected", 1));
}

fn network(strategy: &str, retransmits: u64, handshake: f64, loss: f64) -> NetworkReport {
    NetworkReport {
        profile: "continental".into(),
        method: Method::Tun,
        biases: Vec::new(),
        classes: vec![ClassReport {
            name: "continental".into(),
            devices: 20,
            link: LinkParams {
                loss,
                ..LinkParams::rtt_ms(70)
            },
        }],
        session_round_trips: crate::network::session_round_trips(1, Method::Tun),
        lower_bound_s: 0.91,
        strategies: vec![StrategyNetwork {
            strategy: strategy.into(),
            round_trips: BTreeMap::from([
                ("connect".to_string(), 1.0),
                ("handshake".to_string(), handshake),
                ("command".to_string(), 1.1),
            ]),
            total_round_trips: 14.0,
            fastest_round_trips: 13.2,
            sessions: 20,
            traffic: Some(Traffic::default()),
            per_session: None,
            retransmits,
            retransmitting_sessions: 6,
        }],
    }
}

#[test]
fn the_machine_shaping_the_figures_is_flagged_with_its_figure() {
    // Two cores, 1.45 s of CPU in a 0.74 s run: 98% busy.
    let mut r = testing::report(vec![row(
        StrategyKind::Async,
        &[0.74, 0.74, 0.74],
        0.9,
        0.55,
        0.1,
    )]);
    r.network = Some(network("async", 9, 5.4, 0.0));
    let d = distortions(&r);
    assert!(
        d.iter().any(
            |x| matches!(x, Distortion::CpuBusy { busy, .. } if (busy - 1.45 / 1.48).abs() < 1e-9)
        ),
        "{d:?}"
    );
    assert!(
        d.contains(&Distortion::Retransmits {
            row: "async".into(),
            sessions: 6,
            of: 0,
            retransmits: 9
        }),
        "{d:?}"
    );
    assert!(
        d.contains(&Distortion::ExtraRoundTrips {
            row: "async".into(),
            phase: Phase::Handshake,
            measured: 5.4,
            model: 3
        }),
        "{d:?}"
    );
    // 1.1 round trips for a one-round-trip command: within the slack.
    assert!(
        !d.iter().any(|x| matches!(
            x,
            Distortion::ExtraRoundTrips {
                phase: Phase::Command,
                ..
            }
        )),
        "{d:?}"
    );
    // Loss configured: retransmissions are the link's. An idle machine: nothing flagged.
    let mut quiet = testing::report(vec![row(StrategyKind::Async, &[0.74], 0.1, 0.1, 0.1)]);
    quiet.network = Some(network("async", 9, 3.1, 0.01));
    assert_eq!(distortions(&quiet), Vec::new());
}
