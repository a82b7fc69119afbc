//! The verdict and the tables from a recorded tune: async's knee at 120 workers on 1 000
//! devices, logins timing out at the AAA server above 160, threads needing 150 for the same,
//! an external poller that peaks lower.

use super::*;
use fleetbench_report::tune::{
    FailureOnset, KneeModel, RateChoice, TuneChoice, TuneRun, TuneSettings,
};
use fleetbench_report::{StrategyId, StrategyKind};

fn run(wall_s: f64, failed: usize, why: Why) -> TuneRun {
    let mut kinds = BTreeMap::new();
    let mut client_kinds = BTreeMap::new();
    if failed > 0 {
        kinds.insert("aaa_timeout".to_string(), failed);
        client_kinds.insert("auth_rejected".to_string(), failed);
    }
    TuneRun {
        wall_s,
        ok: 1000 - failed,
        failed,
        logins: 1000,
        kinds,
        client_kinds,
        client_cpu_s: 1.0,
        server_cpu_s: 1.0,
        why,
    }
}

fn point(workers: usize, wall_s: f64, failed: usize, why: Why) -> TunePoint {
    TunePoint {
        workers,
        connect_rate: None,
        runs: vec![run(wall_s, failed, why)],
    }
}

fn search(name: StrategyId, workers: usize, wall_s: f64) -> TuneSearch {
    TuneSearch {
        strategy: name,
        max_workers: 1000,
        points: vec![
            point(1, 120.0, 0, Why::Start),
            point(
                workers,
                wall_s,
                0,
                Why::Knee {
                    below: 64,
                    above: 128,
                },
            ),
        ],
        answer: Some(TuneChoice {
            workers,
            throughput: 1000.0 / wall_s,
            wall_s,
            failed: 0,
            reason: Reason::Resolution {
                below: workers - 8,
                above: workers,
            },
        }),
        stopped: Reason::Resolution {
            below: workers - 8,
            above: workers,
        },
        failures: None,
        persistent: BTreeMap::new(),
        connect_rate: None,
        model: None,
        runs: 14,
        rate_runs: 0,
        logins: 14_000,
        grid_runs: 54,
    }
}

fn recorded() -> Report {
    let mut a = search(StrategyId::Builtin(StrategyKind::Async), 120, 14.2);
    a.points.push(point(
        256,
        14.0,
        37,
        Why::Climb {
            from: 64,
            to: 128,
            rise: Some(0.31),
        },
    ));
    a.failures = Some(FailureOnset {
        clean_up_to: 160,
        failing_from: 171,
        failed: 37,
        kinds: BTreeMap::from([("aaa_timeout".to_string(), 37)]),
        client_kinds: BTreeMap::from([("auth_rejected".to_string(), 37)]),
        settled: true,
    });
    a.connect_rate = Some(RateChoice {
        workers: 171,
        connect_rate: 75.0,
        throughput: 72.0,
        wall_s: 13.9,
        failed: 0,
        failing_from: Some(94.0),
    });
    a.model = Some(KneeModel {
        session_s: 0.12,
        aaa_per_s: Some(800.0),
        cpu_per_s: Some(1200.0),
        ceiling_per_s: 800.0,
        limit: "aaa".to_string(),
        workers: 91.2,
        plateau_per_s: Some(70.4),
        poller_cores: Some(0.4),
        busy_cores: Some(0.9),
    });
    let t = search(StrategyId::Builtin(StrategyKind::Threads), 150, 14.5);
    let mut x = search(StrategyId::External("netmiko".to_string()), 40, 25.0);
    x.stopped = Reason::LoginBudget {
        spent: 9000,
        budget: 10000,
    };
    x.persistent = BTreeMap::from([("refused".to_string(), 2)]);
    let mut r = fleetbench_report::testing::report(Vec::new());
    r.fleet.devices = 1000;
    r.tune = Some(TuneInfo {
        settings: TuneSettings {
            tolerance: 0.05,
            failure_budget: 0,
            resolution: 0.1,
            start_workers: 1,
            max_runs_per_point: 3,
            login_budget: Some(30_000),
            time_budget_s: None,
            cautious: false,
            probe: true,
        },
        searches: vec![t, a, x],
        logins: 37_000,
        elapsed_s: 600.0,
        aaa_per_s: Some(800.0),
        cores: 2,
    });
    r
}

