//! The steady-state schedule (`fleetbench poll`), pure over a clock passed in: which poll is
//! due when, which one a free worker takes next, what a late poll does, when the run ends,
//! and which cycles are finished. No thread, no sleep, no socket: [`super::steady`] drives
//! it with the real clock, tests with a fake one.
//!
//! # The rules
//! - Device `i` of `n` is due in cycle `k` at `k·T` (`Start::Burst`) or `k·T + i·T/n`
//!   (`Start::Spread`); cycles `0..cycles`. A poll is *released* at its due time.
//! - A released poll of an idle device waits for a worker in `ready`, earliest due first.
//!   A worker takes from there; the poll's lag is its start − its due time, whenever the
//!   worker got to it (open loop: no coordinated omission).
//! - A poll released while the device's previous poll is still waiting or running is
//!   skipped (`OnLate::Skip`), or waits behind it and is released to `ready` when it ends
//!   (`OnLate::Queue`). A device therefore never has two polls at once.
//! - The end: nothing is released after the last cycle; a poll may start until the end of
//!   the last interval, or one interval after its due time if that is later; what is still
//!   waiting then is *not run* (the backlog left). Polls running then finish.
//! - A stop: nothing starts any more; what waits, and the rest of the cycle in progress,
//!   is *interrupted*.
//! - A cycle is finished when each of its `n` polls ended, was skipped or was not run;
//!   finished cycles come out in order. A cycle waits at most [`MAX_OPEN`] intervals for
//!   its last polls: past that (a backlog that never clears, a poll that hangs for its
//!   whole budget) it comes out with those polls counted as still waiting, and they reach
//!   the run's totals as [`Schedule::take_late`] when they end.
//!
//! # Memory
//! Per device a `Slot` of a fixed size, whatever the number of polls: a queued device's
//! backlog is a range of cycles (`next..=last released`), not a list. `ready` holds at most
//! one poll per device; at most [`MAX_OPEN`] cycles are open, each holding at most one
//! sample per device; late samples wait only until the next finished cycle takes them.

use fleetbench_report::steady::{OnLate, Outcome, PollSample, Start};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

/// Most cycles open at once: a cycle older than this many intervals comes out with its
/// polls still waiting counted as such.
pub const MAX_OPEN: usize = 64;

/// What to schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The interval.
    pub every: Duration,
    /// Cycles to run (the duration in whole intervals).
    pub cycles: u64,
    pub devices: usize,
    pub start: Start,
    pub on_late: OnLate,
    /// Sessions are kept between polls: a device's later open is a reconnect (with
    /// renewed sessions every poll opens one, and none is).
    pub sessions_kept: bool,
}

impl Plan {
    /// Device `i`'s due time within an interval.
    pub fn offset(&self, device: usize) -> Duration {
        match self.start {
            Start::Burst => Duration::ZERO,
            Start::Spread => {
                let n = self.devices.max(1) as u128;
                let ns = self.every.as_nanos() * device as u128 / n;
                Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
            }
        }
    }

    /// The start of cycle `k`.
    pub fn cycle_start(&self, cycle: u64) -> Duration {
        self.every
            .saturating_mul(u32::try_from(cycle).unwrap_or(u32::MAX))
    }

    /// When device `i` is due in cycle `k`, since the run's start.
    pub fn due(&self, device: usize, cycle: u64) -> Duration {
        self.cycle_start(cycle).saturating_add(self.offset(device))
    }

    /// The end of the last interval.
    pub fn end(&self) -> Duration {
        self.cycle_start(self.cycles)
    }

    /// The latest a poll due at `due` may start: the end of the last interval, or one
    /// interval after its due time, whichever is later.
    pub fn start_deadline(&self, due: Duration) -> Duration {
        self.end().max(due.saturating_add(self.every))
    }
}

/// A poll handed to a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    pub device: usize,
    pub cycle: u64,
    pub due: Duration,
    /// It waited behind the device's previous poll.
    pub queued: bool,
}

