//! `fleetbench emulate`: an emulated fleet in the foreground until SIGINT or SIGTERM.

use super::args::EmulateArgs;
use super::{EXIT_OK, config};
use anyhow::{Context, Result, anyhow};

pub fn run(a: &EmulateArgs) -> Result<i32> {
    let cfg = config::emulate(a)?;
    crate::measure::raise_nofile_limit();
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
        let shutdown = async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return std::future::pending().await,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        crate::emulator::serve_foreground(cfg.spec, cfg.write_inventory.as_deref(), shutdown).await
    })
    .map_err(|e| anyhow!(e))?;
    Ok(EXIT_OK)
}
