//! # fleetbench-inventory
//!
//! What a fleet is, as the client polls it and the emulator plays it: its devices
//! ([`Device`], with their [`Secret`]s), the platform table ([`platform`]), the SSH
//! algorithm lists a device offers ([`algorithms`]), and the inventory files that list them
//! (netmiko `devices.yaml`, Nornir, Ansible YAML and INI): read with located errors
//! ([`load`]), written in any of the four formats ([`write`](mod@write)). No SSH library, no runtime.
//!
//! # Layout
//! - [`Device`], [`DEFAULT_TIMEOUT`], [`Secret`]: one router to poll; a secret that never
//!   prints and cannot be serialized.
//! - [`platform`]: one row per netmiko `device_type` (prompts, paging, privilege, error
//!   markers), and the lookups with "did you mean".
//! - [`algorithms`]: the SSH algorithms offered per device (OpenSSH `+`/`-`/`^` syntax).
//! - [`load`], [`parse`], [`Format`], [`Inventory`], [`InventoryError`]: the readers, told
//!   apart by content; [`write`](mod@write): the writers.
//! - [`output`]: the one file writer of fleetbench (atomic, one permission policy, never
//!   replacing a special file) and the checks run on output paths before any work; the
//!   inventory writers are its first users. [`input`]: the one reader of files a user hands
//!   fleetbench (regular files only, a size cap per kind, nothing that can block).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod algorithms;
mod device;
pub mod input;
mod inventory;
pub mod output;
pub mod platform;
mod secret;

pub use device::{Bastion, DEFAULT_TIMEOUT, Device};
pub use inventory::{
    DeviceRef, Format, FormatError, Inventory, InventoryError, Location, load, load_with_env,
    netmiko_device_type, parse, parse_with_env, write,
};
pub use secret::Secret;
