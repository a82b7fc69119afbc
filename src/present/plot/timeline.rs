//! One row per device, a bar from connection to receipt coloured by phase.

use super::axes::{AXIS_LABELS, fmt_value, linear_axis, unit_for};
use super::style::{FONT, Mark, PlotError, draw_err, fleet_desc, legend, phase_color};
use crate::present::plural::count;
use fleetbench_report::{Phase, Report, StrategyReport};
use plotters::prelude::*;

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
                format!(
                    "pool start-up {}",
                    crate::present::human::secs(run.startup_s)
                ),
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
    // Names and paths from the report are drawn as text: valid XML whatever they hold.
    Ok(crate::present::sanitize::for_xml(&svg).into_owned())
}
