//! The command line: raw arguments ([`args`]) → one validated configuration per command
//! ([`config`], built before any side effect) → one library entry point per command, with
//! the events rendered on stderr (`render.rs`). One file per command; every file written
//! goes through `files.rs`, made by [`crate::present`]. The only place that prints (with the
//! live line of `present::progress` it installs), and the only one with anyhow; exit codes
//! follow the contract: 0 every device answered, 1 the run finished but some device failed
//! (or `check` found a regression), 2 bad usage or bad input; 141 when stdout or stderr was
//! a closed pipe (`stdio.rs`: every line goes through it, never through `print!`).

pub mod args;
mod check;
mod compare;
mod completions;
pub mod config;
mod confirm;
mod emulate;
mod export;
mod files;
mod fleet;
mod floor;
mod man;
mod measure;
mod merge;
mod poll;
mod render;
mod run;
mod signals;
pub mod stdio;
mod sweep;
mod tune;

pub use args::Cli;

use anyhow::Result;
use args::Cmd;
use std::fmt;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Runs a parsed command line; `Ok` is the exit code. Every `Err` is bad usage or bad input
/// (a device's failure never gets here), so exit 2.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.cmd {
        Cmd::Compare(a) => compare::run(&a),
        Cmd::Run(a) => run::run(&a),
        Cmd::Emulate(a) => {
            // Long-running: RSS that says what it holds (fleetbench_rusage::one_malloc_arena).
            fleetbench_rusage::one_malloc_arena();
            emulate::run(&a)
        }
        Cmd::Sweep(a) => sweep::run(&a),
        Cmd::Check(a) => check::run(&a),
        Cmd::Export(a) => export::run(&a),
        Cmd::Merge(a) => merge::run(&a),
        Cmd::Completions(a) => completions::run(&a),
        Cmd::Man(a) => man::run(&a),
        Cmd::Tune(a) => tune::run(&a),
        Cmd::Poll(a) => {
            fleetbench_rusage::one_malloc_arena();
            poll::run(&a)
        }
        Cmd::Floor(a) => floor::run(&a),
        Cmd::Worker { .. } => Ok(fleetbench_client::strategy::processes::worker_main()),
    }
}

/// The exit code of a command line clap refused (or of `--help`, `--version`), printed
/// ([`stdio::EXIT_PIPE`] when the output was cut off).
pub fn parse_error(e: &clap::Error) -> i32 {
    if let Err(x) = e.print() {
        if x.kind() == std::io::ErrorKind::BrokenPipe {
            return stdio::EXIT_PIPE;
        }
    }
    if e.use_stderr() { EXIT_USAGE } else { EXIT_OK }
}

/// The process's exit status for what [`run`] returned: its code; 2 for an error, printed
/// with each cause once; [`stdio::EXIT_PIPE`], quietly, when stdout or stderr was found
/// closed (see [`stdio`]).
pub fn exit_code(result: Result<i32>) -> i32 {
    match result {
        Ok(code) => stdio::exit_code(code),
        Err(e) if stdio::is_closed_pipe(&e) => stdio::EXIT_PIPE,
        Err(e) => {
            // An error may quote a file or a device: escaped like everything shown.
            let message = format!("{:#}", Causes(&e));
            stdio::err(&format!(
                "fleetbench: error: {}",
                crate::present::sanitize::for_terminal_text(&message)
            ));
            stdio::exit_code(EXIT_USAGE)
        }
    }
}

/// `{:#}` of an error with each cause once: library errors quote their I/O error in their own
/// message, which the plain chain would print a second time.
pub struct Causes<'a>(pub &'a anyhow::Error);

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.0.to_string();
        if f.alternate() {
            for cause in self.0.chain().skip(1) {
                let c = cause.to_string();
                if !out.contains(&c) {
                    out.push_str(": ");
                    out.push_str(&c);
                }
            }
        }
        f.write_str(&out)
    }
}

/// 0 when every device answered in every run asked for, else 1 (a failed device, or a stop
/// that cut the run short).
fn exit_of(report: &fleetbench_report::Report) -> i32 {
    if report.failed_devices() > 0 || report.interrupted {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