/// What a free worker does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    Go(Ticket),
    /// Nothing to start before this time (`None`: until a poll ends).
    Wait(Option<Duration>),
    /// No more work will come.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    /// In `ready`, waiting for a worker.
    Waiting,
    /// Handed to a worker; its session's start once known.
    Running(Option<Duration>),
}

/// One device: a fixed size, whatever the number of its polls.
#[derive(Debug, Clone, Copy)]
struct Slot {
    state: State,
    /// The cycle of the poll waiting or running.
    cycle: u64,
    queued: bool,
    /// `OnLate::Queue`: the next cycle of this device not yet handed to `ready`; every
    /// released cycle from here on waits behind the current poll.
    next: u64,
    /// A session was opened for this device before (a later open is a reconnect).
    opened: bool,
}

/// A cycle not finished yet.
#[derive(Debug)]
struct OpenCycle {
    /// Its polls that are over, in the order they ended.
    polls: Vec<PollSample>,
    /// The end of its last poll that ran.
    last_end: Option<Duration>,
}

/// A finished cycle, its polls in the order they ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub cycle: u64,
    /// Its start, since the run's start.
    pub start: Duration,
    /// From its start to the end of its last poll that ran (zero if none ran).
    pub duration: Duration,
    pub polls: Vec<PollSample>,
    /// Its polls still waiting or running when it came out (it was open [`MAX_OPEN`]
    /// intervals); they reach the totals through [`Schedule::take_late`].
    pub waiting: u64,
    /// Polls due and not started when it finished.
    pub backlog: u64,
}

/// What a schedule holds right now, for the memory bound's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub slots: usize,
    pub ready: usize,
    pub open_cycles: usize,
    pub samples: usize,
    pub late: usize,
}

/// The schedule's state (see the module docs).
#[derive(Debug)]
pub struct Schedule {
    plan: Plan,
    slots: Vec<Slot>,
    /// The next poll to release, in due order: (cycle, device).
    cursor: (u64, usize),
    ready: BinaryHeap<Reverse<(Duration, usize)>>,
    /// Queued polls waiting behind their device's current one.
    pending: u64,
    /// Cycles `first_open..`, oldest first.
    open: VecDeque<OpenCycle>,
    first_open: u64,
    finished: Vec<Finished>,
    /// Polls of cycles already out that ended since the last [`Schedule::take_late`].
    late: Vec<PollSample>,
    stopped: bool,
}

