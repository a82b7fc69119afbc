//! The link emulator end to end: TUN devices between namespaces, RTT in whole round trips,
//! loss seen by TCP, two RTT classes, and the relay fallback.

use crate::common;
use fleetbench::emulator::{EmulatedFleet, FleetSpec, Profile};
use fleetbench::error::Phase;
use fleetbench::netem::{NetworkSpec, TunNetwork};
use fleetbench::strategy::StrategyKind;

/// A fleet of `n` devices behind `spec`, and the network. The calling test thread is moved
/// into the client namespace.
fn fleet_behind(spec: &str, n: usize, profile: &str, seed: u64) -> (TunNetwork, EmulatedFleet) {
    let net = TunNetwork::start(&NetworkSpec::parse(spec).unwrap(), n, seed).unwrap();
    let mut fs = FleetSpec::new(n, Profile::by_name(profile).unwrap());
    fs.addresses = net.device_addresses();
    fs.seed = seed;
    let fleet = net
        .in_devices(move || EmulatedFleet::start(fs))
        .unwrap()
        .unwrap();
    net.enter_client().unwrap();
    (net, fleet)
}

#[test]
fn probe_round_trips() {
    std::thread::spawn(|| {
        let spec = std::env::var("PROBE").unwrap_or("rtt=100ms".into());
        let (net, fleet) = fleet_behind(&spec, 1, "instant", 1);
        let job = common::job(&fleet, &["show clock"]);
        let out = common::run(StrategyKind::Sequential, &fleet.devices(), &job, None);
        let r = &out.results[0];
        eprintln!("{:?} {:?}", r.error, r.tcp);
        for p in &r.phases {
            eprintln!("{:?} {:.4} -> {:.2}", p.phase, p.secs, p.secs / 0.1);
        }
        eprintln!("total {:.3} traffic {:?}", r.total_secs(), net.traffic());
        let _ = Phase::Connect;
    })
    .join()
    .unwrap();
}
