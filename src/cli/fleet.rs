//! Opening the fleet of a validated [`FleetConfig`]: the first side effects of `compare` and
//! `run` (reading the inventory and known_hosts, asking for a password, starting emulators).

use super::config::{BastionTarget, FleetConfig, FleetSource, JobConfig};
use crate::fleet::Fleet;
use fleetbench_emulator::FleetSpec;
use fleetbench_inventory::Device;

use crate::shard::{Selection, Shard, ShardSource};
use anyhow::{Context, Result, anyhow};
use fleetbench_client::job::Job;

pub fn open(cfg: &FleetConfig) -> Result<Fleet> {
    let mut fleet = open_source(cfg)?;
    if !cfg.algorithms.is_default() {
        for d in &mut fleet.devices {
            d.algorithms = d.algorithms.overridden_by(&cfg.algorithms);
        }
    }
    if let Some(BastionTarget::Address { user, host, port }) = &cfg.bastion.target {
        let password = if cfg.bastion.ask_password {
            Some(ask_secret(&format!(
                "fleetbench: password for the bastion {host}: "
            ))?)
        } else {
            None
        };
        for d in &mut fleet.devices {
            d.bastion = Some(fleetbench_inventory::Bastion {
                host: host.clone(),
                port: *port,
                username: user.clone().unwrap_or_else(|| d.username.clone()),
                password: password.clone(),
                key_file: cfg.bastion.key.clone(),
            });
        }
    }
    fleet.set_bastion_plan(cfg.bastion.plan);
    Ok(fleet)
}

/// One line from the controlling terminal, echo off.
fn ask_secret(prompt: &str) -> Result<fleetbench_inventory::Secret> {
    let pw =
        rpassword::prompt_password(prompt).context("cannot read a password from the terminal")?;
    if pw.is_empty() {
        return Err(anyhow!("an empty password was entered"));
    }
    Ok(fleetbench_inventory::Secret::new(pw))
}

fn open_source(cfg: &FleetConfig) -> Result<Fleet> {
    match &cfg.source {
        FleetSource::Inventory(path) => {
            let mut inv = fleetbench_inventory::load(path, &fleetbench_client::Libssh2::new())?;
            for w in &inv.warnings {
                crate::errln!(
                    "fleetbench: warning: {}",
                    crate::present::sanitize::for_terminal(w)
                );
            }
            let names: Vec<String> = inv.devices.iter().map(|d| d.name.clone()).collect();
            let selection = select(cfg.shard, &names)?;
            if let Some(sel) = &selection {
                inv.devices = sel.keep(std::mem::take(&mut inv.devices));
            }
            if cfg.ask_password {
                ask_password(&mut inv.devices)?;
            }
            let no_agent = credentials(&inv.devices)?;
            // With --host-keys insecure nothing is checked, and saying "strictly" would lie.
            if let (None, Some(f), false) = (
                &cfg.known_hosts,
                crate::fleet::inventory_known_hosts(path),
                cfg.host_keys == fleetbench_client::hostkeys::HostKeyPolicy::Insecure,
            ) {
                crate::errln!(
                    "fleetbench: host keys from {} (beside the inventory), checked strictly",
                    f.display()
                );
            }
            let mut fleet =
                Fleet::from_inventory(inv.devices, path, cfg.host_keys, cfg.known_hosts.as_deref())
                    .context("reading known_hosts")?;
            fleet.shard = selection.map(|s| s.info);
            fleet.no_agent = no_agent;
            Ok(fleet)
        }
        FleetSource::Emulated {
            devices,
            profile,
            seed,
            platforms,
            network,
        } => {
            let selection = select(cfg.shard, &super::config::emulated_names(*devices))?;
            let mut spec = FleetSpec::new(*devices, profile.profile.clone());
            spec.seed = *seed;
            spec.base_port = 0;
            spec.platforms = platforms.clone();
            spec.record = cfg.record;
            if cfg.bastion.target == Some(BastionTarget::Emulated) {
                spec.bastion = Some(fleetbench_emulator::BastionSpec::default());
            }
            if let Some((net, method)) = network.as_deref() {
                if selection.is_some() {
                    return Err(anyhow!(
                        "--network and --shard do not mix: each shard would emulate its own network"
                    ));
                }
                return Ok(Fleet::behind_network(spec, &profile.name, net, *method)?);
            }
            spec.only = selection.as_ref().map(|s| s.info.positions.clone());
            let mut fleet =
                Fleet::emulated(spec, &profile.name).context("starting the emulated fleet")?;
            fleet.shard = selection.map(|s| s.info);
            Ok(fleet)
        }
    }
}

