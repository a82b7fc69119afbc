//! Plots as SVG (plotters' SVG backend; text stays `<text>` elements, so no font files are
//! needed and nothing here rasterises). Four pictures:
//!
//! - [`wall_time`]: median wall time per strategy, bars with min–max whiskers;
//! - [`scaling`]: median wall time against fleet size per strategy, log–log, with the CPU
//!   bound ([`crate::report::Efficiency::cpu_bound_s`]) as a dashed line;
//! - [`wall_vs_rtt`]: median wall time against the network's round-trip time per strategy
//!   (`sweep --networks`), with one session's and N sequential sessions' lower bounds dashed;
//! - [`timeline`]: one row per device, a bar from connection to receipt coloured by phase,
//!   x = seconds since the run started. The course's `===> Connection` / `<=== Received`
//!   log as a picture: a pool's start-up is the grey band on the left, a worker limit is a
//!   staircase.
//!
//! Each function returns the SVG text; [`write_report_plots`] writes a report's set.

use crate::error::Phase;
use crate::plural::count;
use crate::report::{Report, StrategyReport};
use crate::strategy::StrategyKind;
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("drawing {what}: {message}")]
    Draw { what: String, message: String },
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
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

/// Median wall time per strategy, bars with min–max whiskers and the value on top.
pub fn wall_time(report: &Report) -> Result<String, PlotError> {
    let rows: Vec<&StrategyReport> = report
        .strategies
        .iter()
        .filter(|s| !s.runs.is_empty())
        .collect();
    if rows.is_empty() {
        return Err(PlotError::Empty("no strategy has measured runs".into()));
    }
    let top = rows.iter().map(|s| s.wall_s.max).fold(0.0, f64::max);
    let unit = unit_for(top);
    let ymax = (top * unit.scale * 1.18).max(1e-6);
    let n = rows.len();
    let runs = rows.iter().map(|s| s.runs.len()).max().unwrap_or(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 540)).into_drawing_area();
        let e = draw_err("wall time");
        root.fill(&WHITE).map_err(&e)?;
        let names: Vec<String> = rows
            .iter()
            .map(|s| match s.external {
                Some(_) => format!("{} (external)", s.strategy.name()),
                None => format!("{} (w={})", s.strategy.name(), s.workers),
            })
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Wall time per strategy: {}", fleet_desc(report)),
                (FONT, 22),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), 0f64..ymax)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_labels(AXIS_LABELS)
            .y_label_formatter(&linear_axis(0.0, ymax))
            .y_desc(format!(
                "wall time per run ({}), median of {}",
                unit.name,
                count(runs, "run")
            ))
            .x_desc("strategy (workers); whiskers: min and max run")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        for (i, s) in rows.iter().enumerate() {
            let c = s.strategy.kind().map_or(EXTERNAL_COLOR, strategy_color);
            let med = s.wall_s.median * unit.scale;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), med),
                ],
                c.mix(0.85).filled(),
            );
            bar.set_margin(0, 0, 30, 30);
            chart.draw_series(std::iter::once(bar)).map_err(&e)?;
            let (lo, hi) = (s.wall_s.min * unit.scale, s.wall_s.max * unit.scale);
            let black = BLACK.stroke_width(2);
            let x = SegmentValue::CenterOf(i);
            chart
                .draw_series([
                    EmptyElement::at((x.clone(), lo))
                        + PathElement::new(vec![(-8, 0), (8, 0)], black),
                    EmptyElement::at((x.clone(), hi))
                        + PathElement::new(vec![(-8, 0), (8, 0)], black),
                ])
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x.clone(), lo), (x.clone(), hi)],
                    black,
                )))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} {}", fmt_value(med), unit.name),
                    (x, hi + ymax * 0.015),
                    TextStyle::from((FONT, 15).into_font())
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(&e)?;
        }
        root.present().map_err(&e)?;
    }
    Ok(svg)
}

/// One point of the scaling plot: a strategy at one fleet size.
#[derive(Debug, Clone)]
pub struct ScalingPoint {
    pub strategy: StrategyKind,
    pub devices: usize,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    /// The CPU bound at this size (None when not computed).
    pub cpu_bound_s: Option<f64>,
}