impl Schedule {
    pub fn new(plan: Plan) -> Schedule {
        let slot = Slot {
            state: State::Idle,
            cycle: 0,
            queued: false,
            next: 0,
            opened: false,
        };
        let empty = plan.devices == 0 || plan.cycles == 0;
        Schedule {
            plan,
            slots: vec![slot; plan.devices],
            cursor: if empty { (plan.cycles, 0) } else { (0, 0) },
            ready: BinaryHeap::new(),
            pending: 0,
            open: VecDeque::new(),
            first_open: 0,
            finished: Vec::new(),
            late: Vec::new(),
            stopped: false,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Polls due and not started.
    pub fn backlog(&self) -> u64 {
        self.ready.len() as u64 + self.pending
    }

    pub fn held(&self) -> Held {
        Held {
            slots: self.slots.len(),
            ready: self.ready.len(),
            open_cycles: self.open.len(),
            samples: self.open.iter().map(|c| c.polls.len()).sum(),
            late: self.late.len(),
        }
    }

    /// The cycles finished since the last call, in order.
    pub fn take_finished(&mut self) -> Vec<Finished> {
        std::mem::take(&mut self.finished)
    }

    /// Polls that ended since the last call whose cycle had already come out.
    pub fn take_late(&mut self) -> Vec<PollSample> {
        std::mem::take(&mut self.late)
    }

    fn released_all(&self) -> bool {
        self.stopped || self.cursor.0 >= self.plan.cycles
    }

    /// The last cycle of `device` released so far.
    fn last_released(&self, device: usize) -> Option<u64> {
        let (k, i) = self.cursor;
        if device < i {
            Some(k)
        } else {
            k.checked_sub(1)
        }
    }

    /// Releases every poll due at or before `now`.
    fn release(&mut self, now: Duration) {
        while !self.stopped && !self.released_all() {
            let (k, i) = self.cursor;
            let due = self.plan.due(i, k);
            if due > now {
                break;
            }
            self.cursor = if i + 1 < self.plan.devices {
                (k, i + 1)
            } else {
                (k + 1, 0)
            };
            if i == 0 {
                self.open.push_back(OpenCycle {
                    polls: Vec::new(),
                    last_end: None,
                });
                if self.open.len() > MAX_OPEN {
                    self.close_oldest();
                }
            }
            let slot = &mut self.slots[i];
            if slot.state == State::Idle {
                *slot = Slot {
                    state: State::Waiting,
                    cycle: k,
                    queued: false,
                    next: k + 1,
                    ..*slot
                };
                self.ready.push(Reverse((due, i)));
            } else {
                match self.plan.on_late {
                    OnLate::Skip => self.resolve(k, PollSample::missed(Outcome::Skipped), None),
                    OnLate::Queue => self.pending += 1,
                }
            }
        }
    }

    /// A free worker asks at `now`.
    pub fn take(&mut self, now: Duration) -> Take {
        if self.stopped {
            return Take::Done;
        }
        self.release(now);
        while let Some(Reverse((due, i))) = self.ready.pop() {
            let slot = self.slots[i];
            if now >= self.plan.start_deadline(due) {
                // Waited past its chance: the backlog left at the end.
                self.slots[i].state = State::Idle;
                self.resolve(slot.cycle, PollSample::missed(Outcome::NotRun), None);
                self.place_next(i, now);
                continue;
            }
            self.slots[i].state = State::Running(None);
            return Take::Go(Ticket {
                device: i,
                cycle: slot.cycle,
                due,
                queued: slot.queued,
            });
        }
        if !self.released_all() {
            let (k, i) = self.cursor;
            return Take::Wait(Some(self.plan.due(i, k)));
        }
        if self.pending == 0 {
            Take::Done
        } else {
            Take::Wait(None)
        }
    }

    /// Whether no more work will come (everything released, nothing waiting).
    pub fn is_done(&self) -> bool {
        self.stopped || (self.released_all() && self.ready.is_empty() && self.pending == 0)
    }

    /// The poll of `device` handed out began its session at `now` (a retry's later starts
    /// do not move it).
    pub fn started(&mut self, device: usize, now: Duration) {
        if let Some(slot) = self.slots.get_mut(device)
            && slot.state == State::Running(None)
        {
            slot.state = State::Running(Some(now));
        }
    }

    /// The poll of `device` handed out ended at `now` with `outcome` (`Ok`, `Failed`, or
    /// `Interrupted` when a stop cut it off); `opened`: it opened a session (its phases
    /// begin with a connect).
    pub fn finished(&mut self, device: usize, now: Duration, outcome: Outcome, opened: bool) {
        let Some(slot) = self.slots.get(device).copied() else {
            return;
        };
        let State::Running(start) = slot.state else {
            return;
        };
        let due = self.plan.due(device, slot.cycle);
        let ran = matches!(outcome, Outcome::Ok | Outcome::Failed { .. });
        let (sample, end) = if ran {
            let start = start.unwrap_or(now);
            let sample = PollSample {
                outcome,
                lag_s: start.saturating_sub(due).as_secs_f64(),
                latency_s: now.saturating_sub(due).as_secs_f64(),
                session_s: now.saturating_sub(start).as_secs_f64(),
                queued: slot.queued,
                opened,
                reconnect: opened && slot.opened && self.plan.sessions_kept,
            };
            (sample, Some(now))
        } else {
            (PollSample::missed(Outcome::Interrupted), None)
        };
        let s = &mut self.slots[device];
        s.state = State::Idle;
        s.opened |= opened;
        self.resolve(slot.cycle, sample, end);
        self.place_next(device, now);
    }

    /// After `device`'s poll ended at `now`: with `OnLate::Queue`, its next waiting cycle
    /// goes to `ready` (polls that waited past their chance, or a stop, end here).
    fn place_next(&mut self, device: usize, now: Duration) {
        // After a stop, what was queued is already interrupted.
        if self.plan.on_late != OnLate::Queue || self.stopped {
            return;
        }
        while let Some(last) = self.last_released(device) {
            let k = self.slots[device].next;
            if k > last {
                break;
            }
            self.slots[device].next = k + 1;
            self.pending = self.pending.saturating_sub(1);
            let due = self.plan.due(device, k);
            if now >= self.plan.start_deadline(due) {
                self.resolve(k, PollSample::missed(Outcome::NotRun), None);
            } else {
                let slot = &mut self.slots[device];
                slot.state = State::Waiting;
                slot.cycle = k;
                slot.queued = true;
                self.ready.push(Reverse((due, device)));
                break;
            }
        }
    }

    /// A stop at `now`: nothing starts any more; every poll waiting, queued or not yet due
    /// in the cycle in progress is interrupted. Polls running end as they end.
    pub fn stop(&mut self, now: Duration) {
        if self.stopped {
            return;
        }
        self.release(now);
        // Queued polls, behind a waiting or running one.
        if self.plan.on_late == OnLate::Queue {
            for d in 0..self.slots.len() {
                let Some(last) = self.last_released(d) else {
                    continue;
                };
                for k in self.slots[d].next..=last {
                    self.resolve(k, PollSample::missed(Outcome::Interrupted), None);
                }
                self.slots[d].next = self.slots[d].next.max(last + 1);
            }
            self.pending = 0;
        }
        // The rest of the cycle in progress: its devices not due yet.
        let (k, i) = self.cursor;
        if i > 0 {
            for _ in i..self.plan.devices {
                self.resolve(k, PollSample::missed(Outcome::Interrupted), None);
            }
        }
        self.stopped = true;
        while let Some(Reverse((_, d))) = self.ready.pop() {
            let cycle = self.slots[d].cycle;
            self.slots[d].state = State::Idle;
            self.resolve(cycle, PollSample::missed(Outcome::Interrupted), None);
        }
    }

    /// A poll of cycle `cycle` is over; finished cycles move out, in order.
    fn resolve(&mut self, cycle: u64, sample: PollSample, end: Option<Duration>) {
        let Some(at) = cycle.checked_sub(self.first_open) else {
            // Its cycle already came out.
            self.late.push(sample);
            return;
        };
        let Some(c) = self.open.get_mut(at as usize) else {
            return;
        };
        c.polls.push(sample);
        if let Some(end) = end {
            c.last_end = Some(c.last_end.map_or(end, |e| e.max(end)));
        }
        while self
            .open
            .front()
            .is_some_and(|c| c.polls.len() >= self.plan.devices)
        {
            self.close_oldest();
        }
    }

    /// Every cycle still open comes out (the run is over; what never ended counts as
    /// waiting).
    pub fn close_all(&mut self) {
        while !self.open.is_empty() {
            self.close_oldest();
        }
    }

    /// The oldest open cycle comes out, finished or not.
    fn close_oldest(&mut self) {
        let Some(c) = self.open.pop_front() else {
            return;
        };
        let k = self.first_open;
        self.first_open += 1;
        let start = self.plan.cycle_start(k);
        self.finished.push(Finished {
            cycle: k,
            start,
            duration: c
                .last_end
                .map_or(Duration::ZERO, |e| e.saturating_sub(start)),
            waiting: self.plan.devices.saturating_sub(c.polls.len()) as u64,
            polls: c.polls,
            backlog: self.ready.len() as u64 + self.pending,
        });
    }
}

#[cfg(test)]
mod tests;