/// The shard's part of a fleet of `names`, said on stderr.
fn select(shard: Option<(Shard, ShardSource)>, names: &[String]) -> Result<Option<Selection>> {
    let Some((shard, source)) = shard else {
        return Ok(None);
    };
    let sel = Selection::new(shard, source, names)?;
    crate::errln!(
        "fleetbench: shard {shard} ({}): {} of {} devices",
        crate::shard::origin(source, |v| std::env::var(v).ok()),
        sel.info.positions.len(),
        names.len()
    );
    Ok(Some(sel))
}

/// The job of `cfg` for `fleet`'s host keys.
pub fn job(cfg: &JobConfig, fleet: &Fleet) -> Job {
    let mut job = Job::new(cfg.commands.clone(), fleet.host_keys.clone());
    if cfg.default_commands {
        // Each platform's own `show clock` (`show system uptime` on Junos, `date` on Linux).
        job = job.default_clock(fleet.devices.iter().map(|d| d.device_type.as_str()));
    }
    job.commands_by_type.extend(cfg.commands_by_type.clone());
    job.on_command_error = cfg.on_command_error;
    job.timeout = cfg.timeout;
    job.max_output = cfg.max_output;
    job.bastion = cfg.bastion;
    job.aaa_timeout = cfg.aaa_timeout;
    job.no_agent = fleet.no_agent.clone();
    job
}

/// Devices with neither a password nor a key file can log in only with an ssh-agent's keys:
/// when no agent is usable, say so now, with the fixes. Every device like that: an error
/// (nothing could be polled); some: a warning, and they end `no_credentials` without a
/// connection. Returns why the agent is unusable, for the job, when it matters.
fn credentials(devices: &[Device]) -> Result<Option<String>> {
    let bare: Vec<String> = devices
        .iter()
        .filter(|d| d.password.is_none() && d.key_file.is_none())
        .map(|d| d.name.clone())
        .collect();
    if bare.is_empty() {
        return Ok(None);
    }
    let why = match fleetbench_client::agent::probe() {
        fleetbench_client::agent::Agent::Usable { .. } => return Ok(None),
        fleetbench_client::agent::Agent::Unusable(why) => why,
    };
    let which = crate::present::labels::name_list(&bare, 5);
    let fix = "give it one with --ask-password (asked once, echo off), `password:` in the \
               inventory (or `password: ${VAR}`, read from the environment), or `key_file:`";
    if bare.len() == devices.len() {
        return Err(anyhow!(
            "{} no password, no key file and no usable ssh-agent ({why}): {which}; {fix}",
            if bare.len() == 1 {
                "the device has".to_string()
            } else {
                format!("all {} devices have", bare.len())
            }
        ));
    }
    crate::errln!(
        "fleetbench: warning: {} no password, no key file and no usable ssh-agent ({why}): \
         {which}; not contacted (no_credentials): {fix}",
        crate::present::plural::count(bare.len(), "device")
            + if bare.len() == 1 { " has" } else { " have" }
    );
    Ok(Some(why))
}

/// `--ask-password`: one prompt on the controlling terminal, echo off; the answer becomes the
/// password of every device without one. Nothing is asked when every device has one.
fn ask_password(devices: &mut [Device]) -> Result<()> {
    let missing = devices.iter().filter(|d| d.password.is_none()).count();
    if missing == 0 {
        crate::errln!("fleetbench: --ask-password: every device has a password; not asking");
        return Ok(());
    }
    let prompt = format!("fleetbench: password for {missing} device(s) without one: ");
    let pw = rpassword::prompt_password(prompt)
        .context("--ask-password: cannot read a password from the terminal")?;
    if pw.is_empty() {
        return Err(anyhow!("--ask-password: an empty password was entered"));
    }
    let pw = fleetbench_inventory::Secret::new(pw);
    for d in devices.iter_mut().filter(|d| d.password.is_none()) {
        d.password = Some(pw.clone());
    }
    Ok(())
}
