//! Unit tests of `plot` (kept beside it so the module reads as code).

use super::axes::{axis_decimals, linear_axis, log_axis};
use super::*;
use fleetbench_report::StrategyKind;
use fleetbench_report::testing::full_report;

/// The text of every `<text>` element of an SVG.
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// A label that is a number has at most 3 decimals and no float noise (`0.6000000000000001`,
/// `1.7999999999999998`).
fn assert_readable_numbers(svg: &str, what: &str) {
    let numbers: Vec<String> = svg_texts(svg)
        .into_iter()
        .filter(|t| t.parse::<f64>().is_ok())
        .collect();
    assert!(
        numbers.len() >= 3,
        "{what}: too few tick labels: {numbers:?}"
    );
    for t in &numbers {
        let decimals = t.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 3, "{what}: tick label {t:?} in {numbers:?}");
    }
}

#[test]
fn axis_precision_follows_the_tick_step() {
    // 0..1.854 s in 10 labels: a 0.2 s step, one decimal.
    assert_eq!(axis_decimals(0.0, 1.854, 10), 1);
    // 0..11.6: steps of 1 or 2, no decimals.
    assert_eq!(axis_decimals(0.0, 11.6, 10), 0);
    // 0..0.42: 0.05 steps, two decimals.
    assert_eq!(axis_decimals(0.0, 0.42, 10), 2);
    let f = linear_axis(0.0, 1.854);
    assert_eq!(f(&0.6000000000000001), "0.6");
    assert_eq!(f(&1.7999999999999998), "1.8");
    assert_eq!(f(&-1e-17), "0.0");
    assert_eq!(f(&1.0), "1.0");
    assert_eq!(log_axis(&0.30000000000000004), "0.3");
    assert_eq!(log_axis(&2000.0), "2000");
    assert_eq!(log_axis(&0.015), "0.015");
}

#[test]
fn every_plot_has_readable_tick_labels() {
    for n in [1, 3, 7, 40] {
        let r = full_report(n);
        assert_readable_numbers(&wall_time(&r).unwrap(), &format!("wall n={n}"));
        for s in &r.strategies {
            let svg = timeline(&r, s).unwrap();
            assert_readable_numbers(&svg, &format!("timeline {} n={n}", s.strategy));
        }
    }
    let points: Vec<ScalingPoint> = [1, 10, 100, 1000]
        .into_iter()
        .flat_map(|n| {
            let mut r = full_report(3);
            r.fleet.devices = n;
            for s in &mut r.strategies {
                s.wall_s.median *= n as f64 * 0.1;
                s.wall_s.max *= n as f64 * 0.1;
                s.wall_s.min *= n as f64 * 0.1;
            }
            ScalingPoint::from_report(&r)
        })
        .collect();
    assert_readable_numbers(&scaling(&points, "profile lan").unwrap(), "scaling");
}

#[test]
fn plots_are_self_contained_svg() {
    let r = full_report(3);
    for svg in [
        wall_time(&r).unwrap(),
        timeline(&r, &r.strategies[1]).unwrap(),
    ] {
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        // No external reference: no image, no link, no stylesheet, no font file.
        for bad in ["<image", "href=", "@import", "url("] {
            assert!(!svg.contains(bad), "{bad} in an SVG");
        }
    }
}

/// The RTT plot: a line per strategy, both bounds, the networks named in the legend (near
/// ones share a spot on the axis), readable tick labels.
#[test]
fn wall_against_rtt_names_networks_and_both_bounds() {
    let point = |strategy, network: &str, rtt_ms: f64, median_s: f64| RttPoint {
        strategy,
        network: network.to_string(),
        rtt_ms,
        median_s,
        min_s: median_s * 0.9,
        max_s: median_s * 1.1,
    };
    let mut points = Vec::new();
    for (network, rtt) in [("local", 0.0), ("campus", 2.0), ("transpacific", 175.0)] {
        let session = 0.003 + 13.0 * rtt / 1e3;
        points.push(point(
            StrategyKind::Sequential,
            network,
            rtt,
            50.0 * session,
        ));
        points.push(point(StrategyKind::Async, network, rtt, session * 1.2));
    }
    points.push(point(
        StrategyKind::Async,
        "rtt=80ms,jitter=5ms,loss=1%",
        80.0,
        1.3,
    ));
    let svg = wall_vs_rtt(&points, 13, 50, "50 devices").unwrap();
    let texts = svg_texts(&svg);
    for label in [
        "sequential",
        "async",
        "13 x RTT",
        "50 x 13 x RTT",
        "networks:",
        "local 0 ms",
        "campus 2 ms",
        "transpacific 175 ms",
        "rtt=80ms,jitt… 80 ms",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t == "threads"), "{texts:?}");
    assert_readable_numbers(&svg, "wall against RTT");
    // One fleet: no one-at-a-time bound.
    let one = svg_texts(&wall_vs_rtt(&points, 13, 1, "1 device").unwrap());
    assert!(!one.iter().any(|t| t.contains("x 13 x")), "{one:?}");
}

