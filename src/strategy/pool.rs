//! What the in-process strategies share: polling one device with its events, and collecting
//! results by index.

use super::{Event, RunOutcome, Sink, StrategyKind, is_interrupted};
use crate::device::Device;
use crate::error::SessionError;
use crate::job::Job;
use crate::result::{DeviceResult, ErrorInfo};
use crate::session;
use std::time::Duration;

/// Polls device `index` on the calling thread, telling `sink` when it starts and ends.
pub(super) fn poll_one(index: usize, dev: &Device, job: &Job, sink: Sink<'_>) -> DeviceResult {
    if is_interrupted() {
        return not_run(dev, SessionError::Interrupted);
    }
    sink(Event::Connecting {
        index,
        device: dev,
        worker: session::worker_label(),
        unix: unix_now(),
    });
    let r = session::poll_blocking(dev, job);
    sink(Event::Received { index, result: &r });
    r
}

pub(crate) fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The result of a device that was never polled, or whose worker died.
pub(crate) fn not_run(dev: &Device, err: SessionError) -> DeviceResult {
    let now = unix_now();
    DeviceResult {
        name: dev.name.clone(),
        host: dev.host.clone(),
        port: dev.port,
        ok: false,
        output: String::new(),
        outputs: Vec::new(),
        error: Some(ErrorInfo::from(&err)),
        started_unix: now,
        ended_unix: now,
        phases: Vec::new(),
        host_key: None,
        new_host_key: None,
        worker: String::new(),
        tcp: None,
    }
}

/// Puts results delivered in any order back in inventory order. A missing slot is an
/// invariant violation of the strategy (every index is sent exactly once); it is reported as
/// a device error rather than a panic.
pub(super) fn in_order(devices: &[Device], slots: Vec<Option<DeviceResult>>) -> Vec<DeviceResult> {
    slots
        .into_iter()
        .zip(devices)
        .map(|(slot, dev)| {
            slot.unwrap_or_else(|| {
                not_run(
                    dev,
                    SessionError::WorkerDied {
                        message: "no result was delivered".into(),
                    },
                )
            })
        })
        .collect()
}

pub(super) fn outcome(
    results: Vec<DeviceResult>,
    startup: Duration,
    threads: usize,
    processes: usize,
) -> RunOutcome {
    RunOutcome {
        strategy: StrategyKind::Sequential,
        workers: 1,
        results,
        wall: Duration::ZERO,
        startup,
        threads,
        processes,
    }
}
