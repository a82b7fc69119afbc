use super::*;
use crate::shard::{Selection, Shard, ShardSource};
use fleetbench_report::Phase;
use fleetbench_report::PhaseTime;
use fleetbench_report::histo::TOTAL;
use fleetbench_report::testing;

/// A device result with seeded, varied phase times (no clock, no I/O).
fn device(i: usize, run_start: f64) -> DeviceResult {
    // A small multiplicative hash: deterministic, spread over a few milliseconds.
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let connect = 0.0002 + (x % 500) as f64 * 1e-6;
    let command = 0.001 + (x % 7919) as f64 * 1e-6;
    let phases = vec![
        PhaseTime {
            phase: Phase::Connect,
            index: None,
            start_s: 0.0,
            secs: connect,
        },
        PhaseTime {
            phase: Phase::Command,
            index: Some(0),
            start_s: connect,
            secs: command,
        },
    ];
    let started = run_start + (i % 10) as f64 * 0.01;
    DeviceResult {
        name: format!("R{}", i + 1),
        host: "127.0.0.1".into(),
        port: 10_001 + i as u16,
        ok: i % 13 != 5,
        outputs: vec![fleetbench_report::CommandOutput {
            command: "show run | include hostname".into(),
            output: format!("hostname R{}", i + 1),
        }],
        error: None,
        started_unix: started,
        ended_unix: started + connect + command,
        phases,
        host_key: None,
        new_host_key: None,
        worker: "thread t".into(),
        tcp: None,
        attempts: 1,
        retried: Vec::new(),
    }
}

/// A report of `results` (one strategy, `runs.len()` runs), as `compare::measure` builds it.
fn report_of(results: &[DeviceResult], runs: Vec<RunSummary>, shard: Option<ShardInfo>) -> Report {
    let mut s = testing::strat(StrategyKind::Async, &[1.0]);
    let h = LatencyHistograms::from_results(results).unwrap();
    s.latency_s = h.percentiles();
    s.histograms = h.encode().unwrap();
    s.devices = results.to_vec();
    s.wall_s = Spread::of(&runs.iter().map(|r| r.wall_s).collect::<Vec<_>>());
    s.runs = runs;
    s.workers = results.len();
    s.peak_rss_bytes = 1000 + results.len() as u64;
    let mut r = testing::report(vec![s]);
    r.fleet.devices = results.len();
    r.shard = shard;
    r
}

fn run_at(start: f64, wall: f64, cpu: f64, ok: usize) -> RunSummary {
    RunSummary {
        started_unix: start,
        ended_unix: start + wall,
        wall_s: wall,
        ok,
        ..testing::run(wall, cpu, 0)
    }
}

/// The whole fleet's results, its single report, and `count` shard reports of it; shard i
/// starts its two runs at 100 + i/100 and 200 + i/100 s.
fn fleet(n: usize, count: usize) -> (Vec<DeviceResult>, Vec<(String, Report)>) {
    let all: Vec<DeviceResult> = (0..n).map(|i| device(i, 100.0)).collect();
    let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
    let shards = (0..count)
        .map(|i| {
            let sel =
                Selection::new(Shard::new(i, count).unwrap(), ShardSource::Flag, &names).unwrap();
            let mine = sel.keep(all.clone());
            let lag = i as f64 / 100.0;
            let runs = vec![
                run_at(100.0 + lag, 1.0 + lag, 0.5, mine.len()),
                run_at(200.0 + lag, 2.0, 0.25, mine.len()),
            ];
            let mut r = report_of(&mine, runs, Some(sel.info));
            r.machine.hostname = format!("node{}", i % 2);
            (format!("shard-{i}.json"), r)
        })
        .collect();
    (all, shards)
}

