//! One integration test binary (compiled once), with a module per area.

mod common;
mod core;
mod emulator;
mod gate;
mod processes;
mod strategies;
