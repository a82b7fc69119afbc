//! The presentation layer: every text table, markdown file, CSV, HTML page, SVG plot and
//! export fleetbench makes is made here, from data the domain already computed (the report
//! model, the gate's verdicts, a sweep's points). Formats return `String`s or bytes; the
//! command line prints them or writes them through the one writer
//! (`fleetbench_inventory::output`). Nothing here measures, opens a fleet or writes a file;
//! no domain module imports this one (a test in `tests/it/architecture.rs` keeps both true).
//!
//! # Layout
//! - [`table`]: `compare`'s strategy table and latency table; [`network`]: the round-trip
//!   table of a `--network` run; [`device_view`]: the `--device-view` table; [`bastion`]:
//!   the `--bastion` table; [`limits`]: what the devices' shared limits did; [`outputs`]:
//!   `run`'s `{ip: output}` view.
//! - [`verdict`]: the answer after a comparison (the fastest strategy and its speed-ups with
//!   their uncertainty, rows not compared and why, failures by kind with what to do, where
//!   the machine shaped the figures), as sentences the terminal and the page share.
//! - [`steady`]: `poll`'s line per cycle and its tables (schedule, lag and latency from
//!   due, sessions and resources), keep against renew, the backlog's arithmetic.
//! - [`floor`]: `fleetbench floor`'s table, and the strategies' CPU as multiples of the
//!   machine's floor under a report's tables.
//! - [`check`]: the gate's verdict as markdown.
//! - [`safety`]: the notice before polling a real inventory many times, and its question.
//! - [`tune`]: `tune`'s verdict, its lines while it searches, its tables and page section.
//! - [`sweep`]: a sweep's folder (CSV, markdown, setup, plots, page), and
//!   [`sweep::network`]'s for `sweep --networks`.
//! - [`html`]: the self-contained page of a report or a sweep; [`plot`]: the SVG plots.
//! - [`export`]: Bencher and github-action-benchmark JSON.
//! - [`human`] (numbers as text), [`plural`] (counted nouns), [`labels`] (device labels,
//!   cut name lists), [`sanitize`] (device text made safe for a terminal).
//! - [`progress`]: the live line per run on a terminal (an `Observer` the command line
//!   installs; it draws on stderr through indicatif, the one exception to "returns text").

pub mod bastion;
pub mod check;
pub mod device_view;
pub mod export;
pub mod floor;
pub mod html;
pub mod human;
pub mod labels;
pub mod limits;
pub mod network;
pub mod outputs;
pub mod plot;
pub mod plural;
pub mod progress;
pub mod safety;
pub mod sanitize;
pub mod steady;
pub mod sweep;
pub mod table;
pub mod tune;
pub mod verdict;
