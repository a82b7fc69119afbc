//! One device after another on the calling thread: the baseline every speed-up is against.

use super::pool::{outcome, poll_one};
use super::{RunOutcome, Sink};
use crate::device::Device;
use crate::job::Job;
use std::time::Duration;

pub(super) fn run(devices: &[Device], job: &Job, sink: Sink<'_>) -> RunOutcome {
    let results = devices
        .iter()
        .enumerate()
        .map(|(i, d)| poll_one(i, d, job, sink))
        .collect();
    outcome(results, Duration::ZERO, 1, 0)
}