impl ScalingPoint {
    /// The points of a report (one per strategy).
    pub fn from_report(report: &Report) -> Vec<ScalingPoint> {
        report
            .strategies
            .iter()
            .filter(|s| !s.runs.is_empty())
            // Scaling plots follow the built-in strategies across sweeps.
            .filter_map(|s| Some((s, s.strategy.kind()?)))
            .map(|(s, strategy)| ScalingPoint {
                strategy,
                devices: report.fleet.devices,
                median_s: s.wall_s.median,
                min_s: s.wall_s.min,
                max_s: s.wall_s.max,
                cpu_bound_s: s.efficiency.map(|e| e.cpu_bound_s),
            })
            .collect()
    }
}

/// Wall time against fleet size, log–log, one line per strategy, and the lowest CPU bound
/// at each size as a dashed line. `subtitle` says what was held fixed (profile, workers).
pub fn scaling(points: &[ScalingPoint], subtitle: &str) -> Result<String, PlotError> {
    let pos: Vec<&ScalingPoint> = points
        .iter()
        .filter(|p| p.devices > 0 && p.median_s > 0.0)
        .collect();
    if pos.is_empty() {
        return Err(PlotError::Empty("no scaling points".into()));
    }
    let xmin = pos.iter().map(|p| p.devices).min().unwrap_or(1) as f64;
    let xmax = pos.iter().map(|p| p.devices).max().unwrap_or(1) as f64;
    let bounds = pos
        .iter()
        .filter_map(|p| p.cpu_bound_s)
        .filter(|b| *b > 0.0);
    let ymin = pos
        .iter()
        .map(|p| p.min_s.max(1e-6))
        .chain(bounds.clone())
        .fold(f64::INFINITY, f64::min);
    let ymax = pos
        .iter()
        .map(|p| p.max_s)
        .chain(bounds)
        .fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 620)).into_drawing_area();
        let e = draw_err("scaling");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!("Wall time against fleet size: {subtitle}"),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(1000 - 170);
        let mut items = Vec::new();
        let xr = (xmin * 0.8..xmax * 1.25).log_scale();
        let yr = (ymin * 0.6..ymax * 1.8).log_scale();
        let mut chart = ChartBuilder::on(&left)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(xr, yr)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_desc("devices in the fleet (log scale)")
            .y_desc("median wall time per run, s (log scale)")
            .x_label_formatter(&log_axis)
            .y_label_formatter(&log_axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        for kind in StrategyKind::ALL {
            let mut line: Vec<&ScalingPoint> =
                pos.iter().copied().filter(|p| p.strategy == kind).collect();
            if line.is_empty() {
                continue;
            }
            line.sort_by_key(|p| p.devices);
            let c = strategy_color(kind);
            chart
                .draw_series(LineSeries::new(
                    line.iter().map(|p| (p.devices as f64, p.median_s)),
                    c.stroke_width(2),
                ))
                .map_err(&e)?;
            items.push((kind.name().to_string(), c, Mark::Line));
            chart
                .draw_series(
                    line.iter()
                        .map(|p| Circle::new((p.devices as f64, p.median_s), 4, c.filled())),
                )
                .map_err(&e)?;
            chart
                .draw_series(line.iter().map(|p| {
                    PathElement::new(
                        vec![
                            (p.devices as f64, p.min_s.max(1e-6)),
                            (p.devices as f64, p.max_s),
                        ],
                        c.stroke_width(1),
                    )
                }))
                .map_err(&e)?;
        }
        // The lowest bound at each size (strategies differ only in their slowest device).
        let mut sizes: Vec<usize> = pos.iter().map(|p| p.devices).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let bound: Vec<(f64, f64)> = sizes
            .iter()
            .filter_map(|&n| {
                pos.iter()
                    .filter(|p| p.devices == n)
                    .filter_map(|p| p.cpu_bound_s)
                    .filter(|b| *b > 0.0)
                    .reduce(f64::min)
                    .map(|b| (n as f64, b))
            })
            .collect();
        if !bound.is_empty() {
            let style = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(bound, 8, 6, style))
                .map_err(&e)?;
            items.push(("CPU bound".to_string(), BLACK, Mark::Dashed));
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}

/// One point of the RTT plot: a strategy over one network.
#[derive(Debug, Clone)]
pub struct RttPoint {
    pub strategy: StrategyKind,
    /// The network's name (`continental`), for the legend.
    pub network: String,
    /// The network's (largest) round-trip time, milliseconds.
    pub rtt_ms: f64,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
}

