//! `fleetbench emulate`: a fleet served in the foreground until a signal, with its inventory
//! file written when ready and removed when it stops.

use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;

use super::bound::{BoundFleet, EMULATED_INVENTORY};
use super::error::EmulatorError;
use super::platforms::PlatformMix;
use super::record::Recorder;
use super::spec::FleetSpec;
use fleetbench_inventory::Format;
use fleetbench_inventory::write;

/// The files a fleet served in the foreground writes besides serving (`fleetbench emulate`).
#[derive(Debug, Clone, Default)]
pub struct FleetFiles {
    /// The inventory and its format; written once every listener is bound.
    pub inventory: Option<(PathBuf, Format)>,
    /// Append every session's record here, a JSON line each ([`super::record`]), as it ends.
    pub record: Option<PathBuf>,
    /// Replace inventory files that exist but were not written by fleetbench (`--force`).
    pub force: bool,
}

/// The `--write-inventory` files of a foreground fleet. Claimed before binding: any of them
/// that exists must be fleetbench's own (marked, [`write::MARK`]) unless forced, and a stale
/// ready file is removed. When this is dropped (on exit, a signal included, or on an error
/// after the claim) every file the fleet wrote is removed, the ready file first, each only
/// if it still holds exactly what was written: a file a user put there since is left alone.
pub(super) struct InventoryFiles {
    ready: PathBuf,
    /// Each file written, with a digest of what was written.
    written: Vec<(PathBuf, u64)>,
}

fn digest(path: &Path) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let bytes =
        fleetbench_inventory::input::read(path, fleetbench_inventory::input::INVENTORY).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(h.finish())
}

impl InventoryFiles {
    fn claim(
        path: &Path,
        format: Format,
        jump: bool,
        force: bool,
    ) -> Result<InventoryFiles, EmulatorError> {
        let err = |source| EmulatorError::Inventory {
            path: path.to_path_buf(),
            source,
        };
        write::check_overwrite(&write::planned_files(path, format, jump), force).map_err(err)?;
        let ready = write::ready_file(path, format);
        match std::fs::remove_file(&ready) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(err(source)),
        }
        Ok(InventoryFiles {
            ready,
            written: Vec::new(),
        })
    }

    fn wrote(&mut self, paths: Vec<PathBuf>) {
        self.written = paths
            .into_iter()
            .filter_map(|p| Some((p.clone(), digest(&p)?)))
            .collect();
    }
}

impl Drop for InventoryFiles {
    fn drop(&mut self) {
        // "Gone means stopped": the ready file first.
        self.written.sort_by_key(|(p, _)| *p != self.ready);
        for (p, d) in &self.written {
            if digest(p) == Some(*d) {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Runs a fleet on the current runtime until `shutdown` resolves (`fleetbench emulate`);
/// the inventory's format follows its file name ([`Format::for_output`]).
pub async fn serve_foreground(
    spec: FleetSpec,
    write_inventory: Option<&Path>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let outputs = FleetFiles {
        inventory: write_inventory.map(|p| (p.to_path_buf(), Format::for_output(p))),
        record: None,
        force: false,
    };
    serve_foreground_with(spec, &outputs, shutdown).await
}

/// Writes `text` to standard output, flushed: a closed pipe is an error, not a panic.
#[allow(clippy::print_stdout)]
fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Runs a fleet on the current runtime until `shutdown` resolves.
///
/// Binds every listener first, then writes the inventory atomically (so its appearance means
/// "ready"), then prints one line per device (name, address, host key fingerprint, faults).
/// A stale inventory file is removed before binding, and the fleet's own when it stops; a
/// file fleetbench did not write is never replaced or removed (unless [`FleetFiles::force`]).
// The one place of this crate that prints: `fleetbench emulate`'s line per device, which
// scripts read (its inventory file is the machine-readable "ready").
#[allow(clippy::print_stdout)]
pub async fn serve_foreground_with(
    spec: FleetSpec,
    outputs: &FleetFiles,
    shutdown: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    let recorder = match &outputs.record {
        Some(path) => Some(Arc::new(Recorder::to_file(path).map_err(|source| {
            EmulatorError::Record {
                path: path.clone(),
                source,
            }
        })?)),
        None => spec.record.then(|| Arc::new(Recorder::in_memory())),
    };
    // "The file appears means ready" holds only if no file from an earlier run (killed, or
    // failed to bind) is there before this one is ready, and none is left after it stops.
    // (For a Nornir folder, that file is its hosts.yaml, written last.)
    let mut remove_on_exit = outputs
        .inventory
        .as_ref()
        .map(|(p, f)| InventoryFiles::claim(p, *f, spec.bastion.is_some(), outputs.force))
        .transpose()?;
    let bound = BoundFleet::bind(&spec, recorder)?;
    let (stop, stop_rx) = watch::channel(false);
    let (view, tasks) = bound.spawn(&stop_rx);
    if let Some((path, format)) = &outputs.inventory {
        // The devices' host keys beside the inventory, before it: a client that reads the
        // inventory checks them strictly, and no user's known_hosts learns an emulated key
        // (which would clash with the next fleet on the same ports).
        let keys = write::write_known_hosts(path, *format, &view.known_hosts_lines()).map_err(
            |source| EmulatorError::Inventory {
                path: path.clone(),
                source,
            },
        )?;
        let mut written = write::write_with(
            path,
            *format,
            &view.inventory_devices(),
            EMULATED_INVENTORY,
            &view.jump_files(),
        )
        .map_err(|source| EmulatorError::Inventory {
            path: path.clone(),
            source,
        })?;
        // The known_hosts file goes with the inventory (a stale one is another fleet's keys).
        written.push(keys);
        if let Some(files) = remove_on_exit.as_mut() {
            files.wrote(written);
        }
    }
    let mut lines = String::new();
    for d in &view.devices {
        let faults = d.faults.names();
        // The platform is named only in a mixed or non-IOS fleet: the classic lines stay.
        let platform = if spec.platforms == PlatformMix::default() {
            String::new()
        } else {
            format!(" platform={}", d.platform.device_type)
        };
        let _ = writeln!(
            lines,
            "{} {}:{} {} profile={}{platform}{}",
            d.name,
            d.host,
            d.port,
            d.fingerprint,
            spec.profile.name(),
            if faults.is_empty() {
                String::new()
            } else {
                format!(" faults={}", faults.join(","))
            }
        );
    }
    if let Some(b) = &view.bastion {
        let _ = writeln!(
            lines,
            "bastion {}:{} {} user={} startups={} max-sessions={}",
            b.host,
            b.port,
            b.fingerprint,
            b.username,
            b.limits.startups,
            b.limits
                .max_sessions
                .map_or("off".to_string(), |n| n.to_string())
        );
    }
    // A closed standard output (`emulate | head -1`) stops the fleet: the error says why,
    // and the command line ends quietly on it.
    if let Err(source) = print(&lines) {
        let _ = stop.send(true);
        for t in tasks {
            let _ = t.await;
        }
        return Err(EmulatorError::Stdout { source });
    }
    shutdown.await;
    let _ = stop.send(true);
    if let Some(b) = &view.bastion {
        // The jump host's own account of the run, for a script that measured through it.
        let c = b.counters.take();
        // Nothing more to stop if standard output is gone by now.
        let _ = print(&format!(
            "bastion counts: connections={} dropped_at_startup={} authenticated={} \
             channels_opened={} channels_refused={} peak_pending={}\n",
            c.connections,
            c.dropped_at_startup,
            c.authenticated,
            c.channels_opened,
            c.channels_refused,
            c.peak_pending
        ));
    }
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}
