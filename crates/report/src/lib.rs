//! # fleetbench-report
//!
//! The report model of fleetbench: what a run measured, as the JSON report
//! (`schema: fleetbench.report/1`) holds it, and the numbers read from it. Everything else
//! in fleetbench produces or reads these types; this crate depends on nothing of
//! fleetbench (serde, hdrhistogram, base64 and schemars only), so a tool that reads reports
//! links it alone.
//!
//! ```
//! let text = r#"{"schema": "fleetbench.report/1", "fleetbench_version": "0.1.0",
//!   "created_unix": 0, "commands": ["show clock"],
//!   "fleet": {"devices": 0, "emulated": true},
//!   "machine": {"hostname": "h", "cores": 2, "os": "linux", "arch": "x86_64"},
//!   "strategies": []}"#;
//! let report: fleetbench_report::Report = serde_json::from_str(text).unwrap();
//! assert_eq!(report.failed_devices(), 0);
//! ```
//!
//! # Layout
//! - [`Report`] and its parts ([`FleetInfo`], [`MachineInfo`], [`StrategyReport`],
//!   [`RunSummary`], [`Cpu`], [`Efficiency`], [`ExternalInfo`]); [`Report::new`] is the one
//!   place a report is made.
//! - [`DeviceResult`]: one device's outcome ([`CommandOutput`], [`ErrorInfo`],
//!   [`PhaseTime`], [`TcpStats`]), the same from every strategy and every poller.
//! - [`Phase`] and the error kinds ([`kind`]): where and why a device failed.
//! - [`StrategyKind`] (the five built-in strategies' names) and [`StrategyId`] (a built-in
//!   strategy or an external poller's NAME).
//! - [`Spread`], [`Percentiles`]; [`stats`]: one home per derived number (the ideal
//!   schedule, CPU per device, the lower bound, speed-ups); [`histo`]: the per-phase latency
//!   HdrHistograms and their exact merge; [`metrics`]: the numbers the gate and the exporters
//!   read; [`outcome`]: partial runs, errors grouped by kind, which rows are comparable;
//!   [`verdict`]: the answer of a comparison as the report stores it (the fastest row and
//!   its speed-ups with their uncertainty, the rows that cannot be compared, failures by
//!   kind, where the machine shaped the figures), computed by [`answer`];
//!   [`advice`]: what to do about each error kind, one row per kind.
//! - [`shard`], [`merged`], [`network`], [`device_view`], [`bastion`]: what a shard's, a
//!   merged, a `--network`, a `--device-view` and a `--bastion` report add.
//! - [`shard`], [`merged`], [`network`], [`device_view`]: what a shard's, a merged, a
//!   `--network` and a `--device-view` report add; [`limits`]: the devices' own count of what
//!   their shared limits (AAA, vty lines, login blocks, `MaxStartups`) did to a run.
//! - [`tune`]: what `fleetbench tune` adds: every measured point, the chosen worker
//!   counts, where failures start, the best connect rate, and why.
//! - [`steady`]: what `fleetbench poll` adds: the steady-state schedule's runs, their
//!   cycles (a stream line each) and the pure arithmetic of lag, latency from due and the
//!   bounded series.
//! - [`floor`]: the machine's floor (`machine.floor`: the least CPU one session costs here,
//!   per side) and the strategies' CPU as a multiple of it ([`stats`] defines the multiples).
//! - [`schema`]: the report's JSON Schema, generated from these types and committed as
//!   `report.schema.json` (a test fails when they differ).
//! - `testing` (feature `testing`, for other crates' tests): constructed reports.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod advice;
pub mod answer;
pub mod bastion;
pub mod device_view;
mod error;
pub mod floor;
pub mod histo;
pub mod limits;
pub mod merged;
pub mod metrics;
pub mod network;
pub mod outcome;
mod report;
mod result;
pub mod schema;
pub mod shard;
mod spread;
pub mod stats;
pub mod steady;
mod strategy;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tune;
pub mod verdict;

pub use error::{Phase, kind};
pub use report::{
    Cpu, Efficiency, ExternalInfo, FleetInfo, MachineInfo, Report, RunSummary, SCHEMA,
    StrategyReport, hostname, unix_now,
};
pub use result::{CommandOutput, DeviceResult, ErrorInfo, PhaseTime, TcpStats};
pub use spread::{Percentiles, Spread};
pub use strategy::{StrategyId, StrategyKind};
