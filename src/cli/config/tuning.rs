//! `tune`'s validated configuration: `compare`'s fleet and job, and the search's settings,
//! with the defaults a real inventory gets.

use super::{ConfirmConfig, FleetSource, MeasureConfig, measure};
use crate::cli::args::TuneArgs;
use anyhow::{Result, anyhow};
use fleetbench_client::stop::Stop;
use fleetbench_report::StrategyKind;
use std::time::Duration;

/// `tune`: the fleet and job as for `compare`, and the search.
#[derive(Debug, Clone)]
pub struct TuneConfig {
    pub measure: MeasureConfig,
    pub tune: crate::tune::TuneOptions,
    pub confirm: ConfirmConfig,
    /// `--failure-budget` as given (a share becomes devices once the fleet is known).
    pub failure_budget: crate::cli::args::FailureBudget,
}

/// The most workers `tune` tries on a real inventory unless told: a first look that does not
/// hit a production AAA server with hundreds of logins at once.
pub const TUNE_REAL_MAX_WORKERS: usize = 64;
/// `tune`'s login budget on a real inventory unless told, in polls of the whole fleet.
pub const TUNE_REAL_BUDGET_POLLS: u64 = 10;
/// The strategies `tune` searches unless told.
pub const TUNE_STRATEGIES: [StrategyKind; 2] = [StrategyKind::Async, StrategyKind::Threads];

pub fn tune(a: &TuneArgs, stop: &Stop) -> Result<TuneConfig> {
    let strategies = a
        .strategies
        .clone()
        .unwrap_or_else(|| TUNE_STRATEGIES.to_vec());
    let mut names = std::collections::HashSet::new();
    if let Some(dup) = a.externals.iter().find(|e| !names.insert(e.name.as_str())) {
        return Err(crate::external::ExternalError::Duplicate(dup.name.clone()).into());
    }
    if let Some(e) = a.externals.iter().find(|e| !e.takes_workers()) {
        return Err(anyhow!(
            "--external {}: tune sets the poller's concurrency through {{workers}} in its \
             command (like `-w {{workers}}` or `max_workers={{workers}}`), and this one has none",
            e.name
        ));
    }
    if a.max_workers.is_some_and(|m| m < a.start_workers) {
        return Err(anyhow!("--max-workers is below --start-workers"));
    }
    let mut cfg = measure(&a.fleet, strategies.clone(), (None, 1, 0), None, stop)?;
    cfg.fleet.record = !a.externals.is_empty();
    let real = matches!(cfg.fleet.source, FleetSource::Inventory(_));
    let aaa_per_s = match &cfg.fleet.source {
        FleetSource::Emulated { profile, .. } => profile
            .profile
            .limits
            .aaa
            .as_ref()
            .filter(|x| !x.service.is_zero())
            .map(|x| x.capacity as f64 / x.service.as_secs_f64()),
        FleetSource::Inventory(_) => None,
    };
    let tune = crate::tune::TuneOptions {
        strategies,
        externals: a.externals.clone(),
        external_deadline: a
            .external_timeout
            .or(a.fleet.timeout)
            .map_or(crate::external::DEFAULT_DEADLINE, Duration::from_secs_f64),
        tolerance: a.tolerance,
        failure_budget: 0,
        resolution: a.resolution,
        start: a.start_workers,
        max_workers: a
            .max_workers
            .or(real.then_some(TUNE_REAL_MAX_WORKERS.max(a.start_workers))),
        max_runs: a.max_runs,
        login_budget: a.login_budget,
        time_budget: Some(a.time_budget),
        cautious: real,
        probe: !a.no_probe && !real,
        aaa_per_s,
        open_files: None,
        run: cfg.compare.run.clone(),
    };
    Ok(TuneConfig {
        measure: cfg,
        tune,
        confirm: (&a.confirm).into(),
        failure_budget: a.failure_budget,
    })
}
