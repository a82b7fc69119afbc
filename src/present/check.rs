//! The gate's verdict ([`crate::check`]) as GitHub-flavoured markdown, ready for
//! `$GITHUB_STEP_SUMMARY`.

use crate::check::{CheckOutcome, Measure, Verdict};
use crate::present::human;
use fleetbench_report::metrics::Metric;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The verdict as GitHub-flavoured markdown, ready for `$GITHUB_STEP_SUMMARY`.
pub fn markdown(outcome: &CheckOutcome) -> String {
    let mut md = String::new();
    let n = outcome.regressions();
    let gone = outcome.missing.len();
    let head = match (n, gone) {
        (0, 0) => "✅ no regression".to_string(),
        (n, 0) => format!("❌ {n} regression{}", plural(n)),
        (0, g) => format!("❌ {g} row{} missing from the report", plural(g)),
        (n, g) => format!(
            "❌ {n} regression{}, {g} row{} missing from the report",
            plural(n),
            plural(g)
        ),
    };
    let _ = writeln!(md, "### fleetbench performance gate: {head}\n");
    let _ = writeln!(md, "- baseline: {}", outcome.baseline_setup);
    let _ = writeln!(md, "- report: {}", outcome.report_setup);
    for note in &outcome.notes {
        let _ = writeln!(md, "- note: {note}");
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| row | metric | baseline | current | change | noise band | threshold | verdict |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|");
    for id in &outcome.missing {
        let _ = writeln!(
            md,
            "| {id} | (the whole row) | measured | absent | - | - | - | ❌ **MISSING** |"
        );
    }
    for r in &outcome.rows {
        let (label, base, cur, change, noise, threshold) = match r.measure {
            Measure::Metric(m) => (
                m.label().to_string(),
                fmt_value(m, r.baseline),
                fmt_value(m, r.current),
                format!("{:+.1}%", r.change * 100.0),
                format!("±{:.1}%", r.noise * 100.0),
                format!("{:.0}%", r.threshold * 100.0),
            ),
            Measure::OkDevices => (
                "devices polled per run".to_string(),
                count(r.baseline),
                if r.kinds.is_empty() {
                    count(r.current)
                } else {
                    let kinds: Vec<String> = r
                        .kinds
                        .iter()
                        .take(3)
                        .map(|(k, n)| format!("{k} x{n}"))
                        .collect();
                    format!("{} (failed: {})", count(r.current), kinds.join(", "))
                },
                format!("{:+}", Trim(r.change)),
                "-".to_string(),
                "0".to_string(),
            ),
            Measure::FailedExits => (
                "runs exiting non-zero".to_string(),
                count(r.baseline),
                count(r.current),
                format!("{:+}", Trim(r.change)),
                "-".to_string(),
                "0".to_string(),
            ),
        };
        let _ = writeln!(
            md,
            "| {} | {label} | {base} | {cur} | {change} | {noise} | {threshold} | {} |",
            r.strategy.name(),
            verdict_text(r.verdict)
        );
    }
    if !outcome.skipped.is_empty() {
        let mut by_metric: BTreeMap<Metric, Vec<&str>> = BTreeMap::new();
        for (s, m) in &outcome.skipped {
            by_metric.entry(*m).or_default().push(s.name());
        }
        let list: Vec<String> = by_metric
            .iter()
            .map(|(m, ss)| format!("{} ({})", m.label(), ss.join(", ")))
            .collect();
        let _ = writeln!(
            md,
            "\nSkipped, absent from the baseline or the report: {}.",
            list.join("; ")
        );
    }
    if !outcome.missing.is_empty() {
        let names: Vec<&str> = outcome.missing.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            md,
            "\nIn the baseline but not in the report, so not measured: {} (gate fewer rows with \
             `--rows`, or record a new baseline).",
            names.join(", ")
        );
    }
    if !outcome.new_rows.is_empty() {
        let names: Vec<&str> = outcome.new_rows.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            md,
            "\nNot in the baseline, not checked: {}.",
            names.join(", ")
        );
    }
    if !outcome.not_gated.is_empty() {
        let names: Vec<&str> = outcome.not_gated.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            md,
            "\nLeft out by `--rows`, not checked: {}.",
            names.join(", ")
        );
    }
    let _ = writeln!(
        md,
        "\nA change is a regression only when it is worse than its threshold and than the noise band \
         (the two measured spreads added: (max − min) / median over the runs of each report)."
    );
    md
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A count, or a mean of counts over runs: whole numbers without decimals.
fn count(v: f64) -> String {
    Trim(v).to_string()
}

/// A number with at most two decimals and none when it is whole.
struct Trim(f64);

impl std::fmt::Display for Trim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.fract() == 0.0 {
            if f.sign_plus() && v >= 0.0 {
                write!(f, "+{v:.0}")
            } else {
                write!(f, "{v:.0}")
            }
        } else if f.sign_plus() {
            write!(f, "{v:+.2}")
        } else {
            write!(f, "{v:.2}")
        }
    }
}

fn fmt_value(m: Metric, v: f64) -> String {
    match m {
        Metric::Wall | Metric::P99 | Metric::Cpu => human::secs_precise(v),
        Metric::Rss => human::mib_precise(v),
        Metric::Speedup => human::times(v),
        Metric::Efficiency => human::pct_precise(v),
    }
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::WithinNoise => "ok (within noise)",
        Verdict::Improved => "improved",
        Verdict::Regression => "❌ **REGRESSION**",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Rows, Thresholds, check};
    use fleetbench_report::testing::pair;

    #[test]
    fn markdown_is_a_table_with_every_verdict() {
        let o = check(&pair(1.0), &pair(1.2), &Thresholds::default(), &Rows::all()).unwrap();
        let md = markdown(&o);
        assert!(md.starts_with("### fleetbench performance gate: ❌ 2 regressions\n"));
        assert!(md.contains(
            "| row | metric | baseline | current | change | noise band | threshold | verdict |"
        ));
        assert!(md.contains("| threads | median wall | 165.00 ms | 198.00 ms | +20.0% | ±3.6% | 15% | ❌ **REGRESSION** |"), "{md}");
        assert!(md.contains("| sequential | median wall | 3.090 s | 3.708 s | +20.0% |"));
        let table_rows = md.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(table_rows, 1 + o.rows.len());
        let ok =
            markdown(&check(&pair(1.0), &pair(1.0), &Thresholds::default(), &Rows::all()).unwrap());
        assert!(ok.starts_with("### fleetbench performance gate: ✅ no regression\n"));
    }
}
