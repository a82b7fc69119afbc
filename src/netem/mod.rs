//! The link emulator: real round-trip times, jitter, loss and bandwidth between the client
//! and the emulated devices, packet by packet, with no root and no `netem`.
//!
//! # Parts
//! - [`spec`]: `--network NAME|SPEC` (named profiles, `rtt=80ms,jitter=5ms,loss=1%,rate=10mbit`,
//!   shares of the fleet with `@N%`), and its seeded assignment to devices.
//! - [`sched`]: the pure per-direction packet scheduler (rate limit and queue, loss, delay,
//!   jitter without reordering), over a clock the caller passes in.
//! - [`link`]: the forwarding thread between two TUN devices.
//! - [`sys`]: user and network namespaces, TUN, addresses, the local route, `TCP_INFO`.
//! - [`relay`]: the fallback where namespaces are refused: a userspace TCP relay per device.
//! - [`rounds`]: what the report says about the network (round trips per phase, traffic).
//!
//! # The `tun` method (mahimahi's design)
//! The process gains the right to create network namespaces (root already has it; anyone
//! else moves into a new user namespace first, like `unshare -r`). Two network namespaces
//! are made: the client's, where `tun-client` has 198.19.0.1/15 (so 198.18.0.0/15 is routed
//! through it), and the devices', where `tun-devices` has 198.19.255.254/15 and a local route
//! makes all of 198.18.0.0/16 this host's, so device `i` listens on 198.18.0.0 + 1 + i, port 22.
//! Nothing else is routed anywhere: those addresses exist only inside. The caller's thread
//! enters the client namespace (threads and processes it starts afterwards are there too); the
//! emulator is started by a thread inside the devices' namespace. [`link::Forwarder`] moves
//! every packet between the two TUN fds through the device's link.
//!
//! # Invariants
//! - No address outside 198.18.0.0/15 is configured, routed or contacted by the `tun` method;
//!   the `relay` method listens on 127.0.0.1 only.
//! - Every random draw (placement, loss, jitter) derives from the seed.
//! - Packets in flight are bounded ([`link::MAX_HELD`]), not proportional to the fleet.

pub mod link;
pub mod relay;
pub mod rounds;
pub mod sched;
pub mod spec;
pub mod sys;

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::OwnedFd;

pub use fleetbench_report::network::{LinkParams, Method, NetworkReport, StrategyNetwork, Traffic};
pub use link::AddressPlan;
pub use spec::NetworkSpec;

/// The client's address inside its namespace.
pub const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 1);
/// The devices' side of the link (the route back to the client).
pub const DEVICES_SIDE_ADDR: Ipv4Addr = Ipv4Addr::new(198, 19, 255, 254);
/// Device `i` is `FIRST_DEVICE + i`.
pub const FIRST_DEVICE: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// Devices a `tun` network can address (198.18.0.1 to 198.18.255.255).
pub const MAX_DEVICES: usize = 65_535;

/// Errors of the link emulator; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum NetemError {
    #[error("invalid network '{spec}': {reason}")]
    Spec { spec: String, reason: String },
    #[error(
        "cannot create a user namespace ({source}): this kernel or container refuses unprivileged user namespaces. Run as root, allow them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0; in a container, a seccomp profile that allows unshare), or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    UserNamespace { source: std::io::Error },
    #[error(
        "cannot create a network namespace ({source}): run as root or allow user namespaces, or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    NetNamespace { source: std::io::Error },
    #[error(
        "cannot open /dev/net/tun ({source}): the TUN driver is missing or the device is not readable and writable by this user (distributions ship it as mode 0666; as root: chmod 0666 /dev/net/tun), or use --network-method relay (biased: the TCP handshake is not delayed and nothing is lost)"
    )]
    Tun { source: std::io::Error },
    #[error(
        "the link emulator must set up its namespaces before any thread starts, and this process has {threads} threads (a bug: report it)"
    )]
    Threaded { threads: usize },
    #[error("{what}: {source}")]
    Kernel {
        what: String,
        source: std::io::Error,
    },
    #[error("the network emulator supports at most {max} devices, {devices} asked")]
    TooManyDevices { devices: usize, max: usize },
    #[error("network emulation is only available on Linux")]
    Unsupported,
}

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

    /// The devices' addresses, in device order (for [`crate::emulator::FleetSpec::addresses`]).
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
