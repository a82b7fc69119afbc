//! Opening the fleet of a validated [`FleetConfig`]: the first side effects of `compare` and
//! `run` (reading the inventory and known_hosts, asking for a password, starting emulators).

use super::config::{FleetConfig, FleetSource, JobConfig};
use crate::device::Device;
use crate::fleet::Fleet;
use crate::inventory;
use crate::job::Job;
use anyhow::{Context, Result, anyhow};

pub fn open(cfg: &FleetConfig) -> Result<Fleet> {
    match &cfg.source {
        FleetSource::Inventory(path) => {
            let mut inv = inventory::load(path)?;
            for w in &inv.warnings {
                eprintln!("fleetbench: warning: {w}");
            }
            if cfg.ask_password {
                ask_password(&mut inv.devices)?;
            }
            Fleet::from_inventory(inv.devices, path, cfg.host_keys, cfg.known_hosts.as_deref())
                .context("reading known_hosts")
        }
        FleetSource::Emulated {
            devices,
            profile,
            seed,
            network: None,
        } => Fleet::emulated_n(*devices, profile.profile.clone(), &profile.name, *seed)
            .context("starting the emulated fleet"),
        FleetSource::Emulated {
            devices,
            profile,
            seed,
            network: Some((net, method)),
        } => {
            let mut spec = crate::emulator::FleetSpec::new(*devices, profile.profile.clone());
            spec.seed = *seed;
            Ok(Fleet::behind_network(spec, &profile.name, net, *method)?)
        }
    }
}

/// The job of `cfg` for `fleet`'s host keys.
pub fn job(cfg: &JobConfig, fleet: &Fleet) -> Job {
    let mut job = Job::new(cfg.commands.clone(), fleet.host_keys.clone());
    job.timeout = cfg.timeout;
    job
}

/// `--ask-password`: one prompt on the controlling terminal, echo off; the answer becomes the
/// password of every device without one. Nothing is asked when every device has one.
fn ask_password(devices: &mut [Device]) -> Result<()> {
    let missing = devices.iter().filter(|d| d.password.is_none()).count();
    if missing == 0 {
        eprintln!("fleetbench: --ask-password: every device has a password; not asking");
        return Ok(());
    }
    let prompt = format!("fleetbench: password for {missing} device(s) without one: ");
    let pw = rpassword::prompt_password(prompt)
        .context("--ask-password: cannot read a password from the terminal")?;
    if pw.is_empty() {
        return Err(anyhow!("--ask-password: an empty password was entered"));
    }
    let pw = crate::secret::Secret::new(pw);
    for d in devices.iter_mut().filter(|d| d.password.is_none()) {
        d.password = Some(pw.clone());
    }
    Ok(())
}
