//! The latency distribution per strategy: each strategy's whole-session latencies as a
//! cumulative distribution (criterion's and hdrhistogram's way of showing a distribution
//! without binning choices), one line per strategy, from the report's histograms.

use super::axes::{AXIS_LABELS, linear_axis, log_axis, log_ticks, unit_for};
use super::style::{
    EXTERNAL_COLOR, FONT, Mark, PlotError, draw_err, fleet_desc, legend, strategy_color,
};
use crate::present::human;
use fleetbench_report::histo::{LatencyHistograms, TOTAL, cdf_of};
use fleetbench_report::{Report, StrategyReport};
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// Steps of each curve.
const POINTS: usize = 200;
/// A spread wider than this (slowest / fastest session) gets a log axis.
const LOG_SPREAD: f64 = 20.0;

/// One strategy's curve: `(seconds, fraction)` points.
fn curve(s: &StrategyReport) -> Option<Vec<(f64, f64)>> {
    let h = LatencyHistograms::decode(&s.histograms).ok()?;
    let c = cdf_of(h.get(TOTAL)?, POINTS);
    (!c.is_empty()).then_some(c)
}

/// The whole-session latency of every strategy with successful sessions, as CDFs: x the
/// session's time (log scale when the spread is wide), y the share of sessions that took at
/// most that long. The legend gives each strategy's p50 and p99.
pub fn latency_cdf(report: &Report) -> Result<String, PlotError> {
    let curves: Vec<(&StrategyReport, Vec<(f64, f64)>)> = report
        .strategies
        .iter()
        .filter_map(|s| Some((s, curve(s)?)))
        .collect();
    if curves.is_empty() {
        return Err(PlotError::Empty("no successful session to draw".into()));
    }
    let lo = curves
        .iter()
        .flat_map(|(_, c)| c.iter().map(|p| p.0))
        .filter(|x| *x > 0.0)
        .fold(f64::INFINITY, f64::min);
    let hi = curves
        .iter()
        .flat_map(|(_, c)| c.iter().map(|p| p.0))
        .fold(0.0, f64::max);
    let unit = unit_for(hi);
    let (lo, hi) = (
        lo * unit.scale,
        (hi * unit.scale).max(lo * unit.scale * 1.01),
    );
    let log = hi / lo > LOG_SPREAD;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 560)).into_drawing_area();
        let e = draw_err("latency distribution");
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(
                &format!("Session latency per strategy: {}", fleet_desc(report)),
                (FONT, 20),
            )
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(1000 - 210);
        let mut items = Vec::new();
        let x_desc = format!(
            "one device's session, connect to close, {}{} (all measured runs)",
            unit.name,
            if log { ", log scale" } else { "" }
        );
        let y_desc = "share of sessions at most this long";
        // The same drawing over either x axis.
        macro_rules! draw {
            ($chart:expr) => {{
                let chart = &mut $chart;
                for (s, c) in &curves {
                    let color = s.strategy.kind().map_or(EXTERNAL_COLOR, strategy_color);
                    chart
                        .draw_series(LineSeries::new(
                            c.iter().map(|&(x, q)| (x * unit.scale, q)),
                            color.stroke_width(2),
                        ))
                        .map_err(&e)?;
                    let p = s.latency_s.get(TOTAL);
                    items.push((s.strategy.name().to_string(), color, Mark::Line));
                    items.push((
                        format!(
                            "p50 {}, p99 {}",
                            p.map_or("-".into(), |p| human::secs(p.p50)),
                            p.map_or("-".into(), |p| human::secs(p.p99))
                        ),
                        WHITE,
                        Mark::Indent,
                    ));
                }
            }};
        }
        if log {
            let (x0, x1) = (lo * 0.9, hi * 1.1);
            let mut chart = ChartBuilder::on(&left)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(60)
                .build_cartesian_2d(
                    (x0..x1).log_scale().with_key_points(log_ticks(x0, x1)),
                    0f64..1.0,
                )
                .map_err(&e)?;
            chart
                .configure_mesh()
                .y_max_light_lines(0)
                .x_label_formatter(&log_axis)
                .y_labels(6)
                .y_label_formatter(&|v| human::pct(*v))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(&e)?;
            draw!(chart);
        } else {
            let x1 = hi * 1.05;
            let x0 = (lo - (hi - lo) * 0.05).max(0.0);
            let mut chart = ChartBuilder::on(&left)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(60)
                .build_cartesian_2d(x0..x1, 0f64..1.0)
                .map_err(&e)?;
            chart
                .configure_mesh()
                .x_max_light_lines(0)
                .y_max_light_lines(0)
                .x_labels(AXIS_LABELS)
                .x_label_formatter(&linear_axis(x0, x1))
                .y_labels(6)
                .y_label_formatter(&|v| human::pct(*v))
                .x_desc(x_desc)
                .y_desc(y_desc)
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(&e)?;
            draw!(chart);
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(svg)
}
