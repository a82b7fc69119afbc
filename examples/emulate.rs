//! A running emulated fleet for trying clients by hand, until Ctrl-C or SIGTERM.
//!
//! `cargo run --example emulate -- [DEVICES] [PROFILE] [BASE_PORT] [INVENTORY_FILE]`
//! (defaults: 3 classic 0 -), e.g. `cargo run --example emulate -- 2 instant 10001 /tmp/inv.yaml`.

// An example: a failed unwrap ends it with its reason (the workspace denies these in library
// code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fleetbench_emulator::{FleetSpec, Profile, serve_foreground};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let devices = args.first().map(|s| s.parse()).transpose()?.unwrap_or(3);
    let profile = Profile::by_name(args.get(1).map_or("classic", String::as_str))?;
    let mut spec = FleetSpec::new(devices, profile);
    spec.base_port = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(0);
    let inventory = args.get(3).map(std::path::PathBuf::from);
    let mut term = signal(SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    serve_foreground(spec, inventory.as_deref(), shutdown).await?;
    eprintln!("emulator stopped");
    Ok(())
}
