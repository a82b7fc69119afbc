//! One device after another on the calling thread: the baseline every speed-up is against.

use super::pool::{Collector, Feed, no_result, outcome, work};
use super::{RunConfig, RunOutcome};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use std::time::Duration;

pub(super) fn run(
    devices: &[Device],
    job: &Job,
    cfg: &RunConfig,
    obs: &dyn Observer,
) -> RunOutcome {
    let (feed, col) = (
        Feed::new(devices.len(), &cfg.stop),
        Collector::new(devices, obs),
    );
    work(&feed, devices, job, cfg.session.as_ref(), &col);
    outcome(col.into_results(&cfg.stop, no_result), Duration::ZERO, 1, 0)
}
