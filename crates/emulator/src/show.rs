//! The outputs of the `show` commands real automation sends (napalm's `ios` getters, Ansible's
//! `ios_facts`, inventory and IPAM tools), in IOS's own format, computed from the device's
//! running-config and its place in the fleet ([`super::identity`]) so that every output agrees
//! with the config and with the neighbours' outputs. Pure functions: lines in, lines out.
//!
//! What a neighbour reports about itself (its name, port, description, AS) comes from its
//! identity, not from its live config: one device never reads another's state.

mod addressing;
mod neighbors;
mod system;
mod version;
mod view;

pub use version::{CRYPTO_NOTICE, SOFTWARE, uptime, version, xe_version};
pub use view::View;

#[cfg(test)]
mod tests;
