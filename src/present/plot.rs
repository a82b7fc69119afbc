//! Plots as SVG (plotters' SVG backend; text stays `<text>` elements, so no font files are
//! needed and nothing here rasterises). Six pictures, and `poll`'s three:
//!
//! - [`wall_time`]: median wall time per strategy, bars with min–max whiskers;
//! - [`scaling`]: median wall time against fleet size per strategy, log–log, with the CPU
//!   bound ([`fleetbench_report::Efficiency::cpu_bound_s`]) as a dashed line;
//! - [`wall_vs_rtt`]: median wall time against the network's round-trip time per strategy
//!   (`sweep --networks`), with one session's and N sequential sessions' lower bounds dashed;
//! - [`timeline`]: one row per device, a bar from connection to receipt coloured by phase,
//!   x = seconds since the run started. The course's `===> Connection` / `<=== Received`
//!   log as a picture: a pool's start-up is the grey band on the left, a worker limit is a
//!   staircase;
//! - [`tune`]: `tune`'s devices per second and devices failed against workers, per
//!   strategy, in one picture; [`wall_vs_workers`]: a sweep's wall time against workers;
//! - `fleetbench poll`'s, per sessions mode ([`poll_plots`]): cycle duration and lag over
//!   time with the interval drawn, lag and latency from due by percentile, both sides'
//!   resident memory over time.
//!
//! Each function returns the SVG text; [`report_plots`] makes a report's set, named; the
//! command line writes them.

mod axes;
mod rtt;
mod scaling;
mod steady;
mod style;
mod timeline;
mod wall;
mod workers;
pub use rtt::{RttPoint, wall_vs_rtt};
pub use scaling::{ScalingPoint, scaling};
pub use steady::{cycles_over_time, lag_distribution, poll_plots, rss_over_time};
pub use style::{EXTERNAL_COLOR, PlotError, phase_color, strategy_color};
pub use timeline::timeline;
pub use wall::wall_time;
pub use workers::{WorkersPoint, tune, wall_vs_workers};

use fleetbench_report::Report;

/// A report's plots, each with its file name: `<prefix>wall.svg` and one
/// `<prefix>timeline-<strategy>.svg` per strategy with measured runs.
pub fn report_plots(report: &Report, prefix: &str) -> Result<Vec<(String, String)>, PlotError> {
    let mut out = vec![(format!("{prefix}wall.svg"), wall_time(report)?)];
    for s in &report.strategies {
        if s.runs.is_empty() || s.devices.is_empty() {
            continue;
        }
        out.push((
            format!("{prefix}timeline-{}.svg", s.strategy.name()),
            timeline(report, s)?,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
