//! `tune`'s arguments, and the confirmation flags `compare`, `tune` and `sweep` share (clap
//! types only, as in the rest of [`super`]).

use super::{FleetArgs, at_least_one, external_spec, positive_secs, strategy_kind};
use clap::Args;
use fleetbench_report::StrategyKind;

/// Asking before polling a real inventory many times (`compare`, `tune`, `sweep`).
#[derive(Args, Debug, Clone)]
pub struct ConfirmArgs {
    /// Go ahead without asking when a real inventory would get more logins than
    /// --confirm-above (for scripts: without a terminal and without --yes, such a command
    /// is refused, exit 2).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Say what a command will cost a real inventory (logins in all, at once, how fast), and
    /// ask first when it is more logins than this.
    #[arg(long, value_name = "LOGINS", default_value_t = crate::safety::DEFAULT_CONFIRM_ABOVE)]
    pub confirm_above: u64,
}

#[derive(Args, Debug)]
pub struct TuneArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Comma-separated strategies to tune (default: async,threads); sequential is measured
    /// once, at its one worker.
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = strategy_kind())]
    pub strategies: Option<Vec<StrategyKind>>,
    /// An external poller to tune, NAME=COMMAND (repeatable); COMMAND takes its concurrency
    /// from {workers}, besides compare's placeholders ({inventory}, {results}, ...).
    #[arg(long = "external", value_name = "NAME=COMMAND", value_parser = external_spec)]
    pub externals: Vec<crate::external::ExternalSpec>,
    /// Deadline of one external run, seconds (default: --timeout if given, else 600).
    #[arg(long, value_name = "SECS", value_parser = positive_secs, allow_negative_numbers = true)]
    pub external_timeout: Option<f64>,
    /// The knee is the fewest workers whose throughput is within this of the best: `5%`.
    #[arg(long, value_name = "PCT", default_value = "5%", value_parser = fraction)]
    pub tolerance: f64,
    /// Devices a point may fail beyond those failing at the lowest count: a number, or a
    /// share of the fleet (`1%`); 0 by default.
    #[arg(long, value_name = "N|PCT", default_value = "0", value_parser = FailureBudget::parse)]
    pub failure_budget: FailureBudget,
    /// Worker counts closer than this are not told apart: the search stops refining there.
    #[arg(long, value_name = "PCT", default_value = "10%", value_parser = fraction)]
    pub resolution: f64,
    /// The first worker count tried; the search doubles from it.
    #[arg(long, value_name = "W", default_value_t = 1, value_parser = at_least_one, allow_negative_numbers = true)]
    pub start_workers: usize,
    /// The most workers tried (default: one per device, at most 1000, 256 worker processes;
    /// on a real inventory at most 64).
    #[arg(long, value_name = "W", value_parser = at_least_one, allow_negative_numbers = true)]
    pub max_workers: Option<usize>,
    /// Stop at the knee: do not double past it to find where failures start (a real
    /// inventory is never pushed past its knee anyway).
    #[arg(long)]
    pub no_probe: bool,
    /// Most runs of one point, when its runs spread too widely to decide.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = at_least_one, allow_negative_numbers = true)]
    pub max_runs: usize,
    /// Most logins in all, shared by the searches (default: none on an emulated fleet; ten
    /// polls of the fleet on a real inventory).
    #[arg(long, value_name = "N", value_parser = positive_count)]
    pub login_budget: Option<u64>,
    /// Most time in all, shared by the searches: `90s`, `10m`, `1h`.
    #[arg(long, value_name = "TIME", default_value = "30m", value_parser = long_duration)]
    pub time_budget: std::time::Duration,
    #[command(flatten)]
    pub confirm: ConfirmArgs,
}

/// `--failure-budget`: devices, or a share of the fleet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureBudget {
    Devices(usize),
    Share(f64),
}

impl FailureBudget {
    fn parse(s: &str) -> Result<FailureBudget, String> {
        let t = s.trim();
        if t.ends_with('%') {
            return fraction(t).map(FailureBudget::Share);
        }
        t.parse::<usize>().map(FailureBudget::Devices).map_err(|_| {
            "expected a number of devices (3) or a share of the fleet (1%)".to_string()
        })
    }

    /// Devices, for a fleet of `n`.
    pub fn devices(self, n: usize) -> usize {
        match self {
            FailureBudget::Devices(d) => d,
            FailureBudget::Share(f) => (f * n as f64).floor() as usize,
        }
    }
}

/// A fraction as a percentage (`5%`) or a number below 1 (`0.05`): above 0, below 100%.
fn fraction(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(f) if f.is_finite() && f > 0.0 && f < 1.0 => Ok(f),
        _ => Err("expected a share above 0 and below 100%, like 5% or 0.05".to_string()),
    }
}

/// A count of 1 or more (`--login-budget`).
fn positive_count(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_string()),
    }
}

/// `90s`, `10m`, `1h`, `1.5s`, `600` (seconds): above 0, at most a week.
fn long_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let bad = || format!("'{t}' is not a time (like 90s, 10m or 1h)");
    let (n, scale) = if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if t.ends_with('s') {
        let d = fleetbench_units::duration::parse(t).map_err(|_| bad())?;
        return (!d.is_zero()).then_some(d).ok_or_else(bad);
    } else {
        (t, 1.0)
    };
    match n.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v * scale <= 7.0 * 86_400.0 => {
            Ok(std::time::Duration::from_secs_f64(v * scale))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn tune_s_values_parse() {
        assert_eq!(fraction("5%"), Ok(0.05));
        assert_eq!(fraction("0.1"), Ok(0.1));
        assert!(fraction("0").is_err() && fraction("100%").is_err() && fraction("x").is_err());
        assert_eq!(FailureBudget::parse("3"), Ok(FailureBudget::Devices(3)));
        assert_eq!(FailureBudget::parse("1%").unwrap().devices(500), 5);
        assert!(FailureBudget::parse("-1").is_err());
        assert_eq!(long_duration("10m").unwrap().as_secs(), 600);
        assert_eq!(long_duration("1h").unwrap().as_secs(), 3600);
        assert_eq!(long_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(long_duration("45").unwrap().as_secs(), 45);
        assert!(long_duration("0s").is_err() && long_duration("8d").is_err());
        assert!(long_duration("1000h").is_err());
        let cli = super::super::Cli::try_parse_from(["fleetbench", "tune", "--emulate", "5", "-y"])
            .unwrap();
        let super::super::Cmd::Tune(a) = cli.cmd else {
            panic!("not tune")
        };
        assert!(a.confirm.yes);
        assert_eq!((a.tolerance, a.resolution, a.max_runs), (0.05, 0.1, 3));
    }
}
