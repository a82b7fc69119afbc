//! The schedule on a fake clock: due times, lag, skip against queue, the spread, the end
//! and a stop, with no thread and no socket. `simulate` plays W workers whose every
//! session lasts a fixed time, as a discrete-event loop over the schedule alone.

use super::*;

const S: Duration = Duration::from_secs(1);

fn secs(x: f64) -> Duration {
    Duration::from_secs_f64(x)
}

fn plan(devices: usize, every: f64, cycles: u64, start: Start, on_late: OnLate) -> Plan {
    Plan {
        every: secs(every),
        cycles,
        devices,
        start,
        on_late,
        sessions_kept: true,
    }
}

fn go(t: Take) -> Ticket {
    match t {
        Take::Go(t) => t,
        other => panic!("expected a poll, got {other:?}"),
    }
}

/// W workers, every session `session` long, each opening a session: every finished
/// cycle, in order, and the schedule at the end.
fn simulate(p: Plan, workers: usize, session: Duration) -> (Vec<Finished>, Schedule) {
    simulate_with(p, workers, |_| session, |_| {})
}

fn simulate_with(
    p: Plan,
    workers: usize,
    session: impl Fn(&Ticket) -> Duration,
    mut each: impl FnMut(&Schedule),
) -> (Vec<Finished>, Schedule) {
    let mut s = Schedule::new(p);
    let mut now = Duration::ZERO;
    let mut running: Vec<(Duration, usize)> = Vec::new();
    let mut out = Vec::new();
    loop {
        let mut next: Option<Duration> = None;
        while running.len() < workers {
            match s.take(now) {
                Take::Go(t) => {
                    s.started(t.device, now);
                    running.push((now + session(&t), t.device));
                }
                Take::Wait(until) => {
                    next = until;
                    break;
                }
                Take::Done => break,
            }
        }
        if running.is_empty() && s.is_done() {
            break;
        }
        let first_end = running.iter().map(|r| r.0).min();
        now = match (next, first_end) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).expect("something to wait for"),
        };
        running.retain(|&(end, d)| {
            if end <= now {
                s.finished(d, now, Outcome::Ok, true);
                false
            } else {
                true
            }
        });
        out.extend(s.take_finished());
        // Late polls go to the run's totals, which these tests do not keep.
        drop(s.take_late());
        each(&s);
    }
    out.extend(s.take_finished());
    drop(s.take_late());
    (out, s)
}

#[test]
fn burst_makes_every_device_due_at_each_interval_start() {
    let mut s = Schedule::new(plan(3, 10.0, 2, Start::Burst, OnLate::Skip));
    let first: Vec<Ticket> = (0..3).map(|_| go(s.take(Duration::ZERO))).collect();
    assert_eq!(
        first.iter().map(|t| (t.device, t.due)).collect::<Vec<_>>(),
        [
            (0, Duration::ZERO),
            (1, Duration::ZERO),
            (2, Duration::ZERO)
        ]
    );
    assert_eq!(s.take(Duration::ZERO), Take::Wait(Some(10 * S)));
    assert_eq!(s.take(9 * S), Take::Wait(Some(10 * S)));
    for t in &first {
        s.started(t.device, S);
        s.finished(t.device, 2 * S, Outcome::Ok, true);
    }
    let done = s.take_finished();
    assert_eq!(done.len(), 1);
    assert_eq!((done[0].cycle, done[0].duration), (0, 2 * S));
    assert_eq!(done[0].polls[0].lag_s, 1.0, "start - due");
    assert_eq!(done[0].polls[0].latency_s, 2.0, "end - due");
    assert_eq!(go(s.take(10 * S)).cycle, 1);
}

#[test]
fn spread_places_device_i_at_i_over_n_of_the_interval() {
    let p = plan(4, 8.0, 3, Start::Spread, OnLate::Skip);
    assert_eq!(
        (0..4).map(|i| p.due(i, 1)).collect::<Vec<_>>(),
        [8 * S, 10 * S, 12 * S, 14 * S]
    );
    let mut s = Schedule::new(p);
    assert_eq!(go(s.take(Duration::ZERO)).device, 0);
    assert_eq!(s.take(Duration::ZERO), Take::Wait(Some(2 * S)));
    // A worker that comes late gets the earliest due first.
    let t = go(s.take(5 * S));
    assert_eq!((t.device, t.due), (1, 2 * S));
    assert_eq!(go(s.take(5 * S)).device, 2);
}

