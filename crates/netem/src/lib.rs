//! # fleetbench-netem
//!
//! The link emulator: real round-trip times, jitter, loss and bandwidth between the client
//! and the emulated devices, packet by packet, with no root and no `netem`. It knows neither
//! SSH library: it moves packets (or, behind the relay, bytes).
//!
//! # Layout
//! - [`spec`]: `--network NAME|SPEC` (named profiles, `rtt=80ms,jitter=5ms,loss=1%,rate=10mbit`,
//!   shares of the fleet with `@N%`), and its seeded assignment to devices.
//! - [`sched`]: the pure per-direction packet scheduler (rate limit and queue, loss, delay,
//!   jitter without reordering), over a clock the caller passes in.
//! - [`link`]: the forwarding thread between two TUN devices.
//! - [`sys`]: user and network namespaces, TUN, addresses, the local route.
//! - [`TunNetwork`]: the `tun` method's namespaces and forwarder; [`NetemError`].
//! - [`relay`]: the fallback where namespaces are refused: a userspace TCP relay per device.
//! - [`rounds`]: the report's `network` object as a network starts it (the data types are
//!   `fleetbench_report::network`'s).
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

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod error;
pub mod link;
pub mod relay;
pub mod rounds;
pub mod sched;
pub mod spec;
pub mod sys;
mod tun;

pub use error::NetemError;
pub use fleetbench_report::network::{LinkParams, Method, Traffic};
pub use link::AddressPlan;
pub use spec::NetworkSpec;
pub use tun::{CLIENT_ADDR, DEVICES_SIDE_ADDR, FIRST_DEVICE, MAX_DEVICES, TunNetwork};