#[test]
fn merged_shards_equal_the_single_run() {
    let (all, shards) = fleet(103, 8);
    let single = report_of(&all, vec![run_at(100.0, 1.0, 1.0, 103)], None);
    // Any order of the files.
    let mut shuffled = shards.clone();
    shuffled.reverse();
    shuffled.swap(2, 5);
    let m = merge(&shuffled).unwrap();
    let (ms, ss) = (&m.strategies[0], &single.strategies[0]);
    assert_eq!(ms.devices, ss.devices, "same devices, inventory order");
    assert_eq!(m.fleet.devices, 103);
    let a = LatencyHistograms::decode(&ms.histograms).unwrap();
    let b = LatencyHistograms::decode(&ss.histograms).unwrap();
    for key in ["connect", "command", TOTAL] {
        assert_eq!(a.get(key), b.get(key), "{key} histogram");
    }
    assert_eq!(
        ms.latency_s, ss.latency_s,
        "percentiles from the summed histograms"
    );
    assert!(m.shard.is_none());
    let info = m.merged.as_ref().unwrap();
    assert_eq!(info.shards, 8);
    assert_eq!(
        info.shard_reports
            .iter()
            .map(|s| s.index)
            .collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    assert_eq!(
        info.shard_reports.iter().map(|s| s.devices).sum::<usize>(),
        103
    );
    assert!(info.clock.contains("clocks agree"));
    // Two machines named in the shards: their cores counted once each.
    assert_eq!(m.machine.hostname, "node0,node1");
    assert_eq!(m.machine.cores, 4);
}

#[test]
fn runs_align_by_index_wall_from_first_start_to_last_end_cpu_summed() {
    let (_, shards) = fleet(40, 4);
    let m = merge(&shards).unwrap();
    let s = &m.strategies[0];
    assert_eq!(s.runs.len(), 2);
    // Run 0: shard 0 starts at 100.00, shard 3 ends at 100.03 + 1.03.
    assert!((s.runs[0].started_unix - 100.0).abs() < 1e-9);
    assert!((s.runs[0].wall_s - 1.06).abs() < 1e-9, "{:?}", s.runs[0]);
    // Run 1: 200.00 to 200.03 + 2.
    assert!((s.runs[1].wall_s - 2.03).abs() < 1e-9, "{:?}", s.runs[1]);
    assert!((s.runs[0].cpu.total_s() - 4.0 * 0.5).abs() < 1e-9);
    assert!((s.runs[1].cpu.total_s() - 4.0 * 0.25).abs() < 1e-9);
    assert_eq!(s.runs[0].ok, 40);
    assert!((s.cpu_per_device_s - s.cpu_s.median / 40.0).abs() < 1e-12);
    let info = m.merged.as_ref().unwrap();
    assert!((info.start_spread_s[0] - 0.03).abs() < 1e-9);
    // Peak RSS: each shard's kept; the strategy's is the largest single process's.
    let peaks: Vec<u64> = info
        .shard_reports
        .iter()
        .map(|r| r.strategies[0].peak_rss_bytes)
        .collect();
    assert_eq!(peaks, vec![1010; 4]);
    assert_eq!(s.peak_rss_bytes, 1010);
}

#[test]
fn missing_and_duplicated_shards_are_named() {
    let (_, shards) = fleet(40, 8);
    let mut some = shards.clone();
    some.remove(6);
    some.remove(3);
    let e = merge(&some).unwrap_err();
    assert!(matches!(&e, MergeError::Missing { missing, .. } if missing == &vec![3, 6]));
    assert_eq!(
        e.to_string(),
        "shards 3, 6 of 8 missing: have 0, 1, 2, 4, 5, 7"
    );
    let mut twice = shards.clone();
    twice.push(("again.json".into(), shards[5].1.clone()));
    let e = merge(&twice).unwrap_err();
    assert_eq!(
        e.to_string(),
        "shard 5/8 is given twice: shard-5.json and again.json"
    );
    assert!(matches!(merge(&[]), Err(MergeError::NoReports)));
}

#[test]
fn different_setups_are_refused_with_the_difference_named() {
    let (_, shards) = fleet(40, 4);
    type Change = Box<dyn Fn(&mut Report)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "the fleetbench version is 9.9.9 there but 0.1.0",
            Box::new(|r| r.fleetbench_version = "9.9.9".into()),
        ),
        (
            "the command list",
            Box::new(|r| r.commands = vec!["show version".into()]),
        ),
        (
            "the profile",
            Box::new(|r| r.fleet.profile = Some("instant".into())),
        ),
        (
            "the fleet is an inventory there",
            Box::new(|r| r.fleet.emulated = false),
        ),
        (
            "the fleet's device names",
            Box::new(|r| {
                if let Some(s) = r.shard.as_mut() {
                    s.fleet_digest = "0".into()
                }
            }),
        ),
        (
            "the strategy list",
            Box::new(|r| r.strategies[0].strategy = StrategyKind::Threads.into()),
        ),
        (
            "the number of measured runs of async",
            Box::new(|r| {
                r.strategies[0].runs.pop();
            }),
        ),
        (
            "the shard count is 5",
            Box::new(|r| {
                if let Some(s) = r.shard.as_mut() {
                    s.count = 5
                }
            }),
        ),
    ];
    for (want, change) in cases {
        let mut v = shards.clone();
        change(&mut v[2].1);
        let e = merge(&v).unwrap_err().to_string();
        assert!(e.contains(want), "{want:?} not in {e:?}");
        assert!(e.starts_with("shard-2.json"), "{e}");
    }
    let mut v = shards.clone();
    v[1].1.shard = None;
    assert_eq!(
        merge(&v).unwrap_err().to_string().split(' ').next(),
        Some("shard-1.json")
    );
}

