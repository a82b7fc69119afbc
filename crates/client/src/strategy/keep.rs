//! `--sessions keep`: a poller that keeps each device's session open between its polls,
//! over the session core's kept-session API ([`crate::session::kept`]). One slot per
//! device of the run; a device's polls never overlap (the steady schedule gives a device
//! one poll at a time), so whichever worker takes the device takes its session out of the
//! slot, polls over it and puts it back.
//!
//! Which strategies keep sessions:
//! - `sequential`, `threads`, `rayon`: the sessions wait with `poll(2)` on whichever thread
//!   polls the device next (a libssh2 session can move between threads, never be used by
//!   two at once).
//! - `async`: the sessions' sockets are registered with the run's tokio runtime; any task
//!   of it can use them. They are closed inside the runtime when the run ends.
//! - `processes`: not supported. A session lives in the worker process that opened it, so
//!   each device would have to go to the same worker every time (device-to-worker
//!   affinity), which the pool's one shared queue does not do; [`KeepSessions::remote`] is
//!   `None`, so the pool refuses it, and the command line says why before any work.
//!
//! Devices behind a jump host are polled as with `renew` (the bastion channel is not kept).

use super::poller::{PollFuture, Poller};
use crate::job::Job;
use crate::session::kept::{Kept, poll_kept};
use crate::session::{self, poll_blocking};
use crate::wait::{PollIo, TokioIo};
use fleetbench_inventory::Device;
use fleetbench_report::DeviceResult;
use std::sync::{Mutex, PoisonError};

/// A kept session of one device, for the way its strategy waits.
enum Held {
    None,
    Blocking(Kept<PollIo>),
    Async(Kept<TokioIo>),
}

impl Held {
    fn abandon(self) {
        match self {
            Held::None => {}
            Held::Blocking(k) => k.abandon(),
            Held::Async(k) => k.abandon(),
        }
    }
}

/// Sessions kept between polls, one slot per device of the run.
pub struct KeepSessions {
    slots: Vec<Mutex<Held>>,
}

impl std::fmt::Debug for KeepSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepSessions")
            .field("devices", &self.slots.len())
            .finish()
    }
}

impl KeepSessions {
    /// Room for the sessions of a run of `devices` devices.
    pub fn new(devices: usize) -> KeepSessions {
        KeepSessions {
            slots: (0..devices).map(|_| Mutex::new(Held::None)).collect(),
        }
    }

    /// Sessions open now.
    pub fn open(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| !matches!(*lock(s), Held::None))
            .count()
    }

    fn take(&self, index: usize) -> Option<Held> {
        self.slots
            .get(index)
            .map(|s| std::mem::replace(&mut *lock(s), Held::None))
    }

    fn put(&self, index: usize, held: Held) {
        if let Some(s) = self.slots.get(index) {
            *lock(s) = held;
        }
    }
}

fn lock(m: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Poller for KeepSessions {
    /// Without the device's index there is no slot: a session of its own, as with `renew`.
    fn poll(&self, dev: &Device, job: &Job) -> DeviceResult {
        poll_blocking(dev, job)
    }

    fn poll_async<'a>(&'a self, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
        Box::pin(session::poll_device(&TokioIo, dev, job))
    }

    fn poll_at(&self, index: usize, dev: &Device, job: &Job) -> DeviceResult {
        let Some(held) = self.take(index).filter(|_| dev.bastion.is_none()) else {
            return self.poll(dev, job);
        };
        let mut slot = match held {
            Held::Blocking(k) => Some(k),
            other => {
                other.abandon();
                None
            }
        };
        let r = pollster::block_on(poll_kept(&PollIo, &mut slot, dev, job));
        self.put(index, slot.map_or(Held::None, Held::Blocking));
        r
    }

    fn poll_at_async<'a>(&'a self, index: usize, dev: &'a Device, job: &'a Job) -> PollFuture<'a> {
        Box::pin(async move {
            let Some(held) = self.take(index).filter(|_| dev.bastion.is_none()) else {
                return session::poll_device(&TokioIo, dev, job).await;
            };
            let mut slot = match held {
                Held::Async(k) => Some(k),
                other => {
                    other.abandon();
                    None
                }
            };
            let r = poll_kept(&TokioIo, &mut slot, dev, job).await;
            self.put(index, slot.map_or(Held::None, Held::Async));
            r
        })
    }

    /// The run is over: every kept session is closed, without waiting.
    fn end_run(&self) {
        for i in 0..self.slots.len() {
            if let Some(held) = self.take(i) {
                held.abandon();
            }
        }
    }
}

impl Drop for KeepSessions {
    fn drop(&mut self) {
        self.end_run();
    }
}
