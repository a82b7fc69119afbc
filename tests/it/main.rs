//! One integration test binary (compiled once), with a module per area.

mod bounds;
mod cli;
mod common;
mod core;
mod emulator;
mod external;
mod faults;
mod gate;
mod hostile;
mod network;
mod platforms;
mod processes;
mod realism;
mod screens;
mod security;
mod shards;
mod strategies;
