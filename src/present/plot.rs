//! Plots as SVG (plotters' SVG backend; text stays `<text>` elements, so no font files are
//! needed and nothing here rasterises). Seven pictures, and `poll`'s three:
//!
//! - [`wall_time`]: median wall time per strategy, bars with min–max whiskers;
//! - [`scaling`]: median wall time against fleet size per strategy, log–log, with the CPU
//!   bound ([`fleetbench_report::Efficiency::cpu_bound_s`]) as a dashed line;
//! - [`wall_vs_rtt`]: median wall time against the network's round-trip time per strategy
//!   (`sweep --networks`), with one session's and N sequential sessions' lower bounds dashed;
//! - [`wall_vs_workers`]: median wall time against the worker count per strategy at one
//!   fleet size (`sweep --workers-list`), sequential and the CPU bound as references;
//! - [`tune`]: `tune`'s devices per second and devices failed against workers, per
//!   strategy, in one picture;
//! - [`latency_cdf`]: each strategy's whole-session latency as a cumulative distribution;
//! - [`timeline`]: one row per device, a bar from connection to receipt coloured by phase,
//!   x = seconds since the run started, failed sessions on top in black with their kind,
//!   a tooltip per row. The course's `===> Connection` / `<=== Received` log as a picture:
//!   a pool's start-up is the grey band on the left, a worker limit is a staircase;
//! - `fleetbench poll`'s, per sessions mode ([`poll_plots`]): cycle duration and lag over
//!   time with the interval drawn, lag and latency from due by percentile, both sides'
//!   resident memory over time.
//!
//! Axes stay readable at every scale: log axes get a few round ticks (1-2-5) and no minor
//! grid, linear ones the decimals of their step.
//!
//! Each function returns the SVG text; [`report_plots`] makes a report's set, named; the
//! command line writes them.

mod axes;
mod cdf;
mod rtt;
mod scaling;
mod steady;
mod style;
mod timeline;
mod tune;
mod wall;
mod workers;
pub use cdf::latency_cdf;
pub use rtt::{RttPoint, wall_vs_rtt};
pub use scaling::{ScalingPoint, scaling};
pub use steady::{cycles_over_time, lag_distribution, poll_plots, rss_over_time};
pub use style::{EXTERNAL_COLOR, PlotError, phase_color, strategy_color};
pub use timeline::{FAILED_COLOR, timeline};
pub use tune::tune;
pub use wall::wall_time;
pub use workers::{WorkersPoint, wall_vs_workers};

use fleetbench_report::Report;

/// A report's plots, each with its file name: `<prefix>wall.svg`, `<prefix>latency.svg`
/// (when a session succeeded) and one `<prefix>timeline-<strategy>.svg` per strategy with
/// measured runs.
pub fn report_plots(report: &Report, prefix: &str) -> Result<Vec<(String, String)>, PlotError> {
    let mut out = vec![(format!("{prefix}wall.svg"), wall_time(report)?)];
    match latency_cdf(report) {
        Ok(svg) => out.push((format!("{prefix}latency.svg"), svg)),
        Err(PlotError::Empty(_)) => {}
        Err(e) => return Err(e),
    }
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
pub(crate) mod tests;
