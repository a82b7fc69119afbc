//! github-action-benchmark `customSmallerIsBetter` JSON
//! (<https://github.com/benchmark-action/github-action-benchmark>, `src/extract.ts`,
//! `BenchmarkResult`): an array of
//!
//! ```json
//! [{"name": "...", "unit": "ms", "value": 165.4, "range": "± 2.3", "extra": "..."}]
//! ```
//!
//! `range` and `extra` are optional strings. The tool treats every entry as smaller-is-better,
//! so only those metrics are exported: median wall time, p99 device latency, CPU per device
//! (milliseconds) and peak RSS (MiB). Speed-up and efficiency, bigger-is-better, go to the
//! Bencher export. The action rejects an empty array, and so does this exporter.

use super::{ExportError, ExportKind, Exporter, to_json};
use fleetbench_report::Report;
use fleetbench_report::metrics::{Metric, Unit, benchmark_name};
use serde::Serialize;

pub struct GithubExporter;

#[derive(Debug, Serialize, PartialEq)]
struct Entry {
    name: String,
    unit: &'static str,
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<String>,
}

/// Rounds to 6 significant digits, so charts and diffs stay readable.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - (x.abs().log10().floor() as i32) - 1;
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

impl Exporter for GithubExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>, ExportError> {
        let mut out = Vec::new();
        for s in &report.strategies {
            for m in Metric::ALL.into_iter().filter(|m| m.smaller_is_better()) {
                let Some(r) = m.read(report, s) else {
                    continue;
                };
                let (unit, scale) = match m.unit() {
                    Unit::Seconds => ("ms", 1e3),
                    Unit::Bytes => ("MiB", 1.0 / (1024.0 * 1024.0)),
                    Unit::Ratio => ("x", 1.0),
                };
                let range = r
                    .measured_spread
                    .then(|| format!("± {}", round((r.hi - r.lo) / 2.0 * scale)));
                let extra = r.measured_spread.then(|| {
                    format!(
                        "min: {} {unit}\nmax: {} {unit}\nruns: {}\nworkers: {}",
                        round(r.lo * scale),
                        round(r.hi * scale),
                        r.runs,
                        s.workers
                    )
                });
                out.push(Entry {
                    name: format!("{} - {}", benchmark_name(report, s), m.label()),
                    unit,
                    value: round(r.value * scale),
                    range,
                    extra,
                });
            }
        }
        if out.is_empty() {
            return Err(ExportError::Empty);
        }
        to_json(ExportKind::Github, &out)
    }
}
