//! A whole sweep into a folder: the domain's points, the presentation's files, written.

use super::*;
use crate::present::sweep::CSV_HEADER;
use fleetbench_emulator::Profile;
use fleetbench_report::{Report, StrategyKind};
use std::path::Path;

fn opts(dir: &Path) -> SweepOptions {
    SweepOptions {
        sizes: vec![1, 3],
        profile_spec: Profile::by_name("instant").unwrap(),
        workers: vec![None],
        strategies: vec![StrategyKind::Sequential, StrategyKind::Threads],
        profile: "instant".into(),
        seed: 1,
        runs: 1,
        warmup: 0,
        commands: vec!["show clock".into()],
        out: dir.to_path_buf(),
        worker_exe: None,
        timeline_max: 100,
        command_line: "fleetbench sweep (test)".into(),
        stop: Stop::new(),
        inventory: None,
    }
}

#[test]
fn sweep_writes_reports_csv_summary_setup_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(dir.path());
    let (points, files, _) = sweep_into(&o, &fleetbench_client::observe::Quiet).unwrap();
    assert_eq!(exit_code(points.iter().map(|p| &p.report)), EXIT_OK);
    assert_eq!(
        points
            .iter()
            .map(|p| p.report.strategies.len())
            .sum::<usize>(),
        4,
        "2 sizes x 2 strategies x 1 worker setting"
    );
    assert!(files.written.iter().all(|f| f.starts_with(dir.path())));
    for f in [
        "setup.md",
        "summary.md",
        "sweep.csv",
        "report-n1-wdefault.json",
        "report-n3-wdefault.json",
        "scaling.svg",
        "wall-n3.svg",
        "timeline-n3-threads.svg",
        "index.html",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 5);
    let cols = CSV_HEADER.split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == cols));
    assert!(lines[1].starts_with("1,sequential,default,1,1,"));
    // The raw report reads back, with latencies filled in.
    let rep: Report =
        serde_json::from_slice(&std::fs::read(dir.path().join("report-n3-wdefault.json")).unwrap())
            .unwrap();
    let threads = &rep.strategies[1];
    assert_eq!(threads.latency_s["total"].count, 3);
    assert!(threads.efficiency.is_some());
    let setup = std::fs::read_to_string(dir.path().join("setup.md")).unwrap();
    assert!(setup.contains("profile `instant`"));
    assert!(setup.contains("fleetbench sweep (test)"));
    let svg = std::fs::read_to_string(dir.path().join("scaling.svg")).unwrap();
    assert!(svg.contains("<text") && svg.contains("CPU bound"));
}

/// `--workers-list` over one size: no lone-dot scaling plot, a wall-against-workers plot with
/// labelled axes, and every legend entry drawn.
#[test]
fn one_size_with_several_worker_counts_plots_wall_against_workers() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.sizes = vec![3];
    o.workers = vec![Some(1), Some(2), Some(3)];
    o.strategies = vec![
        StrategyKind::Sequential,
        StrategyKind::Threads,
        StrategyKind::Async,
    ];
    let (_, _, page) = sweep_into(&o, &fleetbench_client::observe::Quiet).unwrap();
    assert!(
        !dir.path().join("scaling.svg").exists(),
        "a one-size scaling plot"
    );
    let svg = std::fs::read_to_string(dir.path().join("workers-n3.svg")).unwrap();
    let texts = crate::present::plot::tests::svg_texts(&svg);
    let ticks = texts.iter().filter(|t| t.parse::<f64>().is_ok()).count();
    assert!(ticks >= 6, "axes without labels: {texts:?}");
    for label in ["threads", "async", "CPU bound"] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.starts_with("sequential (")),
        "{texts:?}"
    );
    assert!(
        page.contains("Wall time against workers"),
        "not on the page"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains("(workers-n3.svg)") && !summary.contains("scaling"),
        "{summary}"
    );
}
