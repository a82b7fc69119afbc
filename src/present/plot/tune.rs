//! `tune`'s figure against the worker count, log scale (no minor grid: on a log axis it
//! smears): devices per second and devices failed per strategy, in one picture.

use super::axes::{linear_axis, log_axis};
use super::style::{
    EXTERNAL_COLOR, FONT, Mark, PlotError, draw_err, legend, median_line, strategy_color,
};
use fleetbench_report::StrategyId;
use fleetbench_report::tune::TuneInfo;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// Colours of external pollers, one each, apart from the strategies'.
const EXTERNAL_COLORS: [RGBColor; 3] = [
    EXTERNAL_COLOR,
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

fn color(id: &StrategyId, external_index: usize) -> RGBColor {
    match id.kind() {
        Some(k) => strategy_color(k),
        None => EXTERNAL_COLORS[external_index % EXTERNAL_COLORS.len()],
    }
}

/// One line of a figure against workers: `(workers, median, min, max)` points, the chosen
/// worker count, and the failed devices at each point.
struct Line {
    name: String,
    color: RGBColor,
    points: Vec<(f64, f64, f64, f64)>,
    failed: Vec<(f64, f64)>,
    chosen: Option<(f64, f64)>,
}

/// Devices per second (top) and devices failed (bottom) against the worker count, one line
/// per search, whiskers over repeated runs, a ring on each chosen count. One SVG.
pub fn tune(t: &TuneInfo, devices: usize) -> Result<String, PlotError> {
    let mut lines = Vec::new();
    let mut externals = 0;
    for s in &t.searches {
        let c = color(&s.strategy, externals);
        if s.strategy.kind().is_none() {
            externals += 1;
        }
        let pts = s.worker_points();
        if pts.is_empty() {
            continue;
        }
        let points = pts
            .iter()
            .map(|p| {
                let sp = fleetbench_report::Spread::of(&p.throughputs());
                (p.workers as f64, sp.median, sp.min, sp.max)
            })
            .collect();
        let failed = pts
            .iter()
            .map(|p| (p.workers as f64, p.failed_max() as f64))
            .collect();
        let chosen = s.answer.as_ref().map(|a| (a.workers as f64, a.throughput));
        lines.push(Line {
            name: s.strategy.name().to_string(),
            color: c,
            points,
            failed,
            chosen,
        });
    }
    if lines.is_empty() {
        return Err(PlotError::Empty("no measured point".into()));
    }
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let xmin = all().map(|p| p.0).fold(f64::INFINITY, f64::min).max(1.0);
    let xmax = all().map(|p| p.0).fold(1.0, f64::max).max(xmin * 2.0);
    let ymax = all().map(|p| p.3).fold(0.0, f64::max).max(1.0) * 1.1;
    let fmax = lines
        .iter()
        .flat_map(|l| l.failed.iter().map(|f| f.1))
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let (width, height) = (1000, 760);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let e = draw_err("tune");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!("Throughput and failures against workers: {devices} devices"),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(width - 170);
        let (top, bottom) = left.split_vertically(height * 62 / 100);
        let xr = || (xmin * 0.8..xmax * 1.25).log_scale();
        let mut chart = ChartBuilder::on(&top)
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(76)
            .build_cartesian_2d(xr(), 0.0..ymax)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&log_axis)
            .y_label_formatter(&linear_axis(0.0, ymax))
            .y_desc("devices polled per second")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        let mut items = Vec::new();
        for l in &lines {
            median_line(&mut chart, &l.points, l.color)?;
            if let Some(p) = l.chosen {
                chart
                    .draw_series(std::iter::once(Circle::new(p, 9, l.color.stroke_width(2))))
                    .map_err(&e)?;
            }
            items.push((l.name.clone(), l.color, Mark::Line));
        }
        let mut fails = ChartBuilder::on(&bottom)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(xr(), 0.0..fmax)
            .map_err(&e)?;
        fails
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_desc("workers (log scale)")
            .y_desc("devices failed")
            .x_label_formatter(&log_axis)
            .y_label_formatter(&linear_axis(0.0, fmax))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        for l in &lines {
            fails
                .draw_series(LineSeries::new(
                    l.failed.iter().copied(),
                    l.color.stroke_width(2),
                ))
                .map_err(&e)?;
            fails
                .draw_series(
                    l.failed
                        .iter()
                        .map(|&p| Circle::new(p, 4, l.color.filled())),
                )
                .map_err(&e)?;
        }
        items.push(("ring: chosen".to_string(), BLACK, Mark::None));
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}
