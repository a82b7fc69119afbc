//! # fleetbench
//!
//! Measures how fast a fleet of network devices can be polled over SSH under different
//! concurrency strategies, against routers it emulates itself or real ones.
//!
//! # Layout
//! - [`inventory`]: the classic netmiko `devices.yaml`, validated into [`device::Device`]s.
//! - [`platform`]: the platform table (prompts, paging, privilege, error markers per
//!   netmiko `device_type`).
//! - [`dialogue`]: the pure prompt and dialogue logic (bytes in, decisions out), reading it.
//! - [`session`]: the one connect-and-run core on libssh2 (`ssh2`), generic over how it waits
//!   for the socket ([`wait`]): blocking `poll(2)` or tokio readiness.
//! - [`hostkeys`]: known_hosts checking (strict, accept-new, insecure).
//! - [`algorithms`]: the SSH algorithms offered per device (OpenSSH `+`/`-`/`^` syntax, modern
//!   by default); [`kexinit`]: the server's offer, to name both sides when negotiation fails.
//! - [`strategy`]: `sequential`, `threads`, `processes`, `async`, `rayon`, all over that core.
//! - [`emulator`]: IOS-like routers on a russh server, with latency and fault profiles.
//! - [`report`], [`compare`]: runs, repeated runs, the JSON report and the table.
//! - [`measure`], [`histo`]: CPU, memory and per-phase latency histograms.
//! - [`sweep`], [`plot`]: fleet-size sweeps into `results/`, and SVG charts.
//! - [`netem`]: the link emulator (`--network`): RTT, jitter, loss and rate per device,
//!   through TUN devices between network namespaces, or a TCP relay where those are refused.
//! - [`stats`]: one home per derived number (spreads, ideal schedule, CPU per device, the
//!   lower bound); [`human`]: those numbers as text.
//! - [`metrics`], [`check`]: the metrics of a report and the regression gate over two reports.
//! - [`export`]: Bencher and github-action-benchmark exports of a report.
//! - [`external`]: any poller's command line (Python, Nornir, Ansible) measured from outside
//!   against the same fleet, per device from the emulator's own record of each session.
//! - [`shard`], [`merge`]: `--shard I/N` (or a job engine's index) and `fleetbench merge`.
//! - [`fleet`]: the devices of a run, with their emulator if any; [`observe`]: the events a
//!   run reports instead of printing; [`stop`]: the stop token; [`output`]: the one writer.
//! - [`progress`]: the live line per run on a terminal, a line per finished run elsewhere.
//! - [`html`], [`screen`], [`plural`]: the self-contained HTML page of a run or a sweep,
//!   partial runs and errors grouped by kind as screens show them, counted nouns.
//! - [`cli`]: raw arguments → validated configs → the library; `main.rs` parses, calls
//!   [`cli::run`] and maps the result to an exit code.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod check;
pub mod cli;
pub mod compare;
pub mod export;
pub mod external;
pub mod fleet;
pub mod html;
pub mod human;
pub mod merge;
pub mod plot;
pub mod plural;
pub mod progress;
pub mod sanitize;
pub mod screen;
pub mod shard;
pub mod sweep;
