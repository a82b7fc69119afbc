//! The `--device-view` table: per built-in strategy, how the client's and the devices' views
//! of its last run compare.

use fleetbench_report::Report;
use std::fmt::Write as _;

/// The `--device-view` table: per built-in strategy, how the two views of its last run
/// compare.
pub fn device_view(report: &Report) -> String {
    let ms = |x: f64| format!("{:.1} ms", x * 1000.0);
    let mut t = format!(
        "{:<10} {:>7} {:>8} {:>22} {:>22} {:>15}\n",
        "device view",
        "devices",
        "ok-diff",
        "accept-start p50/max",
        "cmd gap p50/max",
        "cmd ratio max"
    );
    for s in &report.strategies {
        let Some(a) = &s.device_view else { continue };
        let _ = writeln!(
            t,
            "{:<11} {:>7} {:>8} {:>22} {:>22} {:>15.3}",
            s.strategy.name(),
            a.devices,
            a.ok_mismatches,
            format!(
                "{} / {}",
                ms(a.accept_after_start_s.median),
                ms(a.accept_after_start_s.max)
            ),
            format!(
                "{} / {}",
                ms(a.command_gap_s.median),
                ms(a.command_gap_s.max)
            ),
            a.command_ratio.max,
        );
    }
    t
}
