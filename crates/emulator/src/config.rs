//! A device's configuration as IOS keeps it, and configuration mode over it.
//!
//! The running-config is a list of top-level [`Node`]s, each a line with its indented child
//! lines, which is exactly how IOS prints it and how `| section` and `show running-config
//! interface X` cut it. Configuration commands ([`apply()`]) edit that tree: single-valued
//! commands (`hostname`, `description`, `ip address`) replace their line, list-valued ones
//! (`ntp server`, `ip route`, `neighbor ... remote-as`) add a line keyed by their leading
//! words, `no ...` removes what it names. Unknown commands are rejected in IOS style with the
//! `^` under the offending word. Everything here is pure: no locks, no clock reads.
//!
//! [`Store`] holds one device's running and startup configs for the emulator's lifetime; an
//! untouched device stores nothing (its config is regenerated from its identity on demand), so
//! a large fleet costs memory only for the devices that were configured.

mod apply;
mod edit;
mod initial;
mod mode;
mod store;
mod sub;
mod tree;

pub use super::profile::SshStack;
pub use apply::{apply, apply_in};
pub use edit::banner_line;
pub(crate) use edit::interface_name;
pub use mode::{Applied, Ctx, SectionKind};
pub use store::{NVRAM_BYTES, Shared, Store, state_file};
pub use tree::{Config, Interface, Node, prefix_len, short_if};

#[cfg(test)]
mod tests;
