//! Median wall time against fleet size per strategy, log-log, with the CPU bound dashed.

use super::axes::{log_axis, log_ticks};
use super::style::{FONT, Mark, PlotError, draw_err, legend, median_line, strategy_color};
use fleetbench_report::{Report, StrategyKind};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

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
        // Round ticks and no minor grid (a log axis' default draws 1-9 of every decade: a
        // grey smear, and labels like 9 and 10 on top of each other).
        let (x0, x1, y0, y1) = (xmin * 0.8, xmax * 1.25, ymin * 0.6, ymax * 1.8);
        let xr = (x0..x1).log_scale().with_key_points(log_ticks(x0, x1));
        let yr = (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
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
            let points: Vec<_> = line
                .iter()
                .map(|p| {
                    let n = p.devices as f64;
                    (n, p.median_s, p.min_s.max(1e-6), p.max_s)
                })
                .collect();
            median_line(&mut chart, &points, c)?;
            items.push((kind.name().to_string(), c, Mark::Line));
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
        // One size: a short dash at its bound, so the legend's line is on the chart too.
        let bound = match bound.as_slice() {
            [(n, b)] => vec![(n * 0.9, *b), (n * 1.1, *b)],
            _ => bound,
        };
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
    // Names and paths from the report are drawn as text: valid XML whatever they hold.
    Ok(crate::present::sanitize::for_xml(&svg).into_owned())
}