#[test]
fn the_verdict_says_what_to_use_and_what_happens_above_it() {
    let v = verdict(&recorded());
    assert_eq!(
        v[0],
        "async, 120 workers: 1 000 devices in 14.20 s, 0 failed; above 160 workers logins \
         time out at the AAA server (aaa_timeout x37; the client saw auth_rejected x37); \
         threads needs 150 workers for the same; netmiko at its knee: 40.0/s with 40 workers \
         (43% slower)"
    );
    assert_eq!(
        v[1],
        "async: at 171 workers the failures are about the rate of new logins: --connect-rate \
         75 keeps them clean (1 000 in 13.90 s, 0 failed, no faster than the knee: use it to \
         run more workers safely)"
    );
    assert!(
        v[2].starts_with("netmiko: 2 devices failed already at the lowest count"),
        "{v:?}"
    );
    assert!(v[2].contains("refused x2"), "{v:?}");
    assert!(
        v[3].starts_with("netmiko: the search ended early (its login budget: 9000 of 10000"),
        "{v:?}"
    );
    assert_eq!(v.len(), 4, "{v:?}");
}

#[test]
fn the_fastest_for_the_fewest_workers_comes_first() {
    let mut r = recorded();
    let t = r.tune.as_mut().unwrap();
    // threads 10% faster than async: it is the answer, async the slower one.
    t.searches[0].answer.as_mut().unwrap().throughput = 1000.0 / 14.2 * 1.1;
    let v = verdict(&r);
    assert!(v[0].starts_with("threads, 150 workers:"), "{}", v[0]);
    assert!(
        v[0].contains("async at its knee: 70.4/s with 120 workers (9% slower)"),
        "{}",
        v[0]
    );
    assert!(
        v[0].contains("no failures up to 150 workers (the most tried)"),
        "{}",
        v[0]
    );
}

#[test]
fn a_search_with_no_answer_or_still_rising_says_so() {
    let mut r = recorded();
    let t = r.tune.as_mut().unwrap();
    t.searches.truncate(1);
    t.searches[0].stopped = Reason::MostWorkers { workers: 150 };
    let v = verdict(&r);
    assert!(
        v[0].ends_with("still faster at 150 workers (the most it may try: raise --max-workers)"),
        "{}",
        v[0]
    );
    t_mut(&mut r).searches[0].answer = None;
    t_mut(&mut r).searches[0].stopped = Reason::FailsAtLowest { workers: 1 };
    let v = verdict(&r);
    assert_eq!(
        v,
        ["threads: no worker count polled cleanly (every device failed already at 1 worker)"]
    );
    assert!(verdict(&fleetbench_report::testing::report(Vec::new())).is_empty());
}

#[test]
fn a_poller_that_is_its_own_limit_is_told_so_with_the_cores_it_used() {
    let mut r = recorded();
    let t = t_mut(&mut r);
    // netmiko as in the guide's worked example: flat near 109/s on one of two cores.
    t.searches[2].model = Some(KneeModel {
        session_s: 0.374,
        aaa_per_s: Some(800.0),
        cpu_per_s: Some(185.2),
        ceiling_per_s: 108.7,
        limit: "poller".to_string(),
        workers: 38.6,
        plateau_per_s: Some(108.7),
        poller_cores: Some(1.05),
        busy_cores: Some(1.21),
    });
    let own = "netmiko is its own limit: it levels off at 109/s with 1.1 of 2 cores busy at its \
               best, below what the fleet and this machine allow (the AAA server's 800/s, the \
               CPU's 185/s): it runs on about one core at a time (as a Python thread pool \
               does): more workers will not help, several processes may";
    let v = verdict(&r);
    assert!(v.contains(&own.to_string()), "{v:#?}");
    let table = table(t_mut(&mut r));
    assert!(
        table.contains(
            "netmiko    model knee 38.6 workers = (1 - 5%) x 109/s (its own plateau: the poller \
             is its limit) x 374.0 ms"
        ),
        "{table}"
    );
    // A poller held back at a third of a core is not said to run on one.
    t_mut(&mut r).searches[2]
        .model
        .as_mut()
        .unwrap()
        .poller_cores = Some(0.3);
    let v = verdict(&r);
    let line = v
        .iter()
        .find(|l| l.starts_with("netmiko is its own limit"))
        .unwrap();
    assert!(line.contains("with 0.3 of 2 cores busy"), "{line}");
    assert!(line.ends_with("something inside it holds it back (a lock, a pool, a pause between devices), not the fleet or the CPU"), "{line}");
    assert!(!line.contains("Python"), "{line}");
    // Another limit says nothing of the kind.
    t_mut(&mut r).searches[2].model.as_mut().unwrap().limit = "cpu".to_string();
    assert!(!verdict(&r).iter().any(|l| l.contains("its own limit")));
}

