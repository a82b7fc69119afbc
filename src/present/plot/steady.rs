//! `fleetbench poll`'s pictures, one set per sessions mode: each cycle's duration and lag
//! over time with the interval drawn ([`cycles_over_time`]), the lag and latency-from-due
//! distributions by percentile ([`lag_distribution`]), and both sides' resident memory over
//! time with ±5% of its value after the first minute ([`rss_over_time`]).

use super::axes::{AXIS_LABELS, linear_axis, unit_for};
use super::style::{FONT, Mark, PlotError, draw_err, legend};
use fleetbench_report::histo::LatencyHistograms;
use fleetbench_report::steady::{self, Cycle, SteadyRun};
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 560;
/// The legend panel's width.
const PANEL: u32 = 210;

const DURATION: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const P99: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const P50: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const SERVER: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// Seconds since the run's first cycle of each point.
fn times(series: &[Cycle]) -> Vec<f64> {
    let t0 = series.first().map_or(0.0, |c| c.due_unix);
    series.iter().map(|c| (c.due_unix - t0).max(0.0)).collect()
}

fn title(run: &SteadyRun, what: &str, subtitle: &str) -> String {
    format!(
        "{what}: {} sessions, {} w={}; {subtitle}",
        run.sessions.name(),
        run.strategy.name(),
        run.workers
    )
}

/// The chart type the three pictures draw on.
type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// What the three pictures' axes differ in; y is always linear from zero.
struct Axes<'f> {
    x: std::ops::Range<f64>,
    ymax: f64,
    x_desc: String,
    y_desc: String,
    x_labels: usize,
    x_fmt: &'f dyn Fn(&f64) -> String,
}

/// The frame every steady picture shares: a white page with `what`'s title, the legend panel
/// on the right, a chart with its mesh; `draw` puts the series on the chart and returns the
/// legend's entries.
fn framed(
    run: &SteadyRun,
    what: &str,
    subtitle: &str,
    axes: Axes<'_>,
    draw: impl FnOnce(&mut Chart<'_, '_>) -> Result<Vec<(String, RGBColor, Mark)>, PlotError>,
) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let e = draw_err(what);
        root.fill(&WHITE).map_err(&e)?;
        let root = root
            .titled(&title(run, what, subtitle), (FONT, 19))
            .map_err(&e)?;
        let (left, right) = root.split_horizontally(WIDTH - PANEL);
        let mut chart = ChartBuilder::on(&left)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(axes.x.clone(), 0.0..axes.ymax)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .x_desc(axes.x_desc)
            .y_desc(axes.y_desc)
            .x_labels(axes.x_labels)
            .y_labels(AXIS_LABELS)
            .x_label_formatter(axes.x_fmt)
            .y_label_formatter(&linear_axis(0.0, axes.ymax))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(&e)?;
        let items = draw(&mut chart)?;
        legend(&right, &items)?;
        root.present().map_err(&e)?;
    }
    Ok(crate::present::sanitize::for_xml(&svg).into_owned())
}

