//! Unit tests of `steady`: the cycle arithmetic and the bounded series.

use super::*;

fn ran(lag: f64, session: f64) -> PollSample {
    PollSample {
        outcome: Outcome::Ok,
        lag_s: lag,
        latency_s: lag + session,
        session_s: session,
        queued: false,
        opened: true,
        reconnect: false,
    }
}

#[test]
fn tails_are_exact_nearest_rank() {
    let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
    let t = Tail::of(&mut v);
    assert_eq!((t.p50, t.p99, t.max), (50.0, 99.0, 100.0));
    assert_eq!(Tail::of(&mut [7.0]).p99, 7.0);
    assert_eq!(Tail::of(&mut []), Tail::default());
}

#[test]
fn a_cycle_counts_every_way_a_poll_ends() {
    let mut queued = ran(3.0, 1.0);
    queued.queued = true;
    queued.reconnect = true;
    let polls = vec![
        ran(0.0, 1.0),
        ran(1.0, 1.0),
        queued,
        PollSample {
            outcome: Outcome::Failed {
                kind: "timeout".into(),
                message: "m".into(),
            },
            ..ran(0.5, 2.0)
        },
        PollSample::missed(Outcome::Skipped),
        PollSample::missed(Outcome::NotRun),
        PollSample::missed(Outcome::Interrupted),
    ];
    let c = Cycle::of(4, 100.0, 5.5, &polls, 0);
    assert_eq!(
        c.polls,
        PollCounts {
            due: 7,
            ok: 3,
            failed: 1,
            skipped: 1,
            queued: 1,
            not_run: 1,
            interrupted: 1,
            waiting: 0,
        }
    );
    assert!(c.partial, "a stop interrupted one of its polls");
    // Only polls that ran have a lag: 0, 0.5, 1, 3.
    assert_eq!((c.lag_s.p50, c.lag_s.max), (0.5, 3.0));
    assert_eq!(c.latency_s.max, 4.0);
    assert_eq!((c.sessions_opened, c.reconnects), (4, 1));
    assert_eq!(c.failures.get("timeout"), Some(&1));

    let mut t = Totals::default();
    t.add(&c, &polls, 5.0);
    t.add(&c, &polls, 10.0);
    assert_eq!((t.cycles, t.cycles_over_interval), (2, 1));
    assert_eq!(t.polls.due, 14);
    assert_eq!(t.failures["timeout"].count, 2);
    assert_eq!(t.percentiles(LAG).count, 8);
    assert!((t.percentiles(SESSION).max - 2.0).abs() < 0.01);
}

#[test]
fn the_series_stays_bounded_and_keeps_every_cycle_counted() {
    let mut s = Series::new();
    let total = 10 * Series::CAP as u64 + 3;
    for i in 0..total {
        let mut c = Cycle::of(i, i as f64, 1.0, &[ran(i as f64 / 1000.0, 0.1)], 0);
        c.client_rss_bytes = Some(1000 + i);
        c.client_cpu_per_poll_s = Some(0.001);
        s.push(c);
        assert!(s.points().len() < Series::CAP);
    }
    let points = s.into_points();
    assert_eq!(points.iter().map(|p| p.cycles).sum::<u64>(), total);
    assert_eq!(points.iter().map(|p| p.polls.ok).sum::<u64>(), total);
    // Points follow each other and cover the cycles in order.
    assert!(
        points
            .windows(2)
            .all(|w| w[0].cycle + w[0].cycles == w[1].cycle)
    );
    let last = points.last().unwrap();
    assert_eq!(
        last.client_rss_bytes,
        Some(1000 + total - 1),
        "the largest it covers"
    );
    assert!((last.client_cpu_per_poll_s.unwrap() - 0.001).abs() < 1e-12);
}

#[test]
fn a_stream_line_reads_back_flat() {
    let line = StreamLine {
        schema: STREAM_SCHEMA.into(),
        sessions: SessionMode::Keep,
        strategy: StrategyKind::Async,
        workers: 8,
        every_s: 10.0,
        cycle: Cycle::of(0, 1.0, 2.0, &[ran(0.0, 1.0)], 0),
    };
    let text = serde_json::to_string(&line).unwrap();
    assert!(text.contains("\"cycle\":0") && text.contains("\"sessions\":\"keep\""));
    assert_eq!(serde_json::from_str::<StreamLine>(&text).unwrap(), line);
}

#[test]
fn late_polls_of_a_written_cycle_reach_the_totals() {
    let c = Cycle::of(0, 0.0, 1.0, &[ran(0.0, 1.0)], 2);
    assert_eq!((c.polls.due, c.polls.waiting), (3, 2));
    let mut t = Totals::default();
    t.add(&c, &[ran(0.0, 1.0)], 10.0);
    t.add_late(&ran(30.0, 1.0));
    t.add_late(&PollSample::missed(Outcome::NotRun));
    assert_eq!(
        (t.polls.due, t.polls.ok, t.polls.not_run, t.polls.waiting),
        (3, 2, 1, 0)
    );
    assert!((t.percentiles(LAG).max - 30.0).abs() < 0.1);
}

#[test]
fn the_backlog_of_the_undersized_setup() {
    // 100 devices every 10 s, 10 workers, 3 s sessions.
    let b = Backlog::of(100, 10.0, 10, 3.0).unwrap();
    assert!(!b.keeps_up());
    assert!((b.demand_per_s - 10.0).abs() < 1e-9);
    assert!((b.capacity_per_s - 10.0 / 3.0).abs() < 1e-9);
    assert!((b.lag_per_second() - 2.0).abs() < 1e-9);
    assert!((b.share_run() - 1.0 / 3.0).abs() < 1e-9);
    let ok = Backlog::of(1000, 10.0, 100, 0.01).unwrap();
    assert!(ok.keeps_up() && ok.lag_per_second() == 0.0 && ok.share_run() == 1.0);
    assert!(Backlog::of(10, 10.0, 1, 0.0).is_none());
}
