//! Axis units and labels that stay readable: seconds or milliseconds, the decimals of the
//! tick step, three significant digits on log axes.

/// A time unit that keeps axis numbers readable: seconds or milliseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unit {
    pub(super) scale: f64,
    pub(super) name: &'static str,
}

pub(super) fn unit_for(max_s: f64) -> Unit {
    if max_s < 1.0 {
        Unit {
            scale: 1000.0,
            name: "ms",
        }
    } else {
        Unit {
            scale: 1.0,
            name: "s",
        }
    }
}

pub(super) fn fmt_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Labels per linear axis; passed to the mesh and used to predict its tick step.
pub(super) const AXIS_LABELS: usize = 10;

/// The decimals a linear axis over `lo..hi` with at most `labels` labels needs: those of the
/// tick step plotters will choose (its own key points, so the two never disagree). Ticks are
/// multiples of the step, so every label is exact at this precision: `0.6`, not
/// `0.6000000000000001`, and `0.25, 0.50, 0.75` share their decimals.
pub(super) fn axis_decimals(lo: f64, hi: f64, labels: usize) -> usize {
    use plotters::coord::ranged1d::{BoldPoints, Ranged};
    use plotters::coord::types::RangedCoordf64;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return 0;
    }
    let ticks = RangedCoordf64::from(lo..hi).key_points(BoldPoints(labels));
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !step.is_finite() {
        return 0;
    }
    // The smallest number of decimals that writes the step exactly (within float noise).
    (0..=9)
        .find(|&d| {
            let k = 10f64.powi(d as i32);
            ((step * k).round() - step * k).abs() < 1e-6 * (step * k).max(1.0)
        })
        .unwrap_or(9)
}

/// The label formatter of a linear axis over `lo..hi` (see [`axis_decimals`]).
pub(super) fn linear_axis(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let d = axis_decimals(lo, hi, AXIS_LABELS);
    move |v| {
        let s = format!("{v:.d$}");
        // `-0` or `-0.0` from a tick that is zero up to float noise.
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// A log axis' label: at most three significant digits, no trailing zeros (`0.03`, `150`,
/// `2000`), since log ticks are not multiples of one step.
pub(super) fn log_axis(v: &f64) -> String {
    if !v.is_finite() || *v <= 0.0 {
        return String::new();
    }
    let mag = v.abs().log10().floor() as i32;
    let d = (2 - mag).max(0) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Tick values for a log axis over `lo..hi` (both > 0), few enough that no two labels
/// collide and with no minor grid between them: 1, 2 and 5 of each decade over up to three
/// and a half decades, 1 and 3 up to six, powers of ten beyond. A range too narrow for three
/// such ticks (a single fleet size) gets the round linear steps of the range instead, so an
/// axis always has labels.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else if decades <= 6.0 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let mut ticks: Vec<f64> = (first..=last)
        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
        .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
        .collect();
    if ticks.len() < 3 {
        use plotters::coord::ranged1d::{BoldPoints, Ranged};
        use plotters::coord::types::RangedCoordf64;
        ticks = RangedCoordf64::from(lo..hi)
            .key_points(BoldPoints(5))
            .into_iter()
            .filter(|v| *v > 0.0)
            .collect();
    }
    ticks
}
