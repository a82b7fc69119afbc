//! Median wall time per strategy: bars with min-max whiskers.

use super::axes::{AXIS_LABELS, fmt_value, linear_axis, unit_for};
use super::style::{EXTERNAL_COLOR, FONT, PlotError, draw_err, fleet_desc, strategy_color};
use crate::present::plural::count;
use fleetbench_report::{Report, StrategyReport};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
            // Grid lines at the labelled ticks only: no minor-grid smear.
            .y_max_light_lines(0)
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
    // Names and paths from the report are drawn as text: valid XML whatever they hold.
    Ok(crate::present::sanitize::for_xml(&svg).into_owned())
}
