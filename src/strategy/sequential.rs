//! One device after another on the calling thread: the baseline every speed-up is against.

use super::RunOutcome;
use super::pool::{outcome, poll_one};
use crate::device::Device;
use crate::job::Job;
use crate::observe::Observer;
use crate::stop::Stop;
use std::time::Duration;

pub(super) fn run(devices: &[Device], job: &Job, stop: &Stop, obs: &dyn Observer) -> RunOutcome {
    let results = devices
        .iter()
        .enumerate()
        .map(|(i, d)| poll_one(i, d, job, stop, obs))
        .collect();
    outcome(results, Duration::ZERO, 1, 0)
}