#[test]
fn a_late_poll_is_skipped_or_queued_behind_the_running_one() {
    for on_late in OnLate::ALL {
        let mut s = Schedule::new(plan(1, 10.0, 3, Start::Burst, on_late));
        let t = go(s.take(Duration::ZERO));
        s.started(t.device, Duration::ZERO);
        // Still running when cycle 1 is due, and cycle 2.
        assert_eq!(s.take(10 * S), Take::Wait(Some(20 * S)));
        let expected = match on_late {
            OnLate::Skip => Take::Done,
            // Two polls wait behind the running one.
            OnLate::Queue => Take::Wait(None),
        };
        assert_eq!(s.take(21 * S), expected);
        s.finished(0, 25 * S, Outcome::Ok, true);
        match on_late {
            OnLate::Skip => {
                assert_eq!(s.take(25 * S), Take::Done);
                let done = s.take_finished();
                assert_eq!(done.len(), 3);
                assert_eq!(done[1].polls[0].outcome, Outcome::Skipped);
                assert_eq!(done[2].polls[0].outcome, Outcome::Skipped);
            }
            OnLate::Queue => {
                // Cycle 1's poll starts now, 15 s late, marked queued.
                let t = go(s.take(25 * S));
                assert_eq!((t.cycle, t.due, t.queued), (1, 10 * S, true));
                assert_eq!(s.backlog(), 1, "cycle 2 waits behind it");
                s.started(0, 25 * S);
                s.finished(0, 26 * S, Outcome::Ok, false);
                let t = go(s.take(26 * S));
                assert_eq!((t.cycle, t.queued), (2, true));
                s.started(0, 26 * S);
                s.finished(0, 27 * S, Outcome::Ok, false);
                assert_eq!(s.take(27 * S), Take::Done);
                let done = s.take_finished();
                assert_eq!(done.len(), 3);
                assert_eq!(done[1].polls[0].lag_s, 15.0);
                assert!(done[1].polls[0].queued);
                assert_eq!(done[2].polls[0].lag_s, 6.0);
            }
        }
    }
}

#[test]
fn a_healthy_run_runs_every_poll_once_with_no_lag() {
    for start in [Start::Burst, Start::Spread] {
        for on_late in OnLate::ALL {
            // 10 devices, 4 workers, 1 s sessions, every 10 s: 2.5 s of work per interval.
            let (done, _) = simulate(plan(10, 10.0, 6, start, on_late), 4, S);
            assert_eq!(done.len(), 6);
            assert_eq!(
                done.iter().map(|c| c.cycle).collect::<Vec<_>>(),
                [0, 1, 2, 3, 4, 5]
            );
            let polls: Vec<&PollSample> = done.iter().flat_map(|c| &c.polls).collect();
            assert_eq!(polls.len(), 60);
            assert!(polls.iter().all(|p| p.outcome == Outcome::Ok && !p.queued));
            if start == Start::Spread {
                // Due 1 s apart: each finds a free worker at its due time.
                assert!(polls.iter().all(|p| p.lag_s == 0.0));
            } else {
                // All at once on 4 workers: the last waits for two sessions.
                let max = polls.iter().map(|p| p.lag_s).fold(0.0, f64::max);
                assert_eq!(max, 2.0);
            }
        }
    }
}

