//! tokio tasks over non-blocking libssh2: a task per device, never a thread per device. A
//! semaphore bounds how many sessions are open at once (W); every wait is a readiness wait
//! on the socket ([`crate::wait::TokioIo`]), so a device that makes the client wait costs no
//! CPU while it does.

use super::pool::{in_order, not_run, outcome, unix_now};
use super::{RunOutcome, StrategyError};
use crate::device::Device;
use crate::error::SessionError;
use crate::job::Job;
use crate::observe::{Event, Observer};
use crate::result::DeviceResult;
use crate::session::{poll_device, worker_label};
use crate::stop::Stop;
use crate::wait::TokioIo;
use std::sync::Arc;
use std::time::Instant;

/// Runtime threads: one per core. More would only add context switches, since no task ever
/// blocks its thread.
fn runtime_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// What a task tells the driving loop, which owns the (borrowed, non-'static) observer.
enum Msg {
    Connecting(usize, String, f64),
    Done(usize, Box<DeviceResult>),
}

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    workers: usize,
    stop: &Stop,
    obs: &dyn Observer,
) -> Result<RunOutcome, StrategyError> {
    let t0 = Instant::now();
    let threads = runtime_threads();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("async")
        .enable_all()
        .build()
        .map_err(|e| StrategyError::Setup {
            what: "tokio runtime",
            message: e.to_string(),
        })?;
    let startup = t0.elapsed();
    let sem = Arc::new(tokio::sync::Semaphore::new(workers));
    let job = Arc::new(job.clone());
    let slots = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for (i, dev) in devices.iter().enumerate() {
            let (dev, job, sem, tx) = (dev.clone(), job.clone(), sem.clone(), tx.clone());
            let stop = stop.clone();
            tokio::spawn(async move {
                // The semaphore is never closed, so acquire only fails if it were.
                let r = match sem.acquire_owned().await {
                    Ok(_permit) if !stop.is_requested() => {
                        let _ = tx.send(Msg::Connecting(i, worker_label(), unix_now()));
                        // SIGTERM drops the session at once (its socket closes with it).
                        tokio::select! {
                            r = poll_device(&TokioIo, &dev, &job) => r,
                            () = stop.urgent() => not_run(&dev, SessionError::Interrupted),
                        }
                    }
                    _ => not_run(&dev, SessionError::Interrupted),
                };
                let _ = tx.send(Msg::Done(i, Box::new(r)));
            });
        }
        drop(tx);
        let mut slots: Vec<Option<DeviceResult>> = (0..devices.len()).map(|_| None).collect();
        // Ends when every task has sent Done and dropped its sender.
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Connecting(index, worker, unix) => obs.on(&Event::DeviceStarted {
                    index,
                    device: &devices[index],
                    worker: &worker,
                    unix,
                }),
                Msg::Done(index, result) => {
                    obs.on(&Event::DeviceFinished {
                        index,
                        result: &result,
                    });
                    slots[index] = Some(*result);
                }
            }
        }
        slots
    });
    Ok(outcome(in_order(devices, slots), startup, threads, 0))
}
