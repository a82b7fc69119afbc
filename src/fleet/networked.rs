//! An emulated fleet behind the link emulator, by either method, ready for the strategies:
//! the devices to poll, their host keys, the traffic counters and the report's `network`.

use std::net::SocketAddr;
use std::time::Duration;

use fleetbench_client::hostkeys::HostKeyCheck;
use fleetbench_emulator::{EmulatedFleet, EmulatorError, FleetSpec, Profile};
use fleetbench_inventory::Device;
use fleetbench_report::Phase;

use fleetbench_netem::relay::Relay;
use fleetbench_netem::rounds::{network_report, of_tun};
use fleetbench_netem::spec::{LinkParams, NetworkSpec};
use fleetbench_netem::{Method, NetemError, Traffic, TunNetwork};
use fleetbench_report::network::{NetworkReport, StrategyNetwork, strategy_network};

/// Why a fleet could not be put behind the link.
#[derive(Debug, thiserror::Error)]
pub enum NetworkedFleetError {
    #[error(transparent)]
    Network(#[from] NetemError),
    #[error("starting the emulated fleet: {0}")]
    Emulator(#[from] EmulatorError),
}

enum Link {
    Tun(TunNetwork),
    Relay {
        /// Held for its lifetime: dropping it stops the relay.
        _relay: Relay,
        spec: NetworkSpec,
        links: Vec<(usize, LinkParams)>,
    },
}

/// A running fleet and the link in front of it. Dropping it stops both.
pub struct NetworkedFleet {
    // Field order is drop order: the link goes after the fleet it carries.
    fleet: EmulatedFleet,
    link: Link,
    devices: Vec<Device>,
    host_keys: HostKeyCheck,
    profile: Profile,
}

impl std::fmt::Debug for NetworkedFleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkedFleet")
            .field("devices", &self.devices.len())
            .field("method", &self.method())
            .finish_non_exhaustive()
    }
}

impl NetworkedFleet {
    /// Starts `fleet` behind `network`. With [`Method::Tun`] the calling thread moves into the
    /// client namespace (so everything it starts afterwards polls through the link); unless
    /// the process is root, that must happen before it starts any thread.
    pub fn start(
        network: &NetworkSpec,
        method: Method,
        mut fleet: FleetSpec,
    ) -> Result<NetworkedFleet, NetworkedFleetError> {
        let profile = fleet.profile.clone();
        match method {
            Method::Tun => {
                let net = TunNetwork::start(network, fleet.devices, fleet.seed)?;
                fleet.addresses = net.device_addresses();
                let emulated = net.in_devices(move || EmulatedFleet::start(fleet))??;
                net.enter_client()?;
                Ok(NetworkedFleet {
                    devices: emulated.devices(),
                    host_keys: HostKeyCheck::strict(emulated.known_hosts()),
                    fleet: emulated,
                    link: Link::Tun(net),
                    profile,
                })
            }
            Method::Relay => {
                let links = network.assign(fleet.devices, fleet.seed);
                let seed = fleet.seed;
                let emulated = EmulatedFleet::start(fleet)?;
                let direct = emulated.devices();
                let upstream: Vec<SocketAddr> = direct
                    .iter()
                    .map(|d| {
                        SocketAddr::new(d.host.parse().unwrap_or([127, 0, 0, 1].into()), d.port)
                    })
                    .collect();
                let relay = Relay::start(
                    upstream,
                    links.iter().map(|(_, l)| l.clone()).collect(),
                    seed,
                )?;
                let mut host_keys = HostKeyCheck::strict(emulated.known_hosts());
                let mut devices = direct.clone();
                for (d, addr) in devices.iter_mut().zip(&relay.addrs) {
                    // The host keys stay the devices'; only the address they are reached at changes.
                    if let Some(keys) = host_keys.known.remove(&format!("[{}]:{}", d.host, d.port))
                    {
                        host_keys
                            .known
                            .insert(format!("[{}]:{}", addr.ip(), addr.port()), keys);
                    }
                    d.host = addr.ip().to_string();
                    d.port = addr.port();
                }
                Ok(NetworkedFleet {
                    fleet: emulated,
                    link: Link::Relay {
                        _relay: relay,
                        spec: network.clone(),
                        links,
                    },
                    devices,
                    host_keys,
                    profile,
                })
            }
        }
    }

