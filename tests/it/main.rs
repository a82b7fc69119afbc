//! One integration test binary (compiled once), with a module per area.

// Test code: a failed unwrap is a failed test (the workspace denies these outside tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod answer;
mod architecture;
mod bastion;
mod bounds;
mod cli;
mod common;
mod core;
mod dialogue_emulated;
mod emulator;
mod external;
mod faults;
mod floor;
mod gate;
mod harden;
mod hostile;
mod hostkeys;
mod limits;
mod negotiated;
mod network;
mod pipes;
mod platforms;
mod processes;
mod realism;
mod screens;
mod security;
mod shards;
mod signals;
mod steady;
mod strategies;
mod tune;
