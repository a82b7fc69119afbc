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
