//! `sweep`'s configurations: over fleet sizes and worker counts, and over networks.

use super::{SWEEP_PROFILE, check_fault_targets, check_fleet_size, commands, profile_or};
use crate::cli::args::SweepArgs;
use crate::sweep::SweepOptions;
use anyhow::{Result, anyhow};
use fleetbench_client::stop::Stop;
use fleetbench_inventory::output;
use fleetbench_netem::NetworkSpec;
use fleetbench_report::StrategyKind;

pub fn sweep(a: &SweepArgs, command_line: String, stop: &Stop) -> Result<SweepOptions> {
    let profile = profile_or(&a.emulation, SWEEP_PROFILE)?;
    for &n in &a.sizes {
        check_fleet_size("--sizes", n)?;
    }
    check_fault_targets(&profile, a.sizes.iter().copied().max().unwrap_or(0))?;
    let out = match &a.out {
        None => crate::sweep::fresh_dir(std::path::Path::new("results")),
        Some(dir) if crate::sweep::holds_files(dir) && !a.force => {
            return Err(anyhow!(
                "--out {} already holds files (an earlier sweep's?); choose another folder, \
                 leave --out out (a new folder is picked), or add --force to write over them",
                dir.display()
            ));
        }
        Some(dir) => dir.clone(),
    };
    output::check_dir(&out)?;
    if let Some(page) = &a.html {
        if !a.networks.is_empty() {
            return Err(anyhow!(
                "sweep --networks writes no page (its summary.md and plots are in --out): leave \
                 out --html"
            ));
        }
        output::check_file(page)?;
    }
    Ok(SweepOptions {
        sizes: a.sizes.clone(),
        profile_spec: profile.profile,
        workers: match &a.workers_list {
            None => vec![None],
            Some(l) => l.iter().map(|&w| Some(w)).collect(),
        },
        strategies: a
            .strategies
            .clone()
            .unwrap_or_else(|| StrategyKind::ALL.to_vec()),
        profile: profile.name,
        seed: a.emulation.seed,
        runs: a.runs,
        warmup: a.warmup,
        commands: commands(&a.commands),
        out,
        worker_exe: a.worker_exe.clone(),
        timeline_max: a.timeline_max,
        command_line,
        stop: stop.clone(),
        inventory: None,
    })
}

/// `--networks`: a value with `=` is one spec (commas and all), else a comma-separated list.
fn networks(values: &[String]) -> Result<Vec<NetworkSpec>> {
    let mut out = Vec::new();
    for v in values {
        let items: Vec<&str> = if v.contains('=') {
            vec![v.as_str()]
        } else {
            v.split(',').collect()
        };
        for item in items {
            out.push(NetworkSpec::parse(item)?);
        }
    }
    Ok(out)
}

/// `sweep --networks`: sizes x networks x strategies at one worker setting.
pub fn sweep_networks(
    a: &SweepArgs,
    command_line: String,
    stop: &Stop,
) -> Result<crate::sweep::network::NetworkSweepOptions> {
    let base = sweep(a, command_line, stop)?;
    if base.workers.len() > 1 {
        return Err(anyhow!(
            "--networks sweeps networks: give at most one --workers-list value"
        ));
    }
    Ok(crate::sweep::network::NetworkSweepOptions {
        networks: networks(&a.networks)?,
        method: a.network_method,
        workers: base.workers.first().copied().flatten(),
        base,
    })
}