fn t_mut(r: &mut Report) -> &mut TuneInfo {
    r.tune.as_mut().unwrap()
}

#[test]
fn a_real_fleet_s_rate_trouble_gets_the_knee_s_rate_as_advice() {
    let mut r = recorded();
    let t = t_mut(&mut r);
    t.settings.cautious = true;
    t.searches.truncate(2);
    t.searches[1].connect_rate = None;
    t.searches[1].stopped = Reason::Trouble { workers: 171 };
    let v = verdict(&r);
    assert!(
        v.contains(
            &"async: the trouble at 171 workers is about the rate of new logins (aaa_timeout): \
              --connect-rate 70 (what 120 workers sustained cleanly) lets more workers run \
              without raising it"
                .to_string()
        ),
        "{v:#?}"
    );
    assert!(
        v.iter().any(|l| l
            .starts_with("async: stopped climbing at the first sign of trouble, at 171 workers")),
        "{v:#?}"
    );
}

#[test]
fn runs_that_spread_more_than_the_tolerance_are_flagged() {
    let mut r = recorded();
    let t = t_mut(&mut r);
    t.searches.truncate(1);
    t.searches[0].points[1].runs.push(run(20.0, 0, Why::Start));
    let v = verdict(&r);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v[1].starts_with("threads: repeated runs spread by 32%"),
        "{v:?}"
    );
}

#[test]
fn the_lines_while_it_searches_say_why() {
    let r = recorded();
    let a = &r.tune.as_ref().unwrap().searches[1];
    assert_eq!(
        run_line("async", &a.points[2]),
        "tune: async        256 workers: 1 000 in 14.00 s (68.8/s), 37 failed (aaa_timeout x37)  \
         [doubling: throughput rose 31% from 64 to 128 workers]"
    );
    assert_eq!(
        search_line(a),
        "tune: async: 120 workers (70.4/s, the knee is between 112 and 120 workers: within the \
         resolution); 14 runs and 14000 logins (a grid at the same resolution: 54 runs)"
    );
    for w in [
        Why::Start,
        Why::Repeat {
            of: 150,
            spread: 0.06,
            margin: 0.02,
        },
        Why::Onset {
            clean: 160,
            failing: 181,
        },
        Why::Rate {
            workers: 171,
            clean: Some(75.0),
            failing: Some(94.0),
        },
    ] {
        assert!(!why_text(&w).is_empty());
    }
}

#[test]
fn the_tables_and_the_page() {
    let r = recorded();
    let t = r.tune.as_ref().unwrap();
    let table = table(t);
    assert!(table.contains(">160 aaa_timeout"), "{table}");
    assert!(table.contains("75.0/s@171w"), "{table}");
    assert!(table.contains("14 (54)"), "{table}");
    assert!(table.contains("model knee 91.2 workers"), "{table}");
    assert!(table.contains("found/model 1.32"), "{table}");
    let points = points_table(&t.searches[1]);
    assert_eq!(points.lines().count(), 4, "{points}");
    // The page opens with the verdict and the plot, and stays well-formed XML.
    let page = crate::present::html::report_page(&r, &Default::default());
    assert!(page.contains("Throughput and failures against workers: 1000 devices"));
    assert!(page.contains("async, 120 workers"));
    roxmltree::Document::parse_with_options(
        &page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        page.find("async, 120 workers").unwrap() < page.find("Wall time per strategy").unwrap()
    );
}

#[test]
fn numbers_read_as_in_a_sentence() {
    assert_eq!(thousands(1000), "1 000");
    assert_eq!(thousands(25_000), "25 000");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_234_567), "1 234 567");
    assert_eq!(
        (rate(806.4), rate(12.54), rate(2.5)),
        ("806/s".into(), "12.5/s".into(), "2.50/s".into())
    );
}
