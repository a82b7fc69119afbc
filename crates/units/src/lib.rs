//! # fleetbench-units
//!
//! The units of fleetbench's own grammar and its seed derivation, each defined once for
//! every crate that reads them: the inventory and the CLI (sizes), the emulator's profiles
//! and the link emulator's network specs (durations), and every seeded placement (seeds).
//!
//! # Layout
//! - [`size`]: byte counts as people write and read them (`16MiB`, `512 KiB`).
//! - [`duration`]: durations as profiles and network specs write them (`250ms`, `1.5s`).
//! - [`seed`]: [`seed::mix`], SplitMix64 seed derivation, stable across builds.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod duration;
pub mod seed;
pub mod size;
