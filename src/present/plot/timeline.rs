//! One row per device, a bar from connection to receipt coloured by phase; failed devices on
//! top in black with their error kind; every row findable (a label, and a tooltip with the
//! device, its result and its time).

use super::axes::{AXIS_LABELS, fmt_value, linear_axis, unit_for};
use super::style::{FONT, Mark, PlotError, draw_err, fleet_desc, legend, phase_color};
use crate::present::plural::count;
use crate::present::sanitize::xml_text as escape;
use fleetbench_report::{Phase, Report, StrategyReport};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

/// Failed sessions: a colour no phase uses (the phases are ten mid-tone colours and grey).
pub const FAILED_COLOR: RGBColor = RGBColor(0, 0, 0);
/// Rows at least this tall (pixels) each get a label; smaller ones every k-th.
const LABELLED_ROW_PX: u32 = 16;
/// The narrowest mark of a session, in pixels: a refused connection lasts a fraction of a
/// millisecond and would otherwise be an empty row.
const MIN_BAR_PX: i32 = 3;

/// The timeline of one strategy's last measured run: one row per device (inventory order,
/// first at the top), a bar from connection to receipt coloured by phase, x = seconds since
/// the run started; the pool's start-up as a grey band. A failed device's bar is drawn over
/// its phases in [`FAILED_COLOR`], at least [`MIN_BAR_PX`] wide, its error kind written
/// after it. Every row has a `<title>` tooltip (device, address, result, time), and a label
/// when rows are tall enough.
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
    let failed = s.devices.iter().any(|d| !d.ok);
    // Room on the right for the error kinds written after failed bars.
    let xmax = (end * unit.scale * if failed { 1.18 } else { 1.03 }).max(1e-6);
    let n = s.devices.len();
    let row_px: u32 = if n <= 60 { 20 } else { 12 };
    let plot_h = (n as u32 * row_px).max(260);
    // Every row labelled when rows are tall enough; else every k-th (the tooltips find the rest).
    let every = if row_px >= LABELLED_ROW_PX {
        1
    } else {
        n.div_ceil(50).max(2)
    };
    let width = 1100u32;
    let mut rows_px = Vec::with_capacity(n);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, plot_h + 130)).into_drawing_area();
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
        let (left, right) = root.split_horizontally(width - 190);
        // Row i is centred on y = i, so the axis labels sit on their rows.
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..xmax, n as f64 - 0.5..-0.5f64)
            .map_err(&e)?;
        let names: Vec<String> = s
            .devices
            .iter()
            .map(|d| {
                // A long name is cut: the label area holds about 11 characters.
                if d.name.chars().count() > 11 {
                    d.name.chars().take(10).chain(['…']).collect()
                } else {
                    d.name.clone()
                }
            })
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(0)
            // Over n rows, n labels at most: one per row (a step of 1); fewer: every k-th.
            .y_labels(n.div_ceil(every))
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-9 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
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
            .label_style((FONT, if row_px >= LABELLED_ROW_PX { 13 } else { 11 }))
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
        let half = if n > 60 { 0.45 } else { 0.35 };
        let span = |d: &fleetbench_report::DeviceResult| {
            (
                (d.started_unix - t0) * unit.scale,
                (d.ended_unix - t0) * unit.scale,
            )
        };
        // The whole session first (light grey), then each phase over it.
        let idle = RGBColor(0xe4, 0xe4, 0xe4);
        chart
            .draw_series(s.devices.iter().enumerate().map(|(i, d)| {
                let (a, b) = span(d);
                let y = i as f64;
                Rectangle::new([(a, y - half), (b, y + half)], idle.filled())
            }))
            .map_err(&e)?;
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
        // Failed sessions last, on top, at least a few pixels wide, with their kind.
        let kind_style = TextStyle::from((FONT, if row_px >= LABELLED_ROW_PX { 12 } else { 10 }))
            .pos(Pos::new(HPos::Left, VPos::Center));
        let px_per_unit = {
            let (x0, _) = chart.backend_coord(&(0.0, 0.0));
            let (x1, _) = chart.backend_coord(&(xmax, 0.0));
            f64::from((x1 - x0).max(1)) / xmax
        };
        let min_w = f64::from(MIN_BAR_PX) / px_per_unit;
        let failures: Vec<(f64, f64, f64, &str)> = s
            .devices
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.ok)
            .map(|(i, d)| {
                let (a, b) = span(d);
                let kind = d.error.as_ref().map_or("failed", |x| x.kind.as_str());
                (i as f64, a, b.max(a + min_w), kind)
            })
            .collect();
        // Narrower than the phases' bars, so the phase it failed in still shows around it.
        let thin = half * 0.55;
        chart
            .draw_series(failures.iter().map(|&(y, a, b, _)| {
                Rectangle::new([(a, y - thin), (b, y + thin)], FAILED_COLOR.filled())
            }))
            .map_err(&e)?;
        chart
            .draw_series(failures.iter().map(|&(y, _, b, kind)| {
                EmptyElement::at((b, y)) + Text::new(kind.to_string(), (4, 0), kind_style.clone())
            }))
            .map_err(&e)?;
        if failed {
            items.push((
                "failed (its kind after it)".to_string(),
                FAILED_COLOR,
                Mark::Box,
            ));
        }
        // Each row's band, for its tooltip.
        let (x_lo, _) = chart.backend_coord(&(0.0, 0.0));
        let (x_hi, _) = chart.backend_coord(&(xmax, 0.0));
        for i in 0..n {
            let y = i as f64;
            let a = chart.backend_coord(&(0.0, y - 0.5)).1;
            let b = chart.backend_coord(&(0.0, y + 0.5)).1;
            rows_px.push((x_lo, a.min(b), x_hi - x_lo, (a - b).abs()));
        }
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    // Names and paths from the report are drawn as text: valid XML whatever they hold.
    let svg = crate::present::sanitize::for_xml(&svg).into_owned();
    Ok(with_row_tooltips(svg, s, &rows_px))
}

/// `svg` with a transparent band per row carrying a `<title>` (browsers show it as a
/// tooltip): the device's name and address, its result, its session time. Drawn last, over
/// the chart, so hovering anywhere on a row finds its device.
fn with_row_tooltips(svg: String, s: &StrategyReport, rows: &[(i32, i32, i32, i32)]) -> String {
    let Some(end) = svg.rfind("</svg>") else {
        return svg;
    };
    let mut bands = String::from("<g class=\"rows\" fill=\"#ffffff\" fill-opacity=\"0\">\n");
    for (d, &(x, y, w, h)) in s.devices.iter().zip(rows) {
        let result = match &d.error {
            None => "ok".to_string(),
            Some(e) => format!("FAILED {}: {}", e.kind, e.message),
        };
        let _ = writeln!(
            bands,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"><title>{}: {} in {}</title></rect>",
            escape(&crate::present::labels::device_label(
                &d.name, &d.host, d.port
            )),
            escape(&crate::present::labels::one_line(&result, 300)),
            crate::present::human::secs(d.total_secs())
        );
    }
    bands.push_str("</g>\n");
    let mut out = svg;
    out.insert_str(end, &bands);
    out
}