/// Each cycle's duration, its lag p50 and p99, against time, with the interval dashed: a
/// setup that keeps up stays under the line; a backlog climbs.
pub fn cycles_over_time(
    run: &SteadyRun,
    every_s: f64,
    subtitle: &str,
) -> Result<String, PlotError> {
    let series = &run.series;
    if series.is_empty() {
        return Err(PlotError::Empty("no finished cycle".into()));
    }
    let xs = times(series);
    let xmax = xs.last().copied().unwrap_or(0.0).max(every_s);
    let top = series
        .iter()
        .map(|c| c.duration_s.max(c.lag_s.p99))
        .fold(every_s, f64::max);
    let unit = unit_for(top);
    let ymax = top * unit.scale * 1.15;
    let axes = Axes {
        x: 0.0..xmax * 1.02,
        ymax,
        x_desc: "cycle start, s since the first".into(),
        y_desc: format!("{} (per cycle)", unit.name),
        x_labels: AXIS_LABELS,
        x_fmt: &linear_axis(0.0, xmax * 1.02),
    };
    framed(run, "Cycles over time", subtitle, axes, |chart| {
        let e = draw_err("cycles over time");
        // A cycle none of whose polls ran (all skipped or left not run at the end) has no
        // duration or lag to draw: a zero there would read as a fast cycle.
        let line = |f: fn(&Cycle) -> f64| -> Vec<(f64, f64)> {
            xs.iter()
                .zip(series)
                .filter(|(_, c)| c.polls.ran() > 0)
                .map(|(x, c)| (*x, f(c) * unit.scale))
                .collect()
        };
        for (points, c) in [
            (line(|c| c.duration_s), DURATION),
            (line(|c| c.lag_s.p99), P99),
            (line(|c| c.lag_s.p50), P50),
        ] {
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(&e)?;
            if points.len() <= 200 {
                chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 3, c.filled())))
                    .map_err(&e)?;
            }
        }
        let interval = every_s * unit.scale;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, interval), (xmax * 1.02, interval)],
                8,
                6,
                BLACK.stroke_width(2),
            ))
            .map_err(&e)?;
        let mut items = vec![
            ("cycle duration".to_string(), DURATION, Mark::Line),
            ("lag p99".to_string(), P99, Mark::Line),
            ("lag p50".to_string(), P50, Mark::Line),
            (
                format!("interval {}", crate::present::human::secs(every_s)),
                BLACK,
                Mark::Dashed,
            ),
        ];
        if series.iter().any(|c| c.cycles > 1) {
            items.push(("a point: several".to_string(), WHITE, Mark::None));
            items.push(("cycles, the largest".to_string(), WHITE, Mark::None));
        }
        Ok(items)
    })
}

/// Percentiles drawn on a "nines" axis: 0 = p0, 1 = p90, 2 = p99, 3 = p99.9, ...
fn nines_label(v: &f64) -> String {
    if (v - v.round()).abs() > 1e-9 {
        return String::new();
    }
    match v.round() as usize {
        0 => "p0".into(),
        1 => "p90".into(),
        2 => "p99".into(),
        n => format!("p99.{}", "9".repeat(n - 2)),
    }
}

/// Lag and latency from due by percentile (HdrHistogram's percentile distribution): the
/// tail a closed-loop benchmark would hide.
pub fn lag_distribution(run: &SteadyRun, subtitle: &str) -> Result<String, PlotError> {
    let h =
        LatencyHistograms::decode(&run.histograms).map_err(|e| PlotError::Empty(e.to_string()))?;
    let polls = h.count(steady::LAG);
    if polls == 0 {
        return Err(PlotError::Empty("no poll ran".into()));
    }
    // As many nines as the samples can tell apart, at least two, at most five.
    let nines = (polls as f64).log10().clamp(2.0, 5.0);
    let steps = 200;
    let curve = |key: &str| -> Vec<(f64, f64)> {
        (0..=steps)
            .filter_map(|i| {
                let x = nines * i as f64 / steps as f64;
                let q = 1.0 - 10f64.powf(-x);
                h.quantile_s(key, q).map(|v| (x, v))
            })
            .collect()
    };
    let (lag_c, lat_c) = (curve(steady::LAG), curve(steady::LATENCY));
    let top = lat_c.iter().chain(&lag_c).map(|p| p.1).fold(1e-6, f64::max);
    let unit = unit_for(top);
    let ymax = top * unit.scale * 1.12;
    let axes = Axes {
        x: 0.0..nines,
        ymax,
        x_desc: format!("percentile ({polls} polls)"),
        y_desc: format!("{} from the poll's due time", unit.name),
        x_labels: nines.floor() as usize + 1,
        x_fmt: &nines_label,
    };
    framed(run, "Lag by percentile", subtitle, axes, |chart| {
        let e = draw_err("lag distribution");
        let scaled = |c: Vec<(f64, f64)>| c.into_iter().map(move |(x, y)| (x, y * unit.scale));
        chart
            .draw_series(LineSeries::new(scaled(lat_c), DURATION.stroke_width(2)))
            .map_err(&e)?;
        chart
            .draw_series(LineSeries::new(scaled(lag_c), P99.stroke_width(2)))
            .map_err(&e)?;
        Ok(vec![
            ("lag (start - due)".to_string(), P99, Mark::Line),
            ("latency (end - due)".to_string(), DURATION, Mark::Line),
        ])
    })
}

