//! `fleetbench poll`'s own flags, beside the fleet's ([`FleetArgs`], shared with `compare`
//! and `run`).

use super::values::{at_least_one, named, strategy_kind};
use super::{ConfirmArgs, FleetArgs};
use clap::Args;
use clap::builder::TypedValueParser;
use fleetbench_report::StrategyKind;
use fleetbench_report::steady::{OnLate, SessionMode};
use std::path::PathBuf;
use std::time::Duration;

/// The longest `--for`: a year of polling is a test no one waits for in one process.
pub const MAX_RUN_SECS: f64 = 366.0 * 86_400.0;
/// The shortest `--every`: below it the schedule's own bookkeeping is what is measured.
pub const MIN_EVERY: Duration = Duration::from_millis(10);

#[derive(Args, Debug)]
pub struct PollArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Every device is due every T: 10s, 5m, 1h (at most a day).
    #[arg(long, value_name = "T", value_parser = every)]
    pub every: Duration,
    /// For D in all, rounded up to whole intervals: 10m, 8h, 30s.
    #[arg(long = "for", value_name = "D", value_parser = run_length)]
    pub length: Duration,
    /// The strategy: sequential, threads, processes, async or rayon.
    #[arg(long, value_name = "NAME", default_value = "async", value_parser = strategy_kind())]
    pub strategy: StrategyKind,
    /// Concurrency bound: polls at once (default: one per device, capped at 1000 for
    /// threads, async and rayon, 64 for processes; sequential is always 1).
    #[arg(long, short = 'w', value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    pub workers: Option<usize>,
    /// keep (each device's session stays open between its polls, opened again when closed),
    /// renew (every poll logs in anew), or both in turn: keep,renew.
    #[arg(long, value_delimiter = ',', value_name = "MODE", default_value = "renew",
          value_parser = session_mode())]
    pub sessions: Vec<SessionMode>,
    /// Spread the devices' due times evenly over each interval (device i of N at i·T/N);
    /// by default every device is due at the interval's start, all at once.
    #[arg(long)]
    pub spread: bool,
    /// A poll due while the device's previous one still runs or waits: skip it (counted),
    /// or queue it behind (it runs late; its lag counts from its own due time).
    #[arg(long, value_name = "WHAT", default_value = "skip", value_parser = on_late())]
    pub on_late: OnLate,
    /// Append one JSON line per finished cycle to FILE as it finishes: a run cut short or
    /// killed keeps every cycle it finished.
    #[arg(long, value_name = "FILE")]
    pub stream: Option<PathBuf>,
    /// The process id of a separate `fleetbench emulate` serving the --inventory fleet: its
    /// CPU and resident memory are read from /proc at every cycle.
    #[arg(long, value_name = "PID", requires = "inventory")]
    pub emulator_pid: Option<u32>,
    /// Write the SVG plots (cycle duration and lag over time, the lag distribution, resident
    /// memory over time) into DIR.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    #[command(flatten)]
    pub confirm: ConfirmArgs,
}

fn session_mode() -> impl TypedValueParser<Value = SessionMode> {
    named(&SessionMode::ALL, |m| m.name())
}

fn on_late() -> impl TypedValueParser<Value = OnLate> {
    named(&OnLate::ALL, |o| o.name())
}

/// `--every`: at least [`MIN_EVERY`], at most a day.
fn every(s: &str) -> Result<Duration, String> {
    let d = fleetbench_units::duration::parse(s)?;
    if d < MIN_EVERY {
        return Err(format!(
            "expected an interval of at least {} ms",
            MIN_EVERY.as_millis()
        ));
    }
    Ok(d)
}

/// `--for`: above 0, at most a year.
fn run_length(s: &str) -> Result<Duration, String> {
    let d = fleetbench_units::duration::parse_up_to(s, MAX_RUN_SECS)?;
    if d.is_zero() {
        return Err("expected a duration above 0, like 10m".into());
    }
    Ok(d)
}
