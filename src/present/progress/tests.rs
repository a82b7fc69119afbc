//! Unit tests of `progress` (kept beside it so the module reads as code).

use super::*;

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);
impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn start(kind: StrategyKind, index: usize, warmup: bool) -> RunStart {
    RunStart {
        strategy: kind.into(),
        external: false,
        index,
        of: if warmup { 1 } else { 3 },
        warmup,
        devices: 4,
    }
}

#[test]
fn lines_mode_prints_one_line_per_finished_run() {
    let out = Captured::default();
    let p = Progress::to_writer(Mode::Lines, Box::new(out.clone()));
    p.run_started(start(StrategyKind::Threads, 1, true));
    std::thread::scope(|s| {
        for i in 0..4 {
            let p = &p;
            s.spawn(move || p.device_done(i != 2));
        }
    });
    assert_eq!(p.done(), 4);
    assert_eq!(out.text(), "", "nothing while the run goes on");
    p.run_finished(RunEnd {
        wall_s: 1.93,
        ok: 3,
        failed: 1,
        never_ran: 0,
        error: None,
    });
    p.run_started(start(StrategyKind::Threads, 1, false));
    assert_eq!(p.done(), 0, "counters restart with each run");
    p.run_finished(RunEnd {
        wall_s: 0.5,
        ok: 1,
        failed: 0,
        never_ran: 3,
        error: None,
    });
    assert_eq!(
        out.text(),
        "fleetbench: threads    warm-up 1/1: 4 devices in 1.93 s, 3 ok, 1 failed\n\
             fleetbench: threads    run 1/3: INTERRUPTED after 1 of 4 devices in 500.0 ms, 1 ok, \
             0 failed, 3 never ran\n"
    );
}

#[test]
fn off_mode_prints_nothing() {
    let out = Captured::default();
    let p = Progress::to_writer(Mode::Off, Box::new(out.clone()));
    p.run_started(start(StrategyKind::Async, 1, false));
    p.device_done(true);
    p.println("hello");
    p.run_finished(RunEnd {
        wall_s: 1.0,
        ok: 1,
        failed: 0,
        never_ran: 0,
        error: None,
    });
    assert_eq!(out.text(), "");
}

#[test]
fn live_text_counts_and_estimates_from_finished_sessions() {
    let s = RunStart {
        devices: 1000,
        ..start(StrategyKind::Sequential, 2, false)
    };
    // 250 sessions in 250 s: 750 left at 1 s each.
    let t = live_text(&s, 240, 10, Duration::from_secs(250), 20);
    assert_eq!(
        t,
        "sequential run 2/3 [#####---------------] 250/1000 devices, 240 ok, 10 failed, \
             4 min 10 s, ETA 12 min 30 s"
    );
    // Before the first session ends there is nothing to estimate from.
    let t = live_text(&s, 0, 0, Duration::from_secs(1), 20);
    assert!(!t.contains("ETA"), "{t}");
    assert!(t.contains("[--------------------] 0/1000"), "{t}");
}

#[test]
fn durations_read_naturally() {
    assert_eq!(fmt_duration(0.0123), "12 ms");
    assert_eq!(fmt_duration(5.73), "5.7 s");
    assert_eq!(fmt_duration(200.0), "3 min 20 s");
    assert_eq!(fmt_duration(6000.0), "1 h 40 min");
    assert_eq!(
        eta(Duration::from_secs(10), 5, 10),
        Some(Duration::from_secs(10))
    );
    assert_eq!(eta(Duration::from_secs(10), 0, 10), None);
}

#[test]
fn long_runs_are_announced_short_ones_are_not() {
    let plan: Vec<Planned> = StrategyKind::ALL
        .iter()
        .map(|&k| Planned {
            strategy: k,
            workers: fleetbench_client::strategy::default_workers(k, 1000),
            runs: 3,
        })
        .collect();
    // Sequential over 1000 one-second devices: 3 x 1000 s; the others 3 x 1 s
    // (processes: 1000 / 64 = 16 waves).
    let (each, total) = estimate(&plan, 1000, 1.0);
    assert_eq!(each[0], (StrategyKind::Sequential, 3000.0));
    assert_eq!(each[2], (StrategyKind::Processes, 48.0));
    assert_eq!(total, 3000.0 + 3.0 + 48.0 + 3.0 + 3.0);
    let line = estimate_line(&plan, 1000, 1.0).unwrap();
    assert!(line.contains("at least 50 min 57 s"), "{line}");
    assert!(line.contains("sequential 50 min 0 s"), "{line}");
    assert!(
        line.contains("1000 devices at about 1.0 s per session"),
        "{line}"
    );
    // The classic 3 devices: seconds, no announcement.
    assert_eq!(estimate_line(&plan, 3, 1.9), None);
}

#[test]
fn live_mode_without_a_terminal_still_counts_and_prints_lines() {
    // Under `cargo test` stderr may or may not be a terminal; the bar is drawn (or
    // hidden by indicatif) there, and the finished line goes to the writer either way.
    let out = Captured::default();
    let p = Progress::to_writer(Mode::Live, Box::new(out.clone()));
    p.run_started(start(StrategyKind::Rayon, 3, false));
    p.device_done(true);
    p.println("a line above the bar");
    p.run_finished(RunEnd {
        wall_s: 2.0,
        ok: 4,
        failed: 0,
        never_ran: 0,
        error: None,
    });
    assert_eq!(
        out.text(),
        "a line above the bar\nfleetbench: rayon      run 3/3: 4 devices in 2.00 s, 4 ok, 0 failed\n"
    );
}

/// An external poller's runs: a live line that counts no device (they are the poller's), and
/// its failure's reason on its finished line, escaped.
#[test]
fn external_runs_show_progress_and_why_they_failed() {
    let s = RunStart {
        strategy: fleetbench_report::StrategyId::External("sleeper".into()),
        external: true,
        ..start(StrategyKind::Threads, 1, false)
    };
    let t = live_text(&s, 0, 0, Duration::from_millis(2500), 20);
    assert_eq!(t, "sleeper    run 1/3 running over 4 devices, 2.5 s");
    let out = Captured::default();
    let p = Progress::to_writer(Mode::Lines, Box::new(out.clone()));
    p.run_started(s);
    p.run_finished(RunEnd {
        wall_s: 0.3,
        ok: 0,
        failed: 4,
        never_ran: 0,
        error: Some(
            "[poller_failed] the poller exited with status 3; stderr ends: \x1b[2Jboom".into(),
        ),
    });
    assert_eq!(
        out.text(),
        "fleetbench: sleeper    run 1/3: 4 devices in 300.0 ms, 0 ok, 4 failed; FAILED \
         [poller_failed] the poller exited with status 3; stderr ends: \\u{1b}[2Jboom\n"
    );
}
