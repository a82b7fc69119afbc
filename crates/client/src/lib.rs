//! # fleetbench-client
//!
//! The SSH client side of fleetbench: one connect-and-run core over libssh2 (`ssh2`, in
//! non-blocking mode), the pure dialogue it follows, and the five strategies that schedule
//! it over a fleet. The strategies never see an SSH byte; the core knows nothing about
//! concurrency.
//!
//! # Layout
//! - [`session`]: [`session::poll_device`], the one core (phases, deadlines, host key
//!   check, auth: key, password, keyboard-interactive, agent), generic over how it waits
//!   for the socket ([`wait`]: `poll(2)` or tokio readiness).
//! - [`dialogue`]: the prompt scanner and the dialogue state machine (bytes in, decisions
//!   out), reading a row of the platform table; no socket, no clock.
//! - [`agent`]: whether an ssh-agent can log a device in (asked at load for devices with
//!   neither a password nor a key file).
//! - [`job`]: what every device of a run is asked (commands, host key check, deadlines).
//! - [`hostkeys`]: known_hosts reading and checking (strict, accept-new, insecure).
//! - [`SessionError`]: why one device failed, with its report kind and phase; [`Libssh2`]:
//!   what this build of libssh2 supports, which inventories are checked against.
//! - [`jump`]: polling through a jump host (`per-session` or `shared` bastion
//!   connections), the session core unchanged over a pumped socket pair.
//! - [`strategy`]: `sequential`, `threads`, `processes`, `async`, `rayon` over that core,
//!   the one scheduling shell they share, and the worker processes.
//! - [`floor`]: the client's part of the floor (its X25519 and Ed25519 work per session with
//!   the libcrypto libssh2 links, timed alone) and the loopback exchange of a session's
//!   messages, both sides.
//! - [`observe`]: the events a run sends instead of printing; [`stop`]: the stop token.
//! - [`scrub`]: a device's secrets masked where they stand as secrets in outputs and
//!   messages (the one rule, also applied to external pollers' stderr).
//! - private: `kexinit` (the server's offer, to name both sides when negotiation fails),
//!   `tcp_info` (`TCP_INFO` at close).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod agent;
pub mod dialogue;
mod error;
pub mod floor;
pub mod hostkeys;
pub mod job;
pub mod jump;
mod kexinit;
mod libssh2;
pub mod observe;
pub mod scrub;
pub mod session;
pub mod stop;
pub mod strategy;
mod tcp_info;
#[cfg(test)]
mod testing;
pub mod wait;

pub use error::{KnownAt, SessionError};
pub use libssh2::Libssh2;
