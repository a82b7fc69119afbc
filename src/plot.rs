//! Plots as SVG (plotters' SVG backend; text stays `<text>` elements, so no font files are
//! needed and nothing here rasterises). Four pictures:
//!
//! - [`wall_time`]: median wall time per strategy, bars with min–max whiskers;
//! - [`scaling`]: median wall time against fleet size per strategy, log–log, with the CPU
//!   bound ([`fleetbench_report::Efficiency::cpu_bound_s`]) as a dashed line;
//! - [`wall_vs_rtt`]: median wall time against the network's round-trip time per strategy
//!   (`sweep --networks`), with one session's and N sequential sessions' lower bounds dashed;
//! - [`timeline`]: one row per device, a bar from connection to receipt coloured by phase,
//!   x = seconds since the run started. The course's `===> Connection` / `<=== Received`
//!   log as a picture: a pool's start-up is the grey band on the left, a worker limit is a
//!   staircase.
//!
//! Each function returns the SVG text; [`write_report_plots`] writes a report's set.

use crate::plural::count;
use fleetbench_report::Phase;
use fleetbench_report::StrategyKind;
use fleetbench_report::{Report, StrategyReport};
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

mod rtt;
mod scaling;
mod timeline;
mod wall;
pub use rtt::{RttPoint, wall_vs_rtt};
pub use scaling::{ScalingPoint, scaling};
pub use timeline::timeline;
pub use wall::wall_time;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("drawing {what}: {message}")]
    Draw { what: String, message: String },
    #[error(transparent)]
    Write(#[from] fleetbench_inventory::output::OutputError),
    #[error("nothing to plot: {0}")]
    Empty(String),
}

fn draw_err<E: std::fmt::Debug>(what: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError::Draw {
        what: what.to_string(),
        message: format!("{e:?}"),
    }
}

const FONT: &str = "sans-serif";

/// A colour per strategy, the same in every plot.
/// External pollers' bars: a neutral grey, apart from the five strategies' colours.
pub const EXTERNAL_COLOR: RGBColor = RGBColor(110, 110, 110);

pub fn strategy_color(k: StrategyKind) -> RGBColor {
    match k {
        StrategyKind::Sequential => RGBColor(0x55, 0x55, 0x55),
        StrategyKind::Threads => RGBColor(0x1f, 0x77, 0xb4),
        StrategyKind::Processes => RGBColor(0xd6, 0x27, 0x28),
        StrategyKind::Async => RGBColor(0x2c, 0xa0, 0x2c),
        StrategyKind::Rayon => RGBColor(0xff, 0x7f, 0x0e),
    }
}

/// A colour per session phase, for the timeline.
pub fn phase_color(p: Phase) -> RGBColor {
    match p {
        Phase::Connect => RGBColor(0x8c, 0x56, 0x4b),
        Phase::Handshake => RGBColor(0xd6, 0x27, 0x28),
        Phase::Auth => RGBColor(0xff, 0x7f, 0x0e),
        Phase::Shell => RGBColor(0xbc, 0xbd, 0x22),
        Phase::Prompt => RGBColor(0x17, 0xbe, 0xcf),
        Phase::Enable => RGBColor(0x94, 0x67, 0xbd),
        Phase::Command => RGBColor(0x1f, 0x77, 0xb4),
        Phase::Close => RGBColor(0x7f, 0x7f, 0x7f),
    }
}

/// A time unit that keeps axis numbers readable: seconds or milliseconds.
#[derive(Debug, Clone, Copy)]
struct Unit {
    scale: f64,
    name: &'static str,
}

fn unit_for(max_s: f64) -> Unit {
    if max_s < 1.0 {
        Unit {
            scale: 1000.0,
            name: "ms",
        }
    } else {
        Unit {
            scale: 1.0,
            name: "s",
        }
    }
}

fn fmt_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Labels per linear axis; passed to the mesh and used to predict its tick step.
const AXIS_LABELS: usize = 10;

