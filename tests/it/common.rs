//! Helpers shared by the integration tests: an in-process fleet on 127.0.0.1:0 and a job.

use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Quiet;
use fleetbench_client::strategy::{self, RunConfig, RunOutcome};
use fleetbench_emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench_inventory::Device;
use fleetbench_report::DeviceResult;
use fleetbench_report::StrategyKind;
use std::time::Duration;

/// Starts `n` emulated devices with `profile` on ephemeral loopback ports. Dropping the fleet
/// stops every listener.
pub fn fleet(n: usize, profile: &str) -> EmulatedFleet {
    let mut spec = FleetSpec::new(n, Profile::by_name(profile).unwrap());
    spec.base_port = 0;
    spec.seed = 7;
    EmulatedFleet::start(spec).unwrap()
}

pub fn job(fleet: &EmulatedFleet, commands: &[&str]) -> Job {
    let mut job = Job::new(
        commands.iter().map(|s| s.to_string()).collect(),
        HostKeyCheck::strict(fleet.known_hosts()),
    );
    job.timeout = Some(Duration::from_secs(5));
    job
}

pub fn run_cfg(workers: Option<usize>) -> RunConfig {
    RunConfig {
        workers,
        worker_exe: Some(env!("CARGO_BIN_EXE_fleetbench").into()),
        ..RunConfig::default()
    }
}

pub fn run(
    kind: StrategyKind,
    devices: &[Device],
    job: &Job,
    workers: Option<usize>,
) -> RunOutcome {
    strategy::run(kind, devices, job, &run_cfg(workers), &Quiet).unwrap()
}

pub fn kind_of(r: &DeviceResult) -> Option<&str> {
    r.error.as_ref().map(|e| e.kind.as_str())
}

/// A loopback port with nothing listening: bound, then closed.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An emulated fleet served by the test, recording every session, and its inventory and a
/// known_hosts path on disk in `dir`: to fleetbench, a real fleet whose devices count the
/// logins. `spec.base_port` and `spec.record` are set here.
pub fn real_fleet(mut spec: FleetSpec, dir: &std::path::Path) -> (EmulatedFleet, String, String) {
    spec.base_port = 0;
    spec.record = true;
    let f = EmulatedFleet::start(spec).unwrap();
    let inv = dir.join("devices.yaml");
    std::fs::write(&inv, f.inventory_yaml()).unwrap();
    let kh = dir.join("known_hosts");
    (f, inv.display().to_string(), kh.display().to_string())
}
