//! Unit tests of `present::steady`: the cycle line, the tables, the notes; and the poll
//! pictures drawn from the same runs.

use super::*;
use fleetbench_report::steady::{
    Cycle, DeviceSessions, OnLate, PollCounts, SessionMode, SideUsage, SteadyRun,
};
use fleetbench_report::{Percentiles, StrategyKind};

fn pct(p50: f64, p99: f64) -> Percentiles {
    Percentiles {
        p50,
        p90: p99,
        p99,
        max: p99,
        count: 100,
    }
}

fn run(mode: SessionMode, cpu_per_poll: f64, session: f64) -> SteadyRun {
    SteadyRun {
        sessions: mode,
        strategy: StrategyKind::Async,
        workers: 10,
        started_unix: 0.0,
        wall_s: 600.0,
        cycles: 60,
        cycles_over_interval: 0,
        polls: PollCounts {
            due: 6000,
            ok: 6000,
            ..PollCounts::default()
        },
        failures: Default::default(),
        lag_s: pct(0.001, 0.01),
        latency_s: pct(0.01, 0.05),
        session_s: pct(session, session * 2.0),
        histograms: Default::default(),
        sessions_opened: if mode == SessionMode::Keep { 100 } else { 6000 },
        reconnects: 0,
        backlog_max: 0,
        client: SideUsage {
            cpu_s: cpu_per_poll * 6000.0,
            cpu_per_poll_s: cpu_per_poll,
            rss_after_first_minute_bytes: 40 << 20,
            rss_max_bytes: 41 << 20,
            rss_last_bytes: 41 << 20,
        },
        server: None,
        device_sessions: Some(DeviceSessions {
            source: SessionSource::Emulator,
            max: 100,
            last: 100,
            mean: 99.5,
        }),
        series: Vec::new(),
        interrupted: false,
    }
}

fn report(runs: Vec<SteadyRun>) -> Report {
    let mut r = fleetbench_report::testing::report(Vec::new());
    r.fleet.devices = 100;
    r.steady = Some(SteadyReport {
        every_s: 10.0,
        for_s: 600.0,
        cycles: 60,
        start: Start::Spread,
        on_late: OnLate::Queue,
        runs,
    });
    r
}

#[test]
fn a_cycle_line_names_only_what_happened() {
    let mut c = Cycle::of(4, 0.0, 2.5, &[], 0);
    c.polls = PollCounts {
        due: 10,
        ok: 8,
        skipped: 2,
        ..PollCounts::default()
    };
    let line = StreamLine {
        schema: fleetbench_report::steady::STREAM_SCHEMA.into(),
        sessions: SessionMode::Renew,
        strategy: StrategyKind::Threads,
        workers: 4,
        every_s: 10.0,
        cycle: c,
    };
    let text = cycle_line(&line, 60);
    assert!(
        text.starts_with("renew cycle 5/60: 8 ok of 10, 2 skipped;"),
        "{text}"
    );
    assert!(
        !text.contains("failed") && text.contains("took 2.50 s of 10.00 s"),
        "{text}"
    );
}

#[test]
fn keep_and_renew_side_by_side_with_their_ratio() {
    let r = report(vec![
        run(SessionMode::Keep, 0.0002, 0.002),
        run(SessionMode::Renew, 0.0008, 0.008),
    ]);
    let s = r.steady.as_ref().unwrap();
    let t = tables(s);
    assert_eq!(t.len(), 3);
    assert!(
        t.iter()
            .all(|t| t.rows.len() == 2 && t.rows.iter().all(|r| r.len() == t.header.len()))
    );
    assert_eq!(t[2].rows[0][1], "100", "keep logs in once per device");
    let notes = notes(&r, s);
    let kr = notes
        .iter()
        .find(|n| n.starts_with("keep against renew"))
        .unwrap();
    assert!(kr.contains("0.20 ms against 0.80 ms (0.25x)"), "{kr}");
    assert!(notes.iter().any(|n| n.contains("keeps up")));
    let text = summary(&r);
    assert!(text.starts_with("poll: 100 devices"), "{text}");
    // Aligned columns: every line of a table is as wide as its header or narrower.
    let first = text_table(&t[0]);
    let widths: Vec<usize> = first.lines().map(|l| l.chars().count()).collect();
    assert!(
        widths
            .iter()
            .all(|w| *w <= widths.iter().copied().max().unwrap())
    );
}

#[test]
fn an_undersized_run_says_how_far_it_falls_behind() {
    // 100 devices every 10 s on 10 workers of 3 s sessions: demand 10/s, capacity 3.33/s.
    let r = report(vec![run(SessionMode::Renew, 0.001, 3.0)]);
    let notes = notes(&r, r.steady.as_ref().unwrap());
    let b = notes.iter().find(|n| n.contains("undersized")).unwrap();
    assert!(b.contains("demand 10.00 polls/s"), "{b}");
    assert!(b.contains("capacity 3.33 polls/s"), "{b}");
    assert!(
        b.contains("about 3.00·t s") && b.contains("grows 2.00 s per second"),
        "{b}"
    );
    assert!(b.contains("about 33% of the due polls run"), "{b}");
}

#[test]
fn a_cycle_where_nothing_ran_is_not_drawn_as_a_fast_one() {
    let mut r = run(SessionMode::Renew, 0.001, 3.0);
    let cycle = |k: u64, ran: u64| {
        let mut c = Cycle::of(k, k as f64 * 10.0, 12.0, &[], 0);
        c.polls = PollCounts {
            due: 100,
            ok: ran,
            not_run: 100 - ran,
            ..PollCounts::default()
        };
        c
    };
    r.series = vec![cycle(0, 40), cycle(1, 30), cycle(2, 0)];
    let svg = crate::present::plot::cycles_over_time(&r, 10.0, "test").unwrap();
    // Three lines (duration, lag p99, lag p50), a dot per cycle that ran on each.
    assert_eq!(svg.matches("<circle").count(), 3 * 2, "{svg}");
    assert!(svg.contains("interval 10.00 s"));
    // No cycle at all: no picture, and the set of a report is still made.
    r.series.clear();
    assert!(crate::present::plot::cycles_over_time(&r, 10.0, "test").is_err());
    let report = report(vec![r]);
    let plots = crate::present::plot::poll_plots(&report).unwrap();
    assert!(
        plots.iter().all(|(name, _)| !name.starts_with("cycles-")),
        "{plots:?}"
    );
}