/// Wall time against the network's RTT, one line per strategy (log y, since sequential grows
/// with the fleet while the concurrent strategies stay near one session), and two lower
/// bounds: `bound_rounds` round trips of the RTT dashed (no session is shorter), and
/// `devices` such sessions one after another dotted (what sequential cannot beat). The
/// legend names each network with its RTT, since near ones (0 and 2 ms) share a spot.
pub fn wall_vs_rtt(
    points: &[RttPoint],
    bound_rounds: u32,
    devices: usize,
    subtitle: &str,
) -> Result<String, PlotError> {
    let pos: Vec<&RttPoint> = points.iter().filter(|p| p.median_s > 0.0).collect();
    if pos.is_empty() {
        return Err(PlotError::Empty("no RTT points".into()));
    }
    let xmax = pos.iter().map(|p| p.rtt_ms).fold(1.0, f64::max);
    let mut rtts: Vec<f64> = pos.iter().map(|p| p.rtt_ms).collect();
    rtts.sort_by(f64::total_cmp);
    rtts.dedup();
    let bound: Vec<(f64, f64)> = rtts
        .iter()
        .filter(|r| **r > 0.0)
        .map(|r| (*r, r / 1e3 * f64::from(bound_rounds)))
        .collect();
    let one_at_a_time: Vec<(f64, f64)> = bound
        .iter()
        .map(|&(r, b)| (r, b * devices as f64))
        .collect();
    let mut networks: Vec<(f64, &str)> =
        pos.iter().map(|p| (p.rtt_ms, p.network.as_str())).collect();
    networks.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    networks.dedup();
    let ymin = pos
        .iter()
        .map(|p| p.min_s.max(1e-4))
        .chain(bound.iter().map(|b| b.1))
        .fold(f64::INFINITY, f64::min);
    let ymax = pos
        .iter()
        .map(|p| p.max_s)
        .chain(one_at_a_time.iter().map(|b| b.1))
        .fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 620)).into_drawing_area();
        let e = draw_err("wall against RTT");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!("Wall time against round-trip time: {subtitle}"),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(1000 - 190);
        let mut items = Vec::new();
        let mut chart = ChartBuilder::on(&left)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(0.0..xmax * 1.08, (ymin * 0.6..ymax * 1.8).log_scale())
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_desc("round-trip time to the devices, ms")
            .y_desc("median wall time per run, s (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&log_axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        for kind in StrategyKind::ALL {
            let mut line: Vec<&RttPoint> =
                pos.iter().copied().filter(|p| p.strategy == kind).collect();
            if line.is_empty() {
                continue;
            }
            line.sort_by(|a, b| a.rtt_ms.total_cmp(&b.rtt_ms));
            let c = strategy_color(kind);
            chart
                .draw_series(LineSeries::new(
                    line.iter().map(|p| (p.rtt_ms, p.median_s)),
                    c.stroke_width(2),
                ))
                .map_err(&e)?;
            chart
                .draw_series(
                    line.iter()
                        .map(|p| Circle::new((p.rtt_ms, p.median_s), 4, c.filled())),
                )
                .map_err(&e)?;
            chart
                .draw_series(line.iter().map(|p| {
                    PathElement::new(
                        vec![(p.rtt_ms, p.min_s.max(1e-4)), (p.rtt_ms, p.max_s)],
                        c.stroke_width(1),
                    )
                }))
                .map_err(&e)?;
            items.push((kind.name().to_string(), c, Mark::Line));
        }
        if !bound.is_empty() {
            chart
                .draw_series(DashedLineSeries::new(bound, 8, 6, BLACK.stroke_width(2)))
                .map_err(&e)?;
            items.push((format!("{bound_rounds} x RTT"), BLACK, Mark::Dashed));
            if devices > 1 {
                let grey = RGBColor(120, 120, 120);
                chart
                    .draw_series(DashedLineSeries::new(
                        one_at_a_time,
                        3,
                        5,
                        grey.stroke_width(2),
                    ))
                    .map_err(&e)?;
                items.push((
                    format!("{devices} x {bound_rounds} x RTT"),
                    grey,
                    Mark::Dashed,
                ));
            }
        }
        items.push(("networks:".to_string(), WHITE, Mark::None));
        for (rtt, name) in networks {
            // A custom spec can be long: the panel holds about 22 characters.
            let name: String = if name.chars().count() > 14 {
                name.chars().take(13).chain(['…']).collect()
            } else {
                name.to_string()
            };
            items.push((format!("{name} {rtt:.0} ms"), WHITE, Mark::None));
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}