#[test]
fn log_axes_get_few_round_ticks_and_never_none() {
    use super::axes::log_ticks;
    let labels = |lo, hi| -> Vec<String> { log_ticks(lo, hi).iter().map(log_axis).collect() };
    assert_eq!(
        labels(0.8, 1250.0),
        ["1", "2", "5", "10", "20", "50", "100", "200", "500", "1000"]
    );
    // 0.02-1.2 s: seven labels, not two.
    assert_eq!(
        labels(0.012, 2.2),
        ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
    );
    assert_eq!(log_ticks(1.0, 1e8).len(), 9);
    // One fleet size: 40-62.5 devices still has labels.
    let one = log_ticks(40.0, 62.5);
    assert!(one.len() >= 3, "{one:?}");
    assert!(log_ticks(0.0, 1.0).is_empty());
}

/// Every row of a timeline can be found (a label each, or every k-th, and a tooltip each),
/// and a failed device is drawn over its phases with its kind, even a refused one that
/// lasted no time.
#[test]
fn timelines_find_every_row_and_show_failures_on_top() {
    let mut r = full_report(40);
    let s = &mut r.strategies[1];
    // A refused device: no phases, no time.
    let d = &mut s.devices[5];
    d.ok = false;
    d.phases.clear();
    d.ended_unix = d.started_unix;
    d.error = Some(fleetbench_report::ErrorInfo {
        kind: "refused".into(),
        message: "connection refused by 127.0.0.1:9".into(),
        phase: Some(fleetbench_report::Phase::Connect),
        client_kind: None,
    });
    let svg = timeline(&r, &r.strategies[1]).unwrap();
    let texts = svg_texts(&svg);
    for i in 1..=40 {
        assert!(
            texts.iter().any(|t| *t == format!("R{i}")),
            "R{i}: {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t == "refused"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "timeout"), "{texts:?}");
    assert_eq!(svg.matches("<title>").count(), 40);
    assert!(svg.contains("<title>R6 (127.0.0.1:10006): FAILED refused: connection refused by 127.0.0.1:9 in 0.0 ms</title>"), "{svg}");
    // The failed bars come after (over) every phase's.
    let black = svg.rfind("fill=\"#000000\"").unwrap();
    let command = svg
        .rfind(&format!("fill=\"#{:02X}{:02X}{:02X}\"", 0x1f, 0x77, 0xb4))
        .unwrap();
    assert!(black > command, "failed bars under the phases");
    // A big fleet: rows labelled every k-th, and still one tooltip each.
    let big = full_report(100);
    let svg = timeline(&big, &big.strategies[3]).unwrap();
    let labels = svg_texts(&svg)
        .iter()
        .filter(|t| t.starts_with('R') && t[1..].parse::<u32>().is_ok())
        .count();
    assert!((34..=50).contains(&labels), "{labels}");
    assert_eq!(svg.matches("<title>").count(), 100);
}

/// No plot draws a minor grid (plotters' light lines, `opacity="0.1"`): at small scales they
/// made a grey smear between the labelled lines.
#[test]
fn no_plot_draws_a_minor_grid() {
    let r = full_report(7);
    let mut svgs = vec![
        ("wall", wall_time(&r).unwrap()),
        ("timeline", timeline(&r, &r.strategies[2]).unwrap()),
        ("latency", latency_cdf(&r).unwrap()),
    ];
    let points: Vec<ScalingPoint> = [3, 30, 300]
        .into_iter()
        .flat_map(|n| {
            let mut r = full_report(3);
            r.fleet.devices = n;
            ScalingPoint::from_report(&r)
        })
        .collect();
    svgs.push(("scaling", scaling(&points, "x").unwrap()));
    let workers: Vec<WorkersPoint> = [2, 8, 32]
        .into_iter()
        .flat_map(|w| {
            let mut r = full_report(3);
            for s in &mut r.strategies {
                s.workers = if s.strategy.kind() == Some(StrategyKind::Sequential) {
                    1
                } else {
                    w
                };
            }
            WorkersPoint::from_report(&r)
        })
        .collect();
    svgs.push(("workers", wall_vs_workers(&workers, "x").unwrap()));
    for (what, svg) in svgs {
        assert_eq!(
            svg.matches("opacity=\"0.1\"").count(),
            0,
            "{what}: a minor grid"
        );
        assert_readable_numbers(&svg, what);
    }
}
