//! Bencher Metric Format (BMF) JSON (<https://bencher.dev/docs/reference/bencher-metric-format>):
//!
//! ```json
//! {"<benchmark>": {"<measure>": {"value": 1.0, "lower_value": 0.9, "upper_value": 1.1}}}
//! ```
//!
//! One benchmark per strategy ([`fleetbench_report::metrics::benchmark_name`]). Measures:
//! - `latency`: median wall time of a run, in nanoseconds (Bencher's built-in Latency
//!   measure is in ns), with the fastest and slowest run as lower and upper values;
//! - `device-p99-latency` (ns), `cpu-per-device` (ns), `peak-rss` (bytes), `speedup` and
//!   `efficiency` (ratios), when the report carries them; lower and upper values only where
//!   the runs measured a spread of their own.

use super::{ExportError, ExportKind, Exporter, to_json};
use fleetbench_report::Report;
use fleetbench_report::metrics::{Metric, Unit, benchmark_name};
use serde::Serialize;
use std::collections::BTreeMap;

pub struct BencherExporter;

#[derive(Debug, Serialize, PartialEq)]
struct BmfMetric {
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    lower_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper_value: Option<f64>,
}

/// The measure slug a metric is tracked under.
pub fn measure(m: Metric) -> &'static str {
    match m {
        Metric::Wall => "latency",
        Metric::P99 => "device-p99-latency",
        Metric::Cpu => "cpu-per-device",
        Metric::Rss => "peak-rss",
        Metric::Efficiency => "efficiency",
        Metric::Speedup => "speedup",
    }
}

impl Exporter for BencherExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        let mut out: BTreeMap<String, BTreeMap<&'static str, BmfMetric>> = BTreeMap::new();
        for s in &report.strategies {
            let mut measures = BTreeMap::new();
            for m in Metric::ALL {
                let Some(r) = m.read(report, s) else {
                    continue;
                };
                let scale = match m.unit() {
                    Unit::Seconds => 1e9,
                    Unit::Bytes | Unit::Ratio => 1.0,
                };
                // Whole nanoseconds and bytes; ratios as they are.
                let conv = |x: f64| match m.unit() {
                    Unit::Ratio => x,
                    Unit::Seconds | Unit::Bytes => (x * scale).round(),
                };
                let bounds = r.measured_spread.then_some((conv(r.lo), conv(r.hi)));
                measures.insert(
                    measure(m),
                    BmfMetric {
                        value: conv(r.value),
                        lower_value: bounds.map(|b| b.0),
                        upper_value: bounds.map(|b| b.1),
                    },
                );
            }
            if !measures.is_empty() {
                out.insert(benchmark_name(report, s), measures);
            }
        }
        if out.is_empty() {
            return Err(ExportError::Empty);
        }
        to_json(ExportKind::Bencher, &out)
    }
}