/// The undersized setup of the guide: 100 devices, 3 s sessions, 10 workers, every 10 s.
/// Demand 10 polls/s, capacity 10/3: a poll due at t starts at 3t, a lag of 2t.
#[test]
fn an_undersized_queue_lags_by_the_backlog_s_arithmetic() {
    let p = plan(100, 10.0, 6, Start::Spread, OnLate::Queue);
    let (done, s) = simulate(p, 10, 3 * S);
    assert_eq!(done.len(), 6);
    let lags = |c: &Finished| -> (usize, f64, f64) {
        let l: Vec<f64> = c
            .polls
            .iter()
            .filter(|p| p.outcome == Outcome::Ok)
            .map(|p| p.lag_s)
            .collect();
        let min = l.iter().copied().fold(f64::INFINITY, f64::min);
        (l.len(), min, l.iter().copied().fold(0.0, f64::max))
    };
    let not_run = |c: &Finished| {
        c.polls
            .iter()
            .filter(|p| p.outcome == Outcome::NotRun)
            .count()
    };
    // Cycle 0 (due 0-10 s) starts by 30 s: lags up to 2 x 10 s; cycle 1 (due 10-20 s)
    // from 20 s to 40 s late, 2t each.
    let (n, lo, hi) = lags(&done[0]);
    assert!(
        n == 100 && lo == 0.0 && (17.0..20.0).contains(&hi),
        "{n} {lo} {hi}"
    );
    let (n, lo, hi) = lags(&done[1]);
    assert!(n == 100 && lo >= 19.0 && hi < 40.0, "{n} {lo} {hi}");
    assert!(
        done[1].polls.iter().any(|p| p.queued),
        "behind their cycle-0 polls"
    );
    // At the end of the last interval (60 s) the workers are 40 s behind: cycles 2-4 are
    // the backlog left, not run; only polls less than an interval late may still start.
    for c in &done[2..5] {
        assert_eq!((lags(c).0, not_run(c)), (0, 100), "cycle {}", c.cycle);
    }
    let (n, _, hi) = lags(&done[5]);
    assert!(
        n > 0 && n + not_run(&done[5]) == 100 && hi < 10.0,
        "{n} {hi}"
    );
    assert!(s.is_done());
}

#[test]
fn an_undersized_skip_keeps_each_device_to_one_poll_at_a_time() {
    let p = plan(100, 10.0, 6, Start::Burst, OnLate::Skip);
    let (done, _) = simulate(p, 10, 3 * S);
    let all: Vec<&PollSample> = done.iter().flat_map(|c| &c.polls).collect();
    assert_eq!(all.len(), 600);
    let skipped = all.iter().filter(|p| p.outcome == Outcome::Skipped).count();
    let ran = all.iter().filter(|p| p.outcome == Outcome::Ok).count();
    assert!(skipped > 300, "{skipped}");
    assert!(ran > 150, "{ran}");
    assert!(all.iter().all(|p| !p.queued));
}

#[test]
fn the_run_ends_after_its_last_interval() {
    // One worker, two devices, 15 s and 10 s sessions, every 10 s for two cycles.
    let mut s = Schedule::new(plan(2, 10.0, 2, Start::Burst, OnLate::Queue));
    let a = go(s.take(Duration::ZERO));
    assert_eq!(a.device, 0);
    s.started(0, Duration::ZERO);
    // At 10 s both devices' cycle-1 polls queue behind their cycle-0 ones.
    assert_eq!(s.backlog(), 1);
    s.finished(0, 15 * S, Outcome::Ok, true);
    // Device 1's cycle-0 poll (due 0 s) goes first, earliest due first.
    let b = go(s.take(15 * S));
    assert_eq!((b.device, b.due, b.queued), (1, Duration::ZERO, false));
    s.started(1, 15 * S);
    s.finished(1, 25 * S, Outcome::Ok, true);
    // At 25 s, past the last interval (20 s) and one interval after their due time (10 s):
    // both cycle-1 polls are the backlog left, not run.
    assert_eq!(s.take(25 * S), Take::Done);
    let done = s.take_finished();
    let outcomes: Vec<Vec<Outcome>> = done
        .iter()
        .map(|c| c.polls.iter().map(|p| p.outcome.clone()).collect())
        .collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0], [Outcome::Ok, Outcome::Ok]);
    assert_eq!(outcomes[1], [Outcome::NotRun, Outcome::NotRun]);
    assert_eq!(done[0].polls[1].lag_s, 15.0);
}

