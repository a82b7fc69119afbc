//! Median wall time against the network's round-trip time per strategy (`sweep --networks`).

use super::axes::{log_axis, log_ticks};
use super::style::{FONT, Mark, PlotError, draw_err, legend, median_line, strategy_color};
use fleetbench_report::StrategyKind;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

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
            .build_cartesian_2d(
                0.0..xmax * 1.08,
                (ymin * 0.6..ymax * 1.8)
                    .log_scale()
                    .with_key_points(log_ticks(ymin * 0.6, ymax * 1.8)),
            )
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_max_light_lines(0)
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
            let points: Vec<_> = line
                .iter()
                .map(|p| (p.rtt_ms, p.median_s, p.min_s.max(1e-4), p.max_s))
                .collect();
            median_line(&mut chart, &points, c)?;
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
    // Names and paths from the report are drawn as text: valid XML whatever they hold.
    Ok(crate::present::sanitize::for_xml(&svg).into_owned())
}
