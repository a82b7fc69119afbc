//! Scheduling tests against the mock session ([`Mock`]): no network, milliseconds each. The
//! real SSH path has its end-to-end tests in `tests/it/`.

use super::poller::Mock;
use super::*;
use crate::hostkeys::HostKeyCheck;
use crate::observe::{Event, Quiet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The strategies that run in this process (processes needs a real session to re-create in
/// a worker).
const IN_PROCESS: [StrategyKind; 4] = [
    StrategyKind::Sequential,
    StrategyKind::Threads,
    StrategyKind::Async,
    StrategyKind::Rayon,
];

fn devices(n: u16) -> Vec<Device> {
    (1..=n).map(crate::testing::router).collect()
}

fn job() -> Job {
    Job::new(vec!["show clock".into()], HostKeyCheck::default())
}

fn cfg(mock: &Arc<Mock>, workers: usize) -> RunConfig {
    RunConfig {
        workers: Some(workers),
        session: mock.clone(),
        ..RunConfig::default()
    }
}

/// Counts events and keeps the kinds of finished devices.
#[derive(Default)]
struct Tally {
    started: AtomicUsize,
    finished: Mutex<Vec<(usize, String)>>,
}

impl Tally {
    fn on(&self, e: &Event<'_>) {
        match *e {
            Event::DeviceStarted { .. } => {
                self.started.fetch_add(1, Ordering::SeqCst);
            }
            Event::DeviceFinished { index, result } => {
                let kind = result.error.as_ref().map_or("ok", |e| e.kind.as_str());
                self.finished
                    .lock()
                    .unwrap()
                    .push((index, kind.to_string()));
            }
            _ => {}
        }
    }
}

#[test]
fn every_strategy_gives_one_result_and_one_event_per_device_in_order() {
    for kind in IN_PROCESS {
        let mock = Arc::new(Mock::new(vec![Duration::from_millis(2)]).refusing(&["R3"]));
        let tally = Tally::default();
        let obs = |e: &Event<'_>| tally.on(e);
        let out = run(kind, &devices(7), &job(), &cfg(&mock, 3), &obs).unwrap();
        let names: Vec<_> = out.results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["R1", "R2", "R3", "R4", "R5", "R6", "R7"], "{kind}");
        assert_eq!((out.ok(), out.failed()), (6, 1), "{kind}");
        assert_eq!(out.results[2].error.as_ref().unwrap().kind, "refused");
        assert_eq!(tally.started.load(Ordering::SeqCst), 7, "{kind}");
        let mut finished = tally.finished.into_inner().unwrap();
        finished.sort();
        assert_eq!(finished.len(), 7, "{kind}");
        assert!(finished.iter().enumerate().all(|(i, (j, _))| i == *j));
        assert_eq!(mock.polled(), 7, "{kind}");
    }
}

#[test]
fn the_worker_bound_holds_and_shows_in_rounds() {
    for kind in IN_PROCESS {
        let latency = Duration::from_millis(40);
        let mock = Arc::new(Mock::new(vec![latency]));
        let out = run(kind, &devices(6), &job(), &cfg(&mock, 3), &Quiet).unwrap();
        let bound = if kind == StrategyKind::Sequential {
            1
        } else {
            3
        };
        assert!(
            mock.max_in_flight() <= bound,
            "{kind}: {}",
            mock.max_in_flight()
        );
        assert_eq!(out.workers, bound, "{kind}");
        // 6 devices on 3 workers need two rounds at least, on 1 worker six.
        let rounds = 6 / bound;
        assert!(
            out.wall >= latency * rounds as u32,
            "{kind}: {:?}",
            out.wall
        );
    }
}

#[test]
fn a_stop_lets_the_sessions_in_flight_finish_and_interrupts_the_rest_alike() {
    for kind in IN_PROCESS {
        // Stopped as the first session begins: the other worker may have taken one device
        // too, no more, whatever the load.
        let stop = crate::stop::Stop::new();
        let mut mock = Mock::new(vec![Duration::from_millis(20)]);
        mock.stop_at_first = Some(stop.clone());
        let mock = Arc::new(mock);
        let c = RunConfig {
            stop,
            ..cfg(&mock, 2)
        };
        let tally = Tally::default();
        let obs = |e: &Event<'_>| tally.on(e);
        let out = run(kind, &devices(8), &job(), &c, &obs).unwrap();
        let started = tally.started.load(Ordering::SeqCst);
        let interrupted = out
            .results
            .iter()
            .filter(|r| r.error.as_ref().is_some_and(|e| e.kind == "interrupted"))
            .count();
        assert_eq!(out.ok(), started, "{kind}: every started device finished");
        assert_eq!(mock.polled(), started, "{kind}");
        assert_eq!(out.ok() + interrupted, 8, "{kind}");
        assert!(interrupted >= 6, "{kind}: {interrupted}");
        assert_eq!(
            tally.finished.lock().unwrap().len(),
            8,
            "{kind}: one event each"
        );
        assert!(
            out.results
                .iter()
                .filter(|r| !r.ok)
                .all(|r| r.worker.is_empty()),
            "{kind}: interrupted devices never had a worker"
        );
    }
}

#[test]
fn terminate_drops_async_sessions_in_flight() {
    let latency = Duration::from_secs(30);
    let mock = Arc::new(Mock::new(vec![latency]));
    let c = cfg(&mock, 2);
    let obs = |e: &Event<'_>| {
        if matches!(e, Event::DeviceStarted { .. }) {
            c.stop.terminate();
        }
    };
    let out = run(StrategyKind::Async, &devices(4), &job(), &c, &obs).unwrap();
    assert!(out.wall < latency / 2, "{:?}", out.wall);
    assert!(
        out.results
            .iter()
            .all(|r| r.error.as_ref().is_some_and(|e| e.kind == "interrupted"))
    );
}

