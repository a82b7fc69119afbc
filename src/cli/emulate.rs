//! `fleetbench emulate`: an emulated fleet in the foreground until SIGINT or SIGTERM.

use super::args::EmulateArgs;
use super::{EXIT_OK, config};
use anyhow::{Context, Result, anyhow};

pub fn run(a: &EmulateArgs) -> Result<i32> {
    let cfg = config::emulate(a)?;
    crate::measure::raise_nofile_limit();
    if let Some(sel) = &cfg.shard {
        eprintln!(
            "fleetbench: shard {}/{} (from {}): serving {} of {} devices",
            sel.info.index,
            sel.info.count,
            sel.info.source.describe(),
            sel.info.positions.len(),
            sel.info.fleet_devices
        );
    }
    if !cfg.spec.bind.is_loopback() {
        eprintln!(
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
        crate::emulator::serve_foreground(cfg.spec, cfg.write_inventory.as_deref(), shutdown)
            .await
            .map_err(|e| anyhow!(e))
    })?;
    Ok(EXIT_OK)
}
