//! tokio tasks over non-blocking libssh2: W tasks pull devices from the shell's queue, never a
//! thread per device; every wait is a readiness wait on the socket
//! ([`crate::wait::TokioIo`]), so a device that makes the client wait costs no CPU while it
//! does. SIGTERM drops the sessions in flight at once (their sockets close with them).

use super::poller::not_run;
use super::pool::{Attempts, Next, Run};
use super::{RunOutcome, StrategyError};
use crate::error::SessionError;
use crate::session::worker_label;
use fleetbench_report::DeviceResult;
use fleetbench_report::unix_now;
use std::sync::Arc;
use std::time::Instant;

/// Runtime threads: one per core. More would only add context switches, since no task ever
/// blocks its thread.
fn runtime_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// What a task tells the driving loop, which owns the (borrowed, non-'static) collector.
enum Msg {
    Started(usize, String, f64),
    Done(usize, Box<DeviceResult>),
}

pub(super) fn run(r: &Run<'_>) -> Result<RunOutcome, StrategyError> {
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
    let feed = Arc::new(r.feed());
    let shared = Arc::new((r.devices.to_vec(), r.job.clone()));
    let col = r.collector();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..r.workers {
            let (feed, shared, tx) = (feed.clone(), shared.clone(), tx.clone());
            let poller = r.cfg.session.clone();
            let retry = r.cfg.retry;
            tokio::spawn(async move {
                let (devices, job) = &*shared;
                while let Some(i) = feed.take_async().await {
                    let dev = &devices[i];
                    let mut attempts = Attempts::new(i, retry);
                    let r = loop {
                        if !feed.wait_release_async().await {
                            break attempts.stopped_or_interrupted(dev);
                        }
                        let _ = tx.send(Msg::Started(i, worker_label(), unix_now()));
                        let r = tokio::select! {
                            r = poller.poll_at_async(i, dev, job) => r,
                            () = feed.stop().urgent() => not_run(dev, SessionError::Interrupted),
                        };
                        match attempts.after(r) {
                            Next::Done(r) => break *r,
                            Next::Retry(wait) => {
                                let at = std::time::Instant::now() + wait;
                                if !feed.stop().sleep_until_async(at).await {
                                    break attempts.stopped_or_interrupted(dev);
                                }
                            }
                        }
                    };
                    let _ = tx.send(Msg::Done(i, Box::new(r)));
                }
            });
        }
        drop(tx);
        // Ends when every task has finished and dropped its sender.
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Started(i, worker, unix) => col.started(i, &worker, unix),
                Msg::Done(i, r) => col.finish(i, *r),
            }
        }
        // What the session kept (kept sessions' sockets are registered with this runtime)
        // goes while the runtime still runs.
        r.cfg.session.end_run();
    });
    r.outcome(col, startup, threads)
}