#[test]
fn a_session_that_cannot_leave_the_process_is_refused_by_processes() {
    let mock = Arc::new(Mock::default());
    let err = run(
        StrategyKind::Processes,
        &devices(1),
        &job(),
        &cfg(&mock, 1),
        &Quiet,
    )
    .unwrap_err();
    assert!(matches!(err, StrategyError::Setup { .. }), "{err}");
    assert_eq!(mock.polled(), 0);
}

#[test]
fn an_empty_fleet_is_an_empty_run() {
    for kind in StrategyKind::ALL {
        let mock = Arc::new(Mock::default());
        let out = run(kind, &[], &job(), &cfg(&mock, 4), &Quiet);
        // processes refuses the mock before looking at the fleet.
        if kind != StrategyKind::Processes {
            assert!(out.unwrap().results.is_empty(), "{kind}");
        }
    }
}

#[test]
fn retried_devices_end_with_their_last_attempt_and_its_history_under_every_strategy() {
    for kind in IN_PROCESS {
        // R2 and R5 fail their first two sessions (`refused`, retryable), then succeed.
        let mut mock = Mock::new(vec![Duration::from_millis(1)]).refusing(&["R2", "R5"]);
        mock.fail_first = 2;
        let mock = Arc::new(mock);
        let c = RunConfig {
            retry: retry::RetryPolicy {
                retries: 3,
                seed: 9,
            },
            ..cfg(&mock, 3)
        };
        let tally = Tally::default();
        let obs = |e: &Event<'_>| tally.on(e);
        let out = run(kind, &devices(6), &job(), &c, &obs).unwrap();
        assert_eq!(out.ok(), 6, "{kind}");
        assert_eq!(
            mock.polled(),
            6 + 4,
            "{kind}: two retries each for two devices"
        );
        assert_eq!(
            tally.started.load(Ordering::SeqCst),
            10,
            "{kind}: each attempt announced"
        );
        assert_eq!(
            tally.finished.lock().unwrap().len(),
            6,
            "{kind}: one result each"
        );
        for r in &out.results {
            let (attempts, kinds) = if ["R2", "R5"].contains(&r.name.as_str()) {
                (3, vec!["refused"; 2])
            } else {
                (1, vec![])
            };
            assert_eq!(r.attempts, attempts, "{kind} {}", r.name);
            let got: Vec<&str> = r.retried.iter().map(|e| e.kind.as_str()).collect();
            assert_eq!(got, kinds, "{kind} {}", r.name);
        }
        // Without retries, the same run fails them.
        let mut mock = Mock::new(vec![]).refusing(&["R2", "R5"]);
        mock.fail_first = 2;
        let mock = Arc::new(mock);
        let out = run(kind, &devices(6), &job(), &cfg(&mock, 3), &Quiet).unwrap();
        assert_eq!((out.ok(), mock.polled()), (4, 6), "{kind}");
    }
}