/// The timeline of one strategy's last measured run: one row per device (inventory order,
/// first at the top), a bar from connection to receipt coloured by phase, x = seconds since
/// the run started; the pool's start-up as a grey band.
pub fn timeline(report: &Report, s: &StrategyReport) -> Result<String, PlotError> {
    let Some(run) = s.runs.last() else {
        return Err(PlotError::Empty(format!("{}: no measured run", s.strategy)));
    };
    if s.devices.is_empty() {
        return Err(PlotError::Empty(format!("{}: no devices", s.strategy)));
    }
    // Old reports have no run start: fall back to the first connection.
    let t0 = if run.started_unix > 0.0 {
        run.started_unix
    } else {
        s.devices
            .iter()
            .map(|d| d.started_unix)
            .fold(f64::INFINITY, f64::min)
    };
    let end = s
        .devices
        .iter()
        .map(|d| d.ended_unix - t0)
        .fold(run.wall_s, f64::max);
    let unit = unit_for(end);
    let xmax = (end * unit.scale * 1.03).max(1e-6);
    let n = s.devices.len();
    // Row height shrinks with the fleet; the picture stays on a screen.
    let plot_h = (n as u32 * 22).clamp(260, 820);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, plot_h + 130)).into_drawing_area();
        let e = draw_err("timeline");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!(
                    "Timeline: {} with {}, {}; last run, {} {}",
                    s.strategy.name(),
                    match s.external {
                        Some(_) => "its own workers (external)".to_string(),
                        None => count(s.workers, "worker"),
                    },
                    fleet_desc(report),
                    fmt_value(run.wall_s * unit.scale),
                    unit.name
                ),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(1100 - 190);
        // Row i is centred on y = i, so the axis labels sit on their rows.
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..xmax, n as f64 - 0.5..-0.5f64)
            .map_err(&e)?;
        let names: Vec<&str> = s.devices.iter().map(|d| d.name.as_str()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_labels(n.min(25))
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-9 && i >= 0.0 {
                    names
                        .get(i as usize)
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_labels(AXIS_LABELS)
            .x_label_formatter(&linear_axis(0.0, xmax))
            .x_desc(match s.external {
                // An external poller's sessions as the devices saw them.
                Some(_) => format!(
                    "{} since the poller was started (each session as its device saw it)",
                    unit.name
                ),
                None => format!(
                    "{} since the run started (pool start-up included)",
                    unit.name
                ),
            })
            .y_desc(format!("device ({n}, inventory order)"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        let mut items = Vec::new();
        let grey = RGBColor(0xcc, 0xcc, 0xcc);
        if run.startup_s > 0.0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, -0.5), (run.startup_s * unit.scale, n as f64 - 0.5)],
                    grey.mix(0.6).filled(),
                )))
                .map_err(&e)?;
            items.push((
                format!("pool start-up {}", crate::human::secs(run.startup_s)),
                grey,
                Mark::Box,
            ));
        }
        let half = if n > 60 { 0.5 } else { 0.35 };
        // The whole session first (a failed one in red), then each phase over it.
        let red = RGBColor(0xff, 0x40, 0x40);
        let idle = RGBColor(0xe4, 0xe4, 0xe4);
        chart
            .draw_series(s.devices.iter().enumerate().map(|(i, d)| {
                let a = (d.started_unix - t0) * unit.scale;
                let b = (d.ended_unix - t0) * unit.scale;
                let c = if d.ok { idle } else { red };
                let y = i as f64;
                Rectangle::new([(a, y - half), (b, y + half)], c.filled())
            }))
            .map_err(&e)?;
        if s.devices.iter().any(|d| !d.ok) {
            items.push(("failed device".to_string(), red, Mark::Box));
        }
        for phase in Phase::ALL {
            let c = phase_color(phase);
            let rects: Vec<Rectangle<(f64, f64)>> = s
                .devices
                .iter()
                .enumerate()
                .flat_map(|(i, d)| {
                    d.phases
                        .iter()
                        .filter(move |p| p.phase == phase)
                        .map(move |p| {
                            let a = (d.started_unix + p.start_s - t0) * unit.scale;
                            let b = a + p.secs * unit.scale;
                            let y = i as f64;
                            Rectangle::new([(a, y - half), (b, y + half)], c.filled())
                        })
                })
                .collect();
            if rects.is_empty() {
                continue;
            }
            chart.draw_series(rects).map_err(&e)?;
            items.push((phase.as_str().to_string(), c, Mark::Box));
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}

fn write(path: PathBuf, svg: &str, out: &mut Vec<PathBuf>) -> Result<(), PlotError> {
    crate::output::write(&path, svg.as_bytes(), crate::output::Access::Shared)?;
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
    crate::output::create_dir(dir)?;
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
