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
    let head = if n == 0 {
        "✅ no regression".to_string()
    } else {
        format!("❌ {n} regression{}", if n == 1 { "" } else { "s" })
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
        "| strategy | metric | baseline | current | change | noise band | threshold | verdict |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|");
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
            Measure::FailedDevices => (
                "failed devices".to_string(),
                format!("{}", r.baseline),
                format!("{}", r.current),
                format!("{:+}", r.change),
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
    if !outcome.new_strategies.is_empty() {
        let names: Vec<&str> = outcome.new_strategies.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            md,
            "\nNot in the baseline, not checked: {}.",
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
    use crate::check::{Thresholds, check};
    use fleetbench_report::testing::pair;

    #[test]
    fn markdown_is_a_table_with_every_verdict() {
        let o = check(&pair(1.0), &pair(1.2), &Thresholds::default()).unwrap();
        let md = markdown(&o);
        assert!(md.starts_with("### fleetbench performance gate: ❌ 2 regressions\n"));
        assert!(md.contains(
            "| strategy | metric | baseline | current | change | noise band | threshold | verdict |"
        ));
        assert!(md.contains("| threads | median wall | 165.00 ms | 198.00 ms | +20.0% | ±3.6% | 15% | ❌ **REGRESSION** |"), "{md}");
        assert!(md.contains("| sequential | median wall | 3.090 s | 3.708 s | +20.0% |"));
        let table_rows = md.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(table_rows, 1 + o.rows.len());
        let ok = markdown(&check(&pair(1.0), &pair(1.0), &Thresholds::default()).unwrap());
        assert!(ok.starts_with("### fleetbench performance gate: ✅ no regression\n"));
    }
}
