//! One session's client work, end to end (connect, key exchange, host-key check, login, pty
//! and shell, `show clock`, close), against one in-process `instant` device: the figure is
//! the client thread's CPU per session (`poll_blocking` runs the whole session on the
//! calling thread; the device answers on the emulator's own threads), which is the figure the
//! floor is the limit of. After the bench it prints the client's floor on this machine
//! (`fleetbench_client::floor`) and the median session's multiple of it
//! (docs/src/floor.md).

// Bench code: a failed unwrap ends the bench with its reason (the workspace denies these in
// library code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use fleetbench_client::floor::{client_crypto, exchange};
use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_client::job::Job;
use fleetbench_client::session::poll_blocking;
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_report::Spread;
use fleetbench_report::floor::Floor;
use fleetbench_rusage::thread_cpu;
use std::cell::RefCell;
use std::time::Duration;

fn session(c: &mut Criterion) {
    let fleet = EmulatedFleet::start(FleetSpec::new(1, Profile::instant())).unwrap();
    let dev = fleet.devices().remove(0);
    let job = Job::new(
        vec!["show clock".into()],
        HostKeyCheck::strict(fleet.known_hosts()),
    );
    // Every measured session's CPU, for the multiple printed at the end.
    let samples = RefCell::new(Vec::new());
    let mut group = c.benchmark_group("session");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("client_cpu", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t0 = thread_cpu();
                let r = poll_blocking(&dev, &job);
                let spent = thread_cpu().saturating_sub(t0);
                assert!(r.ok, "the session failed: {:?}", r.error);
                samples.borrow_mut().push(spent.as_secs_f64());
                total += spent;
            }
            total
        })
    });
    group.finish();
    fleet.stop();

    let floor = Floor {
        iterations: 200,
        rounds: 5,
        client_crypto: Some(client_crypto(200, 5).unwrap()),
        exchange: Some(exchange(200, 5).unwrap()),
        emulator_crypto: None,
    };
    let f = floor.client_s().unwrap();
    let s = Spread::of(&samples.borrow());
    println!(
        "session/client_cpu: median {:.1} µs of client CPU per session over {} sessions; \
         client floor {:.1} µs (±{:.0}%): {:.2}x the floor",
        s.median * 1e6,
        samples.borrow().len(),
        f * 1e6,
        floor.client_noise().unwrap_or(0.0) * 50.0,
        s.median / f
    );
}

criterion_group!(benches, session);
criterion_main!(benches);