    pub fn method(&self) -> Method {
        match self.link {
            Link::Tun(_) => Method::Tun,
            Link::Relay { .. } => Method::Relay,
        }
    }

    /// The devices as the client reaches them.
    pub fn devices(&self) -> Vec<Device> {
        self.devices.clone()
    }

    pub fn host_key_check(&self) -> HostKeyCheck {
        self.host_keys.clone()
    }

    pub fn emulated(&self) -> &EmulatedFleet {
        &self.fleet
    }

    /// The classic devices.yaml of the fleet as the client reaches it.
    pub fn inventory_yaml(&self) -> String {
        let path = std::path::Path::new("devices.yaml");
        fleetbench_inventory::write::render(
            path,
            fleetbench_inventory::Format::Netmiko,
            &self.devices,
            fleetbench_emulator::EMULATED_INVENTORY,
        )
        .into_iter()
        .map(|(_, text)| text)
        .collect()
    }

    /// Writes the fleet's inventory, as the client reaches it, in `format` at `path` (see
    /// [`fleetbench_inventory::write`]); returns the files written.
    pub fn write_inventory(
        &self,
        path: &std::path::Path,
        format: fleetbench_inventory::Format,
    ) -> std::io::Result<Vec<std::path::PathBuf>> {
        // The devices' host keys beside it first (see `emulate --write-inventory`).
        let lines: Vec<String> = self
            .devices
            .iter()
            .flat_map(|d| {
                let pattern = fleetbench_client::hostkeys::host_pattern(&d.host, d.port);
                self.host_keys
                    .known
                    .get(&pattern)
                    .into_iter()
                    .flatten()
                    .map(move |k| format!("{pattern} {k}"))
            })
            .collect();
        let keys = fleetbench_inventory::write::write_known_hosts(path, format, &lines)?;
        let mut written = fleetbench_inventory::write::write(
            path,
            format,
            &self.devices,
            fleetbench_emulator::EMULATED_INVENTORY,
        )?;
        written.insert(0, keys);
        Ok(written)
    }

    /// Each device's class and link, in device order.
    pub fn links(&self) -> &[(usize, LinkParams)] {
        match &self.link {
            Link::Tun(n) => &n.links,
            Link::Relay { links, .. } => links,
        }
    }

    /// Packets and bytes through the link so far (`tun` only: the relay sees no packets).
    pub fn traffic(&self) -> Option<Traffic> {
        match &self.link {
            Link::Tun(n) => Some(n.traffic()),
            Link::Relay { .. } => None,
        }
    }

    /// The report's `network` object for sessions of `commands` commands, no strategies yet.
    pub fn report(&self, commands: usize) -> NetworkReport {
        match &self.link {
            Link::Tun(n) => of_tun(n, commands),
            Link::Relay { spec, links, .. } => network_report(spec, Method::Relay, links, commands),
        }
    }

    /// One strategy's network summary: `results` of its last run, `since` the traffic counters
    /// before its first run, `sessions` polled since then.
    pub fn strategy_network(
        &self,
        strategy: &str,
        results: &[fleetbench_report::DeviceResult],
        commands: &[String],
        since: Option<Traffic>,
        sessions: u64,
    ) -> StrategyNetwork {
        let delay = device_delay(&self.profile, commands);
        let traffic = self
            .traffic()
            .zip(since)
            .map(|(now, before)| now.minus(&before));
        strategy_network(strategy, results, self.links(), &delay, traffic, sessions)
    }
}

/// What an emulated device itself waits in each phase (its profile's nominal delays): the
/// login delay before the first prompt, the command delay before each `show` output.
pub fn device_delay(profile: &Profile, commands: &[String]) -> impl Fn(Phase) -> Duration {
    let login = profile.login;
    let shows = commands
        .iter()
        .filter(|c| c.trim_start().starts_with("sh"))
        .count() as u32;
    let command = profile.command * shows;
    move |p| match p {
        Phase::Prompt => login,
        Phase::Command => command,
        _ => Duration::ZERO,
    }
}
