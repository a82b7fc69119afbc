//! Whole-fleet polling time per strategy, against one persistent in-process emulated fleet
//! (a fixed 2 ms login and 2 ms command delay, so a session is mostly waiting, as on a LAN,
//! but a sequential run of 100 devices stays under a second).
//!
//! `processes` re-executes the fleetbench binary: `cargo bench` builds it (a bin target of
//! the package) into the profile directory, the parent of the bench executable's `deps/`.
//! Without it, `processes` is skipped with a note.

// Bench code: a failed unwrap ends the bench with its reason (the workspace denies these in
// library code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Quiet;
use fleetbench_client::strategy::{self, RunConfig};
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_report::StrategyKind;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [10, 100];
const PROFILE: &str = "login=2ms,command=2ms";

/// The fleetbench binary for worker processes: Cargo's path when it gives one, else the
/// binary next to this bench's `deps/` directory.
fn worker_exe() -> Option<PathBuf> {
    if let Some(p) = option_env!("CARGO_BIN_EXE_fleetbench") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Some(p);
        }
    }
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let p = profile_dir.join("fleetbench");
    p.is_file().then_some(p)
}

fn strategies(c: &mut Criterion) {
    fleetbench_rusage::raise_nofile_limit();
    let profile = match Profile::by_name(PROFILE) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("strategies bench: bad profile: {e}");
            return;
        }
    };
    let largest = SIZES.iter().copied().max().unwrap_or(1);
    let fleet = match EmulatedFleet::start(FleetSpec::new(largest, profile)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("strategies bench: cannot start the emulated fleet: {e}");
            return;
        }
    };
    let all = fleet.devices();
    let job = Job::new(
        vec!["show clock".into()],
        HostKeyCheck::strict(fleet.known_hosts()),
    );
    let exe = worker_exe();
    match &exe {
        Some(p) => eprintln!("strategies bench: worker processes from {}", p.display()),
        None => eprintln!(
            "strategies bench: note: no fleetbench binary next to the bench executable; \
             skipping `processes` (run `cargo build --release` first)"
        ),
    }
    let cfg = RunConfig {
        workers: None,
        worker_exe: exe.clone(),
        ..RunConfig::default()
    };
    let mut group = c.benchmark_group("fleet");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for &n in &SIZES {
        let devices = &all[..n];
        group.throughput(Throughput::Elements(n as u64));
        for kind in StrategyKind::ALL {
            if kind == StrategyKind::Processes && exe.is_none() {
                continue;
            }
            group.bench_with_input(BenchmarkId::new(kind.name(), n), &n, |b, _| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        match strategy::run(kind, devices, &job, &cfg, &Quiet) {
                            Ok(out) if out.failed() == 0 => {}
                            Ok(out) => eprintln!("{kind}: {} device(s) failed", out.failed()),
                            Err(e) => eprintln!("{kind}: {e}"),
                        }
                        total += t.elapsed();
                    }
                    total
                })
            });
        }
    }
    group.finish();
    fleet.stop();
}

criterion_group!(benches, strategies);
criterion_main!(benches);
