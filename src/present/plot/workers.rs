//! Median wall time against the worker count per strategy, at one fleet size
//! (`sweep --workers-list`): where more workers stop helping.

use super::axes::{AXIS_LABELS, fmt_value, linear_axis, log_axis, log_ticks, unit_for};
use super::style::{FONT, Mark, PlotError, draw_err, legend, median_line, strategy_color};
use fleetbench_report::{Report, StrategyKind};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// One point: a strategy at one worker count.
#[derive(Debug, Clone)]
pub struct WorkersPoint {
    pub strategy: StrategyKind,
    /// The workers it ran with (the setting, or its default for the fleet).
    pub workers: usize,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub cpu_bound_s: Option<f64>,
}

impl WorkersPoint {
    /// The points of one report (one per built-in strategy that polled).
    pub fn from_report(report: &Report) -> Vec<WorkersPoint> {
        report
            .strategies
            .iter()
            .filter(|s| !s.runs.is_empty() && fleetbench_report::outcome::polled(s))
            .filter_map(|s| Some((s, s.strategy.kind()?)))
            .map(|(s, strategy)| WorkersPoint {
                strategy,
                workers: s.workers,
                median_s: s.wall_s.median,
                min_s: s.wall_s.min,
                max_s: s.wall_s.max,
                cpu_bound_s: s.efficiency.map(|e| e.cpu_bound_s),
            })
            .collect()
    }
}

/// Wall time against workers, one line per strategy (sequential, which always has one
/// worker, as a horizontal reference), the lowest CPU bound dashed. Log x when the worker
/// counts span more than a factor 8.
pub fn wall_vs_workers(points: &[WorkersPoint], subtitle: &str) -> Result<String, PlotError> {
    let pos: Vec<&WorkersPoint> = points
        .iter()
        .filter(|p| p.workers > 0 && p.median_s > 0.0)
        .collect();
    let concurrent: Vec<&WorkersPoint> = pos
        .iter()
        .copied()
        .filter(|p| p.strategy != StrategyKind::Sequential)
        .collect();
    let mut counts: Vec<usize> = concurrent.iter().map(|p| p.workers).collect();
    counts.sort_unstable();
    counts.dedup();
    if counts.len() < 2 {
        return Err(PlotError::Empty(
            "fewer than two worker counts to draw".into(),
        ));
    }
    let (wmin, wmax) = (counts[0] as f64, counts[counts.len() - 1] as f64);
    let top = pos.iter().map(|p| p.max_s).fold(0.0, f64::max);
    let unit = unit_for(top);
    let ymax = top * unit.scale * 1.15;
    let log = wmax / wmin > 8.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 600)).into_drawing_area();
        let e = draw_err("wall against workers");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!("Wall time against workers: {subtitle}"),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(1000 - 190);
        let mut items = Vec::new();
        let x_desc = format!("workers{}", if log { " (log scale)" } else { "" });
        let y_desc = format!("median wall time per run, {}", unit.name);
        let scaled = |p: &WorkersPoint| {
            (
                p.workers as f64,
                p.median_s * unit.scale,
                p.min_s * unit.scale,
                p.max_s * unit.scale,
            )
        };
        macro_rules! draw {
            ($chart:expr, $x0:expr, $x1:expr) => {{
                let chart = &mut $chart;
                for kind in StrategyKind::ALL {
                    let c = strategy_color(kind);
                    let mut line: Vec<&WorkersPoint> =
                        pos.iter().copied().filter(|p| p.strategy == kind).collect();
                    if line.is_empty() {
                        continue;
                    }
                    if kind == StrategyKind::Sequential {
                        // One worker whatever the setting: its median as a reference line.
                        let m = line.iter().map(|p| p.median_s).sum::<f64>() / line.len() as f64
                            * unit.scale;
                        chart
                            .draw_series(DashedLineSeries::new(
                                [($x0, m), ($x1, m)],
                                4,
                                4,
                                c.stroke_width(2),
                            ))
                            .map_err(&e)?;
                        items.push((
                            format!("sequential ({} {})", fmt_value(m), unit.name),
                            c,
                            Mark::Dashed,
                        ));
                        continue;
                    }
                    line.sort_by_key(|p| p.workers);
                    let points: Vec<_> = line.iter().map(|p| scaled(p)).collect();
                    median_line(chart, &points, c)?;
                    items.push((kind.name().to_string(), c, Mark::Line));
                }
                if let Some(b) = pos
                    .iter()
                    .filter_map(|p| p.cpu_bound_s)
                    .filter(|b| *b > 0.0)
                    .reduce(f64::min)
                {
                    let b = b * unit.scale;
                    chart
                        .draw_series(DashedLineSeries::new(
                            [($x0, b), ($x1, b)],
                            8,
                            6,
                            BLACK.stroke_width(2),
                        ))
                        .map_err(&e)?;
                    items.push(("CPU bound".to_string(), BLACK, Mark::Dashed));
                }
            }};
        }
        if log {
            let (x0, x1) = (wmin * 0.8, wmax * 1.25);
            let mut chart = ChartBuilder::on(&left)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
                    0f64..ymax,
                )
                .map_err(&e)?;
            chart
                .configure_mesh()
                .y_max_light_lines(0)
                .x_label_formatter(&log_axis)
                .y_labels(AXIS_LABELS)
                .y_label_formatter(&linear_axis(0.0, ymax))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(&e)?;
            draw!(chart, x0, x1);
        } else {
            let pad = ((wmax - wmin) * 0.08).max(0.5);
            let (x0, x1) = ((wmin - pad).max(0.0), wmax + pad);
            let mut chart = ChartBuilder::on(&left)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(70)
                .build_cartesian_2d(x0..x1, 0f64..ymax)
                .map_err(&e)?;
            chart
                .configure_mesh()
                .x_max_light_lines(0)
                .y_max_light_lines(0)
                .x_labels(AXIS_LABELS)
                .x_label_formatter(&linear_axis(x0, x1))
                .y_labels(AXIS_LABELS)
                .y_label_formatter(&linear_axis(0.0, ymax))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(&e)?;
            draw!(chart, x0, x1);
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}
