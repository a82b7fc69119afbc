//! What every plot shares: its error, the font, a colour per strategy and per phase, the
//! legend panel, a strategy's median line, the fleet's description.

use crate::present::plural::count;
use fleetbench_report::{Phase, Report, StrategyKind};
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("drawing {what}: {message}")]
    Draw { what: String, message: String },
    #[error("nothing to plot: {0}")]
    Empty(String),
}

pub(super) fn draw_err<E: std::fmt::Debug>(what: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError::Draw {
        what: what.to_string(),
        message: format!("{e:?}"),
    }
}

pub(super) const FONT: &str = "sans-serif";

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
        Phase::Bastion => RGBColor(0x52, 0x52, 0xa3),
        Phase::BastionChannel => RGBColor(0xe3, 0x77, 0xc2),
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

pub(super) fn fleet_desc(report: &Report) -> String {
    format!(
        "{} ({}), {}",
        count(report.fleet.devices, "device"),
        report.fleet.source(),
        count(report.machine.cores, "core")
    )
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    Box,
    Line,
    Dashed,
    /// Text only.
    None,
    /// Text only, under the entry above it (its second line).
    Indent,
}

/// A legend in its own panel beside the chart, so it never covers data.
pub(super) fn legend<DB: DrawingBackend>(
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
            Mark::None | Mark::Indent => {}
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
        let style = if matches!(mark, Mark::Indent) {
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
        } else {
            style.clone()
        };
        area.draw(&Text::new(label.clone(), (x, y), style))
            .map_err(&e)?;
    }
    Ok(())
}

/// One strategy's line on a wall-time chart: its medians joined, a dot on each, and a whisker
/// over the runs' range. `points` are `(x, median, min, max)` in the order to join them.
pub(super) fn median_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: &[(f64, f64, f64, f64)],
    c: RGBColor,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let e = draw_err("median line");
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|&(x, median, ..)| (x, median)),
            c.stroke_width(2),
        ))
        .map_err(&e)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&(x, median, ..)| Circle::new((x, median), 4, c.filled())),
        )
        .map_err(&e)?;
    chart
        .draw_series(
            points.iter().map(|&(x, _, min, max)| {
                PathElement::new(vec![(x, min), (x, max)], c.stroke_width(1))
            }),
        )
        .map_err(&e)?;
    Ok(())
}