#[test]
fn inconsistent_positions_are_refused() {
    let (_, shards) = fleet(40, 4);
    let mut v = shards.clone();
    let taken = v[1].1.shard.as_ref().unwrap().positions[0];
    if let Some(s) = v[0].1.shard.as_mut() {
        s.positions[0] = taken;
    }
    let e = merge(&v).unwrap_err().to_string();
    assert!(e.contains("in another shard too"), "{e}");
    let mut v = shards.clone();
    v[0].1.strategies[0].devices.pop();
    assert!(
        merge(&v)
            .unwrap_err()
            .to_string()
            .contains("device results")
    );
}

#[test]
fn a_merged_report_reads_back_and_passes_the_gate_and_the_exporters() {
    let (_, shards) = fleet(40, 4);
    let m = merge(&shards).unwrap();
    let text = serde_json::to_string(&m).unwrap();
    let back: Report = serde_json::from_str(&text).unwrap();
    let (a, b) = (back.merged.as_ref().unwrap(), m.merged.as_ref().unwrap());
    assert_eq!((a.shards, &a.fleet_digest), (b.shards, &b.fleet_digest));
    let names = |r: &Report| -> Vec<String> {
        r.strategies[0]
            .devices
            .iter()
            .map(|d| d.name.clone())
            .collect()
    };
    assert_eq!(names(&back), names(&m));
    let outcome = crate::check::check(
        &back,
        &m,
        &crate::check::Thresholds::default(),
        &crate::check::Rows::all(),
    )
    .unwrap();
    assert_eq!(outcome.regressions(), 0);
    for kind in [
        crate::present::export::ExportKind::Bencher,
        crate::present::export::ExportKind::Github,
    ] {
        assert!(
            !crate::present::export::render(kind, &back)
                .unwrap()
                .is_empty()
        );
    }
    let plots = crate::present::plot::report_plots(&back, "").unwrap();
    let names: Vec<&str> = plots.iter().map(|(n, _)| n.as_str()).collect();
    // The wall time, the latency distribution (from the merged histograms), a timeline.
    assert_eq!(names, ["wall.svg", "latency.svg", "timeline-async.svg"]);
}

#[test]
fn reports_older_than_ended_unix_still_merge() {
    let (_, mut shards) = fleet(20, 2);
    for (_, r) in &mut shards {
        for run in &mut r.strategies[0].runs {
            run.ended_unix = 0.0;
        }
    }
    let m = merge(&shards).unwrap();
    assert!((m.strategies[0].runs[1].wall_s - 2.01).abs() < 1e-9);
}

/// Numbers a shard report claims are checked against the fleet they describe before
/// anything is sized from them: a shard count near 2^64, a fleet of 2^40 devices, and
/// histograms counting 2^60 sessions of a 10-device shard were an abort or a silent merge.
#[test]
fn shard_claims_are_checked_against_the_fleet_before_allocating() {
    let (_, shards) = fleet(10, 2);
    let mut huge = shards.clone();
    for (_, r) in &mut huge {
        r.shard.as_mut().unwrap().count = usize::MAX;
    }
    let e = merge(&huge).unwrap_err();
    assert!(
        e.to_string()
            .contains("a shard count of 18446744073709551615 is not between 1 and"),
        "{e}"
    );

    let mut big = shards.clone();
    for (_, r) in &mut big {
        r.shard.as_mut().unwrap().fleet_devices = 1 << 40;
    }
    let e = merge(&big).unwrap_err();
    assert!(
        e.to_string()
            .contains("hold 10 device positions in all, but say the fleet has 1099511627776"),
        "{e}"
    );

    // Two of many shards given: the missing ones are counted, not all listed.
    let mut many = shards.clone();
    for (_, r) in &mut many {
        r.shard.as_mut().unwrap().count = 100_000;
    }
    let e = merge(&many).unwrap_err();
    assert!(
        e.to_string().contains("and 99978 more of 100000 missing"),
        "{e}"
    );

    let mut heavy = shards.clone();
    let s = &mut heavy[1].1.strategies[0];
    let mut h = LatencyHistograms::new();
    h.record_many(TOTAL, 0.001, 1 << 60).unwrap();
    s.histograms = h.encode().unwrap();
    let e = merge(&heavy).unwrap_err();
    assert!(
        e.to_string()
            .contains("count 1152921504606846976 sessions, more than its 5 devices in 2 runs"),
        "{e}"
    );
}