#[test]
fn a_stop_interrupts_what_waits_and_lets_running_polls_end() {
    let mut s = Schedule::new(plan(4, 10.0, 5, Start::Spread, OnLate::Queue));
    let a = go(s.take(Duration::ZERO));
    s.started(a.device, Duration::ZERO);
    // At 6 s devices 1 (due 2.5 s) and 2 (due 5 s) are due; one is taken, one waits.
    let b = go(s.take(6 * S));
    s.started(b.device, 6 * S);
    s.stop(6 * S);
    assert_eq!(s.take(6 * S), Take::Done);
    assert!(s.take_finished().is_empty(), "two polls still run");
    s.finished(a.device, 7 * S, Outcome::Ok, true);
    s.finished(b.device, 8 * S, Outcome::Interrupted, false);
    let done = s.take_finished();
    assert_eq!(done.len(), 1, "only the cycle in progress");
    let c = &done[0];
    let count = |o: Outcome| c.polls.iter().filter(|p| p.outcome == o).count();
    assert_eq!(
        (count(Outcome::Ok), count(Outcome::Interrupted)),
        (1, 3),
        "device 2 waited, device 3 was not due yet, device 1 was cut off"
    );
    assert!(s.is_done());
}

#[test]
fn reconnects_are_opens_after_a_device_s_first() {
    let mut s = Schedule::new(plan(1, 1.0, 3, Start::Burst, OnLate::Skip));
    for (k, opened) in [(0u32, true), (1, false), (2, true)] {
        let t = go(s.take(k * S));
        s.started(t.device, k * S);
        s.finished(t.device, k * S + S / 2, Outcome::Ok, opened);
    }
    let polls: Vec<(bool, bool)> = s
        .take_finished()
        .iter()
        .map(|c| (c.polls[0].opened, c.polls[0].reconnect))
        .collect();
    assert_eq!(polls, [(true, false), (false, false), (true, true)]);
    // Renewed sessions open every poll: none of them is a reconnect.
    let mut p = plan(1, 1.0, 2, Start::Burst, OnLate::Skip);
    p.sessions_kept = false;
    let mut s = Schedule::new(p);
    for k in 0..2u32 {
        let t = go(s.take(k * S));
        s.started(t.device, k * S);
        s.finished(t.device, k * S + S / 2, Outcome::Ok, true);
    }
    assert!(s.take_finished().iter().all(|c| !c.polls[0].reconnect));
}

/// The memory bound: what the schedule holds does not grow with the number of polls.
#[test]
fn per_device_state_does_not_grow_with_the_number_of_polls() {
    // Late now and then (the backlog clears), and late for good (device 0 of 50 takes
    // 1.1 s every 1 s: with queue its backlog grows by a poll every ten intervals).
    let now_and_then = |t: &Ticket| {
        Duration::from_millis(if t.device % 7 == 0 && t.cycle % 5 == 0 {
            1100
        } else {
            50
        })
    };
    let for_good = |t: &Ticket| Duration::from_millis(if t.device == 0 { 1100 } else { 50 });
    let sessions: [&dyn Fn(&Ticket) -> Duration; 2] = [&now_and_then, &for_good];
    for (which, session) in sessions.into_iter().enumerate() {
        for on_late in OnLate::ALL {
            let devices = 50;
            let mut most = Held {
                slots: 0,
                ready: 0,
                open_cycles: 0,
                samples: 0,
                late: 0,
            };
            // 2 000 cycles: 100 000 polls.
            let p = plan(devices, 1.0, 2_000, Start::Spread, on_late);
            let (done, s) = simulate_with(p, 8, session, |s| {
                let h = s.held();
                most.slots = most.slots.max(h.slots);
                most.ready = most.ready.max(h.ready);
                most.open_cycles = most.open_cycles.max(h.open_cycles);
                most.samples = most.samples.max(h.samples);
            });
            assert_eq!(done.len(), 2_000);
            assert_eq!(most.slots, devices);
            assert!(most.ready <= devices);
            assert!(
                most.open_cycles <= MAX_OPEN + 1,
                "{which} {on_late:?}: {most:?}"
            );
            assert!(most.samples <= (MAX_OPEN + 1) * devices);
            if which == 0 || on_late == OnLate::Skip {
                assert!(most.open_cycles <= 3, "{which} {on_late:?}: {most:?}");
            } else {
                // The backlog that never clears: its cycles come out after MAX_OPEN
                // intervals, their last polls counted as still waiting.
                assert_eq!(most.open_cycles, MAX_OPEN, "{most:?}");
                assert!(done.iter().any(|c| c.waiting > 0));
            }
            assert_eq!(s.held().late, 0, "taken by the caller");
            assert!(std::mem::size_of::<Slot>() <= 48);
        }
    }
}
