//! # fleetbench
//!
//! The application: measures how fast a fleet of network devices can be polled over SSH
//! under different concurrency strategies, against routers it emulates itself or real ones.
//! The layers below it are crates of their own (`fleetbench-report`, `-units`, `-rusage`,
//! `-inventory`, `-netem`, `-emulator`, `-client`; ARCHITECTURE.md draws them); this crate
//! runs them as commands and shows what they measured.
//!
//! # Layout
//! - [`cli`]: raw arguments → one validated configuration per command → the domain; the
//!   only place that prints or writes files (through `fleetbench_inventory::output`), and
//!   the only one with anyhow. `main.rs` parses, calls [`cli::run`], maps the exit code.
//! - [`compare`]: strategies side by side, warm-up and repeated runs, CPU and memory
//!   accounted, external pollers as rows: the report of `compare`, `run` and each sweep point.
//! - [`sweep`]: fleet sizes x worker counts, and networks, one point at a time.
//! - [`tune`]: the worker count (and connect rate) to use, per strategy, found by a pure
//!   search in few runs, within login and time budgets.
//! - [`steady`]: `poll`, the fleet on a steady schedule (every device every interval, open
//!   loop, sessions kept or renewed), each finished cycle streamed as it finishes.
//! - [`check`]: the regression gate over two reports; [`merge`]: shard reports back into
//!   one; [`shard`]: `--shard I/N` and the job engines' indexes.
//! - [`external`]: any poller's command line measured from outside against the same fleet.
//! - [`floor`]: the least CPU one session costs on this machine, per side (`fleetbench
//!   floor`, and `machine.floor` in every report).
//! - [`fleet`]: the devices of a run, with their emulator and network if any;
//!   [`preflight`]: the open files a run needs against the limit, before it starts;
//!   [`safety`]: what a command costs a real fleet (logins, at once, how fast).
//! - [`present`]: every table, markdown, CSV, HTML page, SVG plot and export, made from the
//!   data above; no domain module imports it.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod check;
pub mod cli;
pub mod compare;
pub mod external;
pub mod fleet;
pub mod floor;
pub mod merge;
pub mod preflight;
pub mod present;
pub mod safety;
pub mod shard;
pub mod steady;
pub mod sweep;
pub mod tune;
