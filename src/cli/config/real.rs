//! What commands that poll a real inventory many times add: the confirmation (`--yes`,
//! `--confirm-above`) and `sweep --inventory`'s fleet and job.

use super::{BastionConfig, FleetConfig, FleetSource, JobConfig, commands, sweep};
use crate::cli::args::{ConfirmArgs, SweepArgs};
use crate::sweep::SweepOptions;
use anyhow::{Result, anyhow};
use fleetbench_client::hostkeys::HostKeyPolicy;
use fleetbench_client::job::OnCommandError;
use fleetbench_client::stop::Stop;
use std::collections::BTreeMap;

/// `--yes` and `--confirm-above`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfirmConfig {
    pub yes: bool,
    pub above: u64,
}

impl From<&ConfirmArgs> for ConfirmConfig {
    fn from(a: &ConfirmArgs) -> Self {
        ConfirmConfig {
            yes: a.yes,
            above: a.confirm_above,
        }
    }
}

/// `sweep --inventory`: the sweep, and the real fleet it polls.
#[derive(Debug, Clone)]
pub struct InventorySweepConfig {
    pub sweep: SweepOptions,
    pub fleet: FleetConfig,
    pub job: JobConfig,
    pub confirm: ConfirmConfig,
}

/// `sweep --inventory FILE`: the worker settings over real devices (host keys under
/// accept-new, as for `compare`).
pub fn sweep_inventory(
    a: &SweepArgs,
    command_line: String,
    stop: &Stop,
) -> Result<InventorySweepConfig> {
    let Some(path) = &a.inventory else {
        return Err(anyhow!("sweep_inventory needs --inventory"));
    };
    let mut sweep = sweep(a, command_line, stop)?;
    sweep.inventory = Some(path.clone());
    sweep.profile = format!("inventory {}", path.display());
    let fleet = FleetConfig {
        source: FleetSource::Inventory(path.clone()),
        host_keys: HostKeyPolicy::AcceptNew,
        known_hosts: a.known_hosts.clone(),
        ask_password: false,
        record: false,
        shard: None,
        algorithms: Default::default(),
        bastion: BastionConfig::default(),
    };
    let job = JobConfig {
        commands: commands(&a.commands),
        default_commands: a.commands.commands.is_empty(),
        commands_by_type: BTreeMap::new(),
        on_command_error: OnCommandError::Fail,
        timeout: None,
        max_output: None,
        bastion: Default::default(),
        aaa_timeout: None,
    };
    Ok(InventorySweepConfig {
        sweep,
        fleet,
        job,
        confirm: (&a.confirm).into(),
    })
}