/// Both sides' resident memory against time, each with its value after the first minute
/// dashed and ±5% of it dotted: flat memory stays inside.
pub fn rss_over_time(run: &SteadyRun, subtitle: &str) -> Result<String, PlotError> {
    let series = &run.series;
    let xs = times(series);
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let side = |f: fn(&Cycle) -> Option<u64>| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(series)
            .filter_map(|(x, c)| f(c).map(|b| (*x, mib(b))))
            .collect()
    };
    let client = side(|c| c.client_rss_bytes);
    let server = side(|c| c.server_rss_bytes);
    if client.is_empty() && server.is_empty() {
        return Err(PlotError::Empty("no memory sample".into()));
    }
    let refs: Vec<(f64, RGBColor)> = [(Some(&run.client), DURATION), (run.server.as_ref(), SERVER)]
        .into_iter()
        .filter_map(|(u, c)| {
            u.filter(|u| u.rss_after_first_minute_bytes > 0)
                .map(|u| (mib(u.rss_after_first_minute_bytes), c))
        })
        .collect();
    let top = client
        .iter()
        .chain(&server)
        .map(|p| p.1)
        .chain(refs.iter().map(|r| r.0 * 1.05))
        .fold(1.0, f64::max);
    let xmax = xs.last().copied().unwrap_or(0.0).max(1.0);
    let ymax = top * 1.15;
    let axes = Axes {
        x: 0.0..xmax * 1.02,
        ymax,
        x_desc: "cycle start, s since the first".into(),
        y_desc: "resident memory, MiB".into(),
        x_labels: AXIS_LABELS,
        x_fmt: &linear_axis(0.0, xmax * 1.02),
    };
    framed(run, "Resident memory", subtitle, axes, |chart| {
        let e = draw_err("rss over time");
        let mut items = Vec::new();
        for (points, c, name) in [
            (client, DURATION, "fleetbench"),
            (server, SERVER, "emulator"),
        ] {
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(2)))
                .map_err(&e)?;
            items.push((name.to_string(), c, Mark::Line));
        }
        for (v, c) in &refs {
            let across = |y: f64| [(0.0, y), (xmax * 1.02, y)];
            chart
                .draw_series(DashedLineSeries::new(across(*v), 8, 6, c.stroke_width(1)))
                .map_err(&e)?;
            for y in [v * 0.95, v * 1.05] {
                chart
                    .draw_series(DashedLineSeries::new(across(y), 2, 5, GREY.stroke_width(1)))
                    .map_err(&e)?;
            }
        }
        if !refs.is_empty() {
            items.push(("after 1 min".to_string(), BLACK, Mark::Dashed));
            items.push(("±5% of it".to_string(), GREY, Mark::Dashed));
        }
        Ok(items)
    })
}

/// A poll report's plots with their file names: three per sessions mode.
pub fn poll_plots(report: &fleetbench_report::Report) -> Result<Vec<(String, String)>, PlotError> {
    let Some(s) = &report.steady else {
        return Err(PlotError::Empty("not a poll report".into()));
    };
    let subtitle = super::style::fleet_desc(report);
    let mut out = Vec::new();
    for run in &s.runs {
        let m = run.sessions.name();
        // A run stopped before its first cycle has nothing to draw, which is no error.
        if let Ok(svg) = cycles_over_time(run, s.every_s, &subtitle) {
            out.push((format!("cycles-{m}.svg"), svg));
        }
        if let Ok(svg) = lag_distribution(run, &subtitle) {
            out.push((format!("lag-{m}.svg"), svg));
        }
        if let Ok(svg) = rss_over_time(run, &subtitle) {
            out.push((format!("rss-{m}.svg"), svg));
        }
    }
    Ok(out)
}