/// The decimals a linear axis over `lo..hi` with at most `labels` labels needs: those of the
/// tick step plotters will choose (its own key points, so the two never disagree). Ticks are
/// multiples of the step, so every label is exact at this precision: `0.6`, not
/// `0.6000000000000001`, and `0.25, 0.50, 0.75` share their decimals.
fn axis_decimals(lo: f64, hi: f64, labels: usize) -> usize {
    use plotters::coord::ranged1d::{BoldPoints, Ranged};
    use plotters::coord::types::RangedCoordf64;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return 0;
    }
    let ticks = RangedCoordf64::from(lo..hi).key_points(BoldPoints(labels));
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !step.is_finite() {
        return 0;
    }
    // The smallest number of decimals that writes the step exactly (within float noise).
    (0..=9)
        .find(|&d| {
            let k = 10f64.powi(d as i32);
            ((step * k).round() - step * k).abs() < 1e-6 * (step * k).max(1.0)
        })
        .unwrap_or(9)
}

/// The label formatter of a linear axis over `lo..hi` (see [`axis_decimals`]).
fn linear_axis(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let d = axis_decimals(lo, hi, AXIS_LABELS);
    move |v| {
        let s = format!("{v:.d$}");
        // `-0` or `-0.0` from a tick that is zero up to float noise.
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// A log axis' label: at most three significant digits, no trailing zeros (`0.03`, `150`,
/// `2000`), since log ticks are not multiples of one step.
fn log_axis(v: &f64) -> String {
    if !v.is_finite() || *v <= 0.0 {
        return String::new();
    }
    let mag = v.abs().log10().floor() as i32;
    let d = (2 - mag).max(0) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn fleet_desc(report: &Report) -> String {
    format!(
        "{} ({}), {}",
        count(report.fleet.devices, "device"),
        report.fleet.source(),
        count(report.machine.cores, "core")
    )
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Box,
    Line,
    Dashed,
    /// Text only.
    None,
}

/// A legend in its own panel beside the chart, so it never covers data.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    items: &[(String, RGBColor, Mark)],
) -> Result<(), PlotError> {
    let e = draw_err("legend");
    let style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, c, mark)) in items.iter().enumerate() {
        let y = 60 + i as i32 * 24;
        match mark {
            Mark::Box => area
                .draw(&Rectangle::new([(8, y - 7), (24, y + 7)], c.filled()))
                .map_err(&e)?,
            Mark::Line => area
                .draw(&PathElement::new(vec![(4, y), (28, y)], c.stroke_width(3)))
                .map_err(&e)?,
            Mark::None => {}
            Mark::Dashed => {
                for x in [4, 14, 24] {
                    area.draw(&PathElement::new(
                        vec![(x, y), (x + 6, y)],
                        c.stroke_width(2),
                    ))
                    .map_err(&e)?;
                }
            }
        }
        let x = if matches!(mark, Mark::None) { 8 } else { 34 };
        area.draw(&Text::new(label.clone(), (x, y), style.clone()))
            .map_err(&e)?;
    }
    Ok(())
}

/// One strategy's line on a wall-time chart: its medians joined, a dot on each, and a whisker
/// over the runs' range. `points` are `(x, median, min, max)` in the order to join them.
fn median_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: &[(f64, f64, f64, f64)],
    c: RGBColor,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let e = draw_err("median line");
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|&(x, median, ..)| (x, median)),
            c.stroke_width(2),
        ))
        .map_err(&e)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&(x, median, ..)| Circle::new((x, median), 4, c.filled())),
        )
        .map_err(&e)?;
    chart
        .draw_series(
            points.iter().map(|&(x, _, min, max)| {
                PathElement::new(vec![(x, min), (x, max)], c.stroke_width(1))
            }),
        )
        .map_err(&e)?;
    Ok(())
}

fn write(path: PathBuf, svg: &str, out: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    fleetbench_inventory::output::write(
        &path,
        svg.as_bytes(),
        fleetbench_inventory::output::Access::Shared,
    )?;
    out.push(path);
    Ok(())
}

/// Writes a report's plots into `dir` (created if missing): `<prefix>wall.svg` and one
/// `<prefix>timeline-<strategy>.svg` per strategy. Returns the files written.
pub fn write_report_plots(
    report: &Report,
    dir: &Path,
    prefix: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    fleetbench_inventory::output::create_dir(dir)?;
    let mut out = Vec::new();
    write(
        dir.join(format!("{prefix}wall.svg")),
        &wall_time(report)?,
        &mut out,
    )?;
    for s in &report.strategies {
        if s.runs.is_empty() || s.devices.is_empty() {
            continue;
        }
        write(
            dir.join(format!("{prefix}timeline-{}.svg", s.strategy.name())),
            &timeline(report, s)?,
            &mut out,
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
