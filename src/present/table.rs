//! The tables a person reads at a glance after `compare`, `run` and `merge`: one row per
//! strategy ([`strategies`]), then the device latency percentiles ([`latency`]).

use crate::present::human;
use crate::present::plural::count;
use fleetbench_report::{Report, StrategyReport, outcome, stats};
use std::fmt::Write as _;

/// A cell for a figure that may be absent: `-`.
fn or_dash(x: Option<String>) -> String {
    x.unwrap_or_else(|| "-".to_string())
}

/// Peak RSS for the table: `42 MiB`, or `42+9MiB` with the largest worker process.
fn rss_cell(s: &StrategyReport) -> String {
    let own = (s.peak_rss_bytes > 0).then(|| human::mib(s.peak_rss_bytes));
    if s.peak_rss_children_bytes > 0 {
        format!(
            "{:.0}+{}",
            stats::mib(s.peak_rss_bytes),
            human::mib(s.peak_rss_children_bytes).replace(' ', "")
        )
    } else {
        or_dash(own)
    }
}

/// Width of the strategy column: 11 (a name and a `*`), or the longest external poller's.
fn name_width(report: &Report) -> usize {
    report
        .strategies
        .iter()
        .map(|s| s.strategy.name().len() + 1)
        .fold(11, usize::max)
}

/// The table a person reads at a glance (at most 120 columns). Wall times are per run;
/// `p99` is the 99th percentile of one device's session; `cpu` is client CPU per run; `rss`
/// the peak resident memory of this process (plus its largest worker process, if any);
/// `ideal` and `cpu-bd` are the lower bounds divided by the median wall time.
pub fn strategies(report: &Report) -> String {
    let mut t = String::new();
    let w = name_width(report);
    let line = |t: &mut String, c: [&str; 13]| {
        let _ = writeln!(
            t,
            "{:<w$} {:>6} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>8} {:>9} {:>5} {:>6}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12]
        );
    };
    line(
        &mut t,
        [
            "strategy", "workers", "median", "min", "max", "speedup", "ok/fail", "p99 dev", "cpu",
            "rss", "startup", "ideal", "cpu-bd",
        ],
    );
    let mut notes = Vec::new();
    for s in &report.strategies {
        // An external poller's workers are its own business; its rss is the whole tree's.
        let external = s.external.is_some();
        // A run cut short by Ctrl-C polled fewer devices: its times and bounds are not the
        // fleet's. The row is marked and says so below the table.
        let never = outcome::never_ran(s);
        let name = if never > 0 {
            notes.push(format!(
                "* {}: PARTIAL, interrupted in run {}: {never} of {} never ran; its \
                 times cover only the devices polled before the interrupt",
                s.strategy.name(),
                s.runs.len(),
                count(s.devices.len(), "device"),
            ));
            format!("{}*", s.strategy.name())
        } else {
            s.strategy.name().to_string()
        };
        let eff = |x: Option<f64>| {
            if never > 0 {
                "part".to_string()
            } else {
                or_dash(x.map(human::pct))
            }
        };
        line(
            &mut t,
            [
                &name,
                &if external {
                    "ext".to_string()
                } else {
                    s.workers.to_string()
                },
                &human::secs(s.wall_s.median),
                &human::secs(s.wall_s.min),
                &human::secs(s.wall_s.max),
                &or_dash(s.speedup.map(human::times)),
                &format!("{}/{}", s.ok(), s.failed() - never),
                &or_dash(s.p99_total_s().map(human::secs)),
                &human::secs(s.cpu_s.median),
                &if external {
                    human::mib(s.peak_rss_bytes)
                } else {
                    rss_cell(s)
                },
                &if external {
                    "-".to_string()
                } else {
                    human::secs(stats::startup_max(s))
                },
                &eff(s.efficiency.map(|e| e.ideal)),
                &eff(s.efficiency.map(|e| e.cpu_bound)),
            ],
        );
    }
    for n in notes {
        let _ = writeln!(t, "{n}");
    }
    t
}

/// Device latency percentiles per strategy: one device's whole session (p50, p90, p99, max),
/// and the p99 of the phases where the time usually goes. All phases are in the report.
pub fn latency(report: &Report) -> String {
    let mut t = String::new();
    // No `*` column here: one less than the main table's.
    let w = name_width(report) - 1;
    let _ = writeln!(
        t,
        "{:<w$} {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} {:>9}",
        "latency", "p50", "p90", "p99", "max", "handshake", "auth", "prompt", "command"
    );
    for s in &report.strategies {
        let Some(total) = s.latency_s.get(fleetbench_report::histo::TOTAL) else {
            continue;
        };
        let p99 = |phase: &str| {
            s.latency_s
                .get(phase)
                .map_or("-".to_string(), |p| human::secs(p.p99))
        };
        let _ = writeln!(
            t,
            "{:<w$} {:>9} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} {:>9}",
            s.strategy.name(),
            human::secs(total.p50),
            human::secs(total.p90),
            human::secs(total.p99),
            human::secs(total.max),
            p99("handshake"),
            p99("auth"),
            p99("prompt"),
            p99("command"),
        );
    }
    t
}
