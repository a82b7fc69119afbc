//! The `tun` method: two network namespaces joined by TUN devices, and the forwarding thread
//! that moves every packet between them through its device's link (the crate docs tell the
//! design).

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::OwnedFd;

use fleetbench_report::network::Traffic;

use crate::error::NetemError;
use crate::link::{self, AddressPlan};
use crate::spec::{LinkParams, NetworkSpec};
use crate::sys;

/// The client's address inside its namespace.
pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 1);
/// The devices' side of the link (the route back to the client).
pub const DEVICES_SIDE_ADDR: Ipv4Addr = Ipv4Addr::new(198, 19, 255, 254);
/// Device `i` is `FIRST_DEVICE + i`.
pub const FIRST_DEVICE: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// Devices a `tun` network can address (198.18.0.1 to 198.18.255.255).
pub const MAX_DEVICES: usize = 65_535;

/// The `tun` method's namespaces and forwarding thread. Dropping it stops the forwarder;
/// the namespaces go when the last thread and socket in them are gone.
pub struct TunNetwork {
    pub spec: NetworkSpec,
    /// Each device's class index and link, in device order.
    pub links: Vec<(usize, LinkParams)>,
    pub plan: AddressPlan,
    client_ns: OwnedFd,
    devices_ns: OwnedFd,
    forwarder: link::Forwarder,
}

impl std::fmt::Debug for TunNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TunNetwork")
            .field("spec", &self.spec.name)
            .field("devices", &self.links.len())
            .finish_non_exhaustive()
    }
}

impl TunNetwork {
    /// Sets up both namespaces, their TUN devices and the forwarder for `devices` devices.
    /// Unless the process runs as root, this must be called before it starts any thread
    /// (a user namespace needs a single-threaded process).
    pub fn start(spec: &NetworkSpec, devices: usize, seed: u64) -> Result<TunNetwork, NetemError> {
        if !cfg!(target_os = "linux") {
            return Err(NetemError::Unsupported);
        }
        if devices > MAX_DEVICES {
            return Err(NetemError::TooManyDevices {
                devices,
                max: MAX_DEVICES,
            });
        }
        sys::gain_namespace_rights()?;
        let (client_ns, tun_c) = sys::new_netns(|| {
            let fd = sys::open_tun("tun-client")?;
            sys::set_addr("tun-client", CLIENT_ADDR, 15)?;
            sys::set_up("tun-client")?;
            Ok(fd)
        })?;
        let (devices_ns, tun_d) = sys::new_netns(|| {
            let fd = sys::open_tun("tun-devices")?;
            sys::set_addr("tun-devices", DEVICES_SIDE_ADDR, 15)?;
            sys::set_up("tun-devices")?;
            sys::add_local_route(Ipv4Addr::new(198, 18, 0, 0), 16)?;
            Ok(fd)
        })?;
        let links = spec.assign(devices, seed);
        let plan = AddressPlan {
            first: FIRST_DEVICE,
            devices,
        };
        let params: Vec<LinkParams> = links.iter().map(|(_, l)| l.clone()).collect();
        let forwarder = link::Forwarder::start(tun_c, tun_d, plan, &params, seed)?;
        Ok(TunNetwork {
            spec: spec.clone(),
            links,
            plan,
            client_ns,
            devices_ns,
            forwarder,
        })
    }

    /// The devices' addresses, in device order (for the emulator's `FleetSpec::addresses`).
    pub fn device_addresses(&self) -> Vec<IpAddr> {
        (0..self.links.len())
            .map(|i| IpAddr::V4(self.plan.addr(i)))
            .collect()
    }

    /// Moves the calling thread into the client namespace; threads and processes it starts
    /// from then on are there too.
    pub fn enter_client(&self) -> Result<(), NetemError> {
        sys::enter(&self.client_ns)
    }

    /// Runs `f` on a thread in the client namespace.
    pub fn in_client<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, NetemError> {
        sys::run_in(&self.client_ns, f)
    }

    /// Runs `f` on a thread in the devices' namespace (start the emulator there: its threads
    /// and listeners stay there).
    pub fn in_devices<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, NetemError> {
        sys::run_in(&self.devices_ns, f)
    }

    /// Packets and bytes through the link so far.
    pub fn traffic(&self) -> Traffic {
        self.forwarder.counters.snapshot()
    }
}
