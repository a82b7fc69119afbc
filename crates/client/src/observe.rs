//! What a run tells the outside world while it goes: the library prints nothing, it sends
//! [`Event`]s to an [`Observer`], and the CLI renders them (the `--verbose` lines, the
//! per-strategy lines, a progress display).
//!
//! Every strategy sends the same events, interrupted or not: for each run a
//! [`Event::RunStarted`], a [`Event::DeviceStarted`] for every session a worker actually
//! started (one per attempt of a device retried under `--retries`), exactly one
//! [`Event::DeviceFinished`] per device (ok, failed, or never started
//! because the run was stopped), then a [`Event::RunFinished`]; after a strategy's runs, one
//! [`Event::StrategyFinished`]. Device events may come from any thread.

use fleetbench_inventory::Device;
use fleetbench_report::DeviceResult;
use fleetbench_report::StrategyKind;
use fleetbench_report::{FleetInfo, StrategyReport};
use std::path::Path;
use std::time::Duration;

/// One thing that happened during a compare, run or sweep.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A compare is about to run `strategies` over the fleet.
    CompareStarted {
        fleet: &'a FleetInfo,
        commands: &'a [String],
        strategies: &'a [StrategyKind],
        runs: usize,
        warmup: usize,
    },
    /// Run `run` (0-based, warm-up runs counted separately) of `strategy` starts.
    RunStarted {
        strategy: StrategyKind,
        run: usize,
        warmup: bool,
        devices: usize,
    },
    /// A worker is about to connect to device `index` (again, for a retried device).
    DeviceStarted {
        index: usize,
        device: &'a Device,
        /// `pid/thread` of whoever runs the session.
        worker: &'a str,
        unix: f64,
    },
    /// Device `index` has its result: ok, failed (`result.error` says which kind), or
    /// `interrupted` without having started (then `result.worker` is empty).
    DeviceFinished {
        index: usize,
        result: &'a DeviceResult,
    },
    /// A run ended; `stopped` when a stop was requested during it.
    RunFinished {
        strategy: StrategyKind,
        run: usize,
        warmup: bool,
        wall: Duration,
        ok: usize,
        failed: usize,
        interrupted: usize,
        stopped: bool,
    },
    /// Every run of a strategy is done; `report` summarises them.
    StrategyFinished { report: &'a StrategyReport },
    /// Run `run` (0-based, warm-up runs counted separately) of the external poller `name`
    /// starts over `devices` devices (`compare --external`): its sessions are its own, so
    /// no device event follows, only [`Event::ExternalRunFinished`].
    ExternalRunStarted {
        name: &'a str,
        run: usize,
        warmup: bool,
        devices: usize,
    },
    /// That run ended: its wall time, the devices that answered (by the devices' record or
    /// its results file), and why the run failed as a whole, if it did.
    ExternalRunFinished {
        name: &'a str,
        run: usize,
        warmup: bool,
        wall: Duration,
        ok: usize,
        failed: usize,
        error: Option<&'a fleetbench_report::ErrorInfo>,
    },
    /// New host keys were recorded (accept-new).
    HostKeysRecorded { count: usize, path: &'a Path },
    /// Something worth telling that does not stop the run.
    Warning { message: &'a str },
}

/// Receives [`Event`]s, from whichever thread did the work.
pub trait Observer: Sync {
    fn on(&self, event: &Event<'_>);
}

impl<F: Fn(&Event<'_>) + Sync> Observer for F {
    fn on(&self, event: &Event<'_>) {
        self(event)
    }
}

/// Observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {
    fn on(&self, _: &Event<'_>) {}
}