#[test]
fn retries_give_up_after_n_and_keep_every_error() {
    let mock = Arc::new(Mock::new(vec![]).refusing(&["R1"]));
    let c = RunConfig {
        retry: retry::RetryPolicy {
            retries: 2,
            seed: 1,
        },
        ..cfg(&mock, 1)
    };
    let out = run(StrategyKind::Sequential, &devices(1), &job(), &c, &Quiet).unwrap();
    let r = &out.results[0];
    assert!(!r.ok);
    assert_eq!((r.attempts, r.retried.len(), mock.polled()), (3, 2, 3));
    assert_eq!(r.error.as_ref().unwrap().kind, "refused");
}

#[test]
fn a_stop_during_a_backoff_keeps_the_last_attempt() {
    // The backoff of a first retry is at least 125 ms; the stop comes during it.
    for kind in IN_PROCESS {
        let mock = Arc::new(Mock::new(vec![]).refusing(&["R1"]));
        let c = RunConfig {
            retry: retry::RetryPolicy {
                retries: 5,
                seed: 1,
            },
            ..cfg(&mock, 1)
        };
        let stop = c.stop.clone();
        let obs = |e: &Event<'_>| {
            if let Event::DeviceStarted { .. } = e {
                stop.request();
            }
        };
        let out = run(kind, &devices(1), &job(), &c, &obs).unwrap();
        let r = &out.results[0];
        assert_eq!(r.error.as_ref().unwrap().kind, "refused", "{kind}");
        assert_eq!(r.attempts, 1, "{kind}: no new session after the stop");
    }
}

#[test]
fn the_connect_rate_spaces_every_start_of_every_strategy() {
    for kind in IN_PROCESS {
        // 40 instant devices at 200/s on 8 workers: starts 5 ms apart, about 195 ms in all.
        let mock = Arc::new(Mock::new(vec![]));
        let c = RunConfig {
            connect_rate: Some(200.0),
            ..cfg(&mock, 8)
        };
        let out = run(kind, &devices(40), &job(), &c, &Quiet).unwrap();
        assert_eq!(out.ok(), 40, "{kind}");
        let mut starts = mock.starts();
        starts.sort();
        let span = starts[39] - starts[0];
        // A ratio of the schedule, not a timing: 39 intervals of 5 ms at least.
        assert!(
            span >= Duration::from_millis(39 * 5) - Duration::from_millis(1),
            "{kind}: {span:?}"
        );
        // Without a cap, instant sessions on 8 workers start far closer together.
        let free = Arc::new(Mock::new(vec![]));
        run(kind, &devices(40), &job(), &cfg(&free, 8), &Quiet).unwrap();
        let mut s = free.starts();
        s.sort();
        assert!(s[39] - s[0] < span, "{kind}");
    }
}

