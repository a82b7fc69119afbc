//! One device after another on the calling thread: the baseline every speed-up is against.

use super::pool::{Run, work};
use super::{RunOutcome, StrategyError};
use std::time::Duration;

pub(super) fn run(r: &Run<'_>) -> Result<RunOutcome, StrategyError> {
    let (feed, col) = (r.feed(), r.collector());
    work(r, &feed, &col);
    r.outcome(col, Duration::ZERO, 1)
}
