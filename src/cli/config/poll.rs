//! `fleetbench poll`'s validated configuration: the fleet and job as for `compare` and
//! `run`, the schedule, and the files, checked before any side effect.

use super::super::args::PollArgs;
use super::{FleetConfig, JobConfig, debug_slowdown, distinct, fleet, job, run_config};
use crate::steady::{KEEP_PROCESSES, SteadyOptions};
use anyhow::{Result, anyhow};
use fleetbench_client::stop::Stop;
use fleetbench_inventory::output;
use fleetbench_report::StrategyKind;
use fleetbench_report::steady::{SessionMode, Start};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct PollConfig {
    pub fleet: FleetConfig,
    pub job: JobConfig,
    pub steady: SteadyOptions,
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub plots: Option<PathBuf>,
    /// `--stream`: appended to, one line per finished cycle.
    pub stream: Option<PathBuf>,
    pub progress: crate::present::progress::Mode,
    pub verbose: bool,
    /// `--yes`, `--confirm-above`: before a real inventory's many logins.
    pub confirm: super::ConfirmConfig,
    /// `FLEETBENCH_DEBUG_SLOWDOWN` (already in the renew session; kept to say so).
    pub debug_slowdown: f64,
}

pub fn poll(a: &PollArgs, stop: &Stop) -> Result<PollConfig> {
    let f = &a.fleet;
    for p in [&f.json, &f.html, &a.stream].into_iter().flatten() {
        output::check_file(p)?;
    }
    if let Some(d) = &a.plots {
        output::check_dir(d)?;
    }
    distinct(
        &[
            ("--json", f.json.as_deref()),
            ("--html", f.html.as_deref()),
            ("--stream", a.stream.as_deref()),
        ],
        a.plots.as_deref(),
    )?;
    let sessions = a.sessions.clone();
    // Two modes exist: a longer list, or two of one, repeats one.
    if sessions.len() > 2 || (sessions.len() == 2 && sessions[0] == sessions[1]) {
        return Err(anyhow!(
            "--sessions: give each of keep and renew at most once"
        ));
    }
    let fleet = fleet(f)?;
    let keep = sessions.contains(&SessionMode::Keep);
    if keep && a.strategy == StrategyKind::Processes {
        return Err(anyhow!(
            "--sessions keep cannot run on --strategy processes: {KEEP_PROCESSES}"
        ));
    }
    if keep && fleet.bastion.target.is_some() {
        return Err(anyhow!(
            "--sessions keep does not go through --bastion: the bastion's channel would have to \
             be kept too; use --sessions renew"
        ));
    }
    if let Some(pid) = a.emulator_pid
        && fleetbench_rusage::proc_usage(pid).is_none()
    {
        return Err(anyhow!(
            "--emulator-pid {pid}: no such process here (or its /proc cannot be read)"
        ));
    }
    let debug_slowdown = debug_slowdown()?;
    let job = job(f, fleet.bastion.plan);
    Ok(PollConfig {
        fleet,
        job,
        steady: SteadyOptions {
            strategy: a.strategy,
            sessions,
            every: a.every,
            cycles: crate::steady::cycles(a.every, a.length),
            start: if a.spread {
                Start::Spread
            } else {
                Start::Burst
            },
            on_late: a.on_late,
            run: run_config(f, a.workers, stop, debug_slowdown),
            emulator_pid: a.emulator_pid,
        },
        json: f.json.clone(),
        html: f.html.clone(),
        plots: a.plots.clone(),
        stream: a.stream.clone(),
        progress: f.progress.progress.resolve(),
        verbose: f.verbose,
        confirm: (&a.confirm).into(),
        debug_slowdown,
    })
}