/// Every finished cycle of a steady run, with the late polls that followed.
fn steady_run(
    kind: StrategyKind,
    mock: &Arc<Mock>,
    plan: schedule::Plan,
    workers: usize,
) -> Vec<steady::SteadyEvent> {
    let cfg = cfg(mock, workers);
    let (s, rx) = steady::Steady::new(plan, &cfg.stop);
    let devs = devices(plan.devices as u16);
    let out = run_steady(kind, &devs, &job(), &cfg, s, &Quiet).unwrap();
    assert!(
        out.results.is_empty(),
        "a steady run's results went to its schedule"
    );
    rx.into_iter().collect()
}

fn cycles_of(events: &[steady::SteadyEvent]) -> Vec<&schedule::Finished> {
    events
        .iter()
        .filter_map(|e| match e {
            steady::SteadyEvent::Cycle { finished, .. } => Some(finished),
            steady::SteadyEvent::Late(_) => None,
        })
        .collect()
}

#[test]
fn every_in_process_strategy_runs_a_steady_schedule_to_its_end() {
    use fleetbench_report::steady::{OnLate, Outcome, Start};
    for kind in IN_PROCESS {
        let mock = Arc::new(Mock::new(vec![Duration::from_millis(1)]));
        // 4 devices every 200 ms for 3 cycles: a poll is due long after the last one ends.
        let plan = schedule::Plan {
            every: Duration::from_millis(200),
            cycles: 3,
            devices: 4,
            start: Start::Spread,
            on_late: OnLate::Queue,
            sessions_kept: false,
        };
        let events = steady_run(kind, &mock, plan, 2);
        let cycles = cycles_of(&events);
        assert_eq!(
            cycles.iter().map(|c| c.cycle).collect::<Vec<_>>(),
            [0, 1, 2],
            "{kind:?}"
        );
        for c in &cycles {
            assert_eq!(c.polls.len(), 4, "{kind:?}");
            assert!(c.polls.iter().all(|p| p.outcome == Outcome::Ok), "{kind:?}");
        }
        assert_eq!(mock.polled(), 12, "{kind:?}: each device once a cycle");
        // Device R1 is due at 0, 200 and 400 ms: its polls start at least that far apart.
        let starts = mock.starts();
        let span = *starts.last().unwrap() - starts[0];
        assert!(span >= Duration::from_millis(400), "{kind:?}: {span:?}");
    }
}

#[test]
fn a_stop_ends_a_steady_run_with_its_cycle_in_progress_partial() {
    use fleetbench_report::steady::{OnLate, Outcome, Start};
    for kind in IN_PROCESS {
        let stop = Stop::new();
        let mut m = Mock::new(vec![Duration::from_millis(20)]);
        m.stop_at_first = Some(stop.clone());
        let mock = Arc::new(m);
        let mut cfg = cfg(&mock, 1);
        cfg.stop = stop;
        // An hour of cycles: only the stop can end it.
        let plan = schedule::Plan {
            every: Duration::from_secs(1),
            cycles: 3600,
            devices: 3,
            start: Start::Burst,
            on_late: OnLate::Skip,
            sessions_kept: false,
        };
        let (s, rx) = steady::Steady::new(plan, &cfg.stop);
        let t0 = std::time::Instant::now();
        run_steady(kind, &devices(3), &job(), &cfg, s, &Quiet).unwrap();
        assert!(t0.elapsed() < Duration::from_secs(60), "{kind:?}");
        let events: Vec<_> = rx.into_iter().collect();
        let cycles = cycles_of(&events);
        assert_eq!(cycles.len(), 1, "{kind:?}");
        let outcomes: Vec<&Outcome> = cycles[0].polls.iter().map(|p| &p.outcome).collect();
        assert_eq!(outcomes.len(), 3, "{kind:?}");
        // The first poll ran (the stop came as it began); the others never started.
        assert_eq!(
            outcomes.iter().filter(|o| ***o == Outcome::Ok).count(),
            1,
            "{kind:?}: {outcomes:?}"
        );
        assert_eq!(mock.polled(), 1, "{kind:?}");
    }
}
