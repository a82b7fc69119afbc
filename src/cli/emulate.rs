//! `fleetbench emulate`: an emulated fleet in the foreground until SIGINT or SIGTERM.

use super::args::EmulateArgs;
use super::config::EmulateConfig;
use super::{EXIT_FAILED, EXIT_OK, config};
use crate::fleet::NetworkedFleet;
use anyhow::{Context, Result, anyhow};
use fleetbench_netem::{Method, NetworkSpec};

pub fn run(a: &EmulateArgs) -> Result<i32> {
    let cfg = config::emulate(a)?;
    if let Some((net, method)) = &cfg.network {
        return behind(&cfg, net, *method);
    }
    fleetbench_rusage::raise_nofile_limit();
    // Before the runtime's threads start: they inherit the capability sets.
    fleetbench_emulator::memlock::refuse();
    if let Some(sel) = &cfg.shard {
        crate::errln!(
            "fleetbench: shard {}/{} ({}): serving {} of {} devices",
            sel.info.index,
            sel.info.count,
            crate::shard::origin(sel.info.source, |v| std::env::var(v).ok()),
            sel.info.positions.len(),
            sel.info.fleet_devices
        );
    }
    if !cfg.spec.bind.is_loopback() {
        crate::errln!(
            "fleetbench: warning: binding {} (not loopback) as asked",
            cfg.spec.bind
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    rt.block_on(async {
        // Registered before the fleet binds: a signal that arrives as soon as the inventory
        // file appears must stop the fleet cleanly (and remove the file), not kill it.
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
        let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
        let shutdown = async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        };
        fleetbench_emulator::serve_foreground_with(cfg.spec, &cfg.outputs, shutdown)
            .await
            .map_err(|e| anyhow!(e))
    })?;
    Ok(EXIT_OK)
}

/// `emulate --network`: the fleet behind the link. The command after `--` (if any) runs in
/// the client namespace and its exit status is ours; without one, serves until SIGINT or
/// SIGTERM (other tools reach the fleet with `nsenter -t PID -U -n --preserve-credentials`).
fn behind(cfg: &EmulateConfig, net: &NetworkSpec, method: Method) -> Result<i32> {
    if method == Method::Tun {
        // First, while single-threaded (see `netem::sys`).
        fleetbench_netem::sys::gain_namespace_rights()?;
    }
    fleetbench_rusage::raise_nofile_limit();
    let profile = cfg.spec.profile.name().to_string();
    let fleet = NetworkedFleet::start(net, method, cfg.spec.clone())?;
    if let Some((path, format)) = &cfg.outputs.inventory {
        fleet
            .write_inventory(path, *format)
            .with_context(|| format!("cannot write inventory {}", path.display()))?;
    }
    let mut lines = String::new();
    for (d, (_, link)) in fleet.devices().iter().zip(fleet.links()) {
        lines.push_str(&format!(
            "{} {}:{} profile={profile} rtt={:.0}ms\n",
            d.name,
            d.host,
            d.port,
            link.rtt.as_secs_f64() * 1e3
        ));
    }
    super::stdio::out(&lines)?;
    crate::errln!(
        "fleetbench: {} behind network {} ({}); pid {}",
        crate::present::plural::count(fleet.devices().len(), "device"),
        net.name,
        method.name(),
        std::process::id()
    );
    let Some((program, args)) = cfg.exec.split_first() else {
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
        ])
        .context("installing the signal handlers")?;
        let _ = signals.forever().next();
        return Ok(EXIT_OK);
    };
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("running {program}"))?;
    drop(fleet);
    Ok(status.code().unwrap_or(EXIT_FAILED))
}
