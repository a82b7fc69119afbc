//! The answer after a comparison, in words: the verdict line per comparison (hyperfine's
//! "X ran 2.96 ± 0.02 times faster than Y"), the rows that cannot be compared and why, the
//! failures by kind with a few devices, a count and what to do about each kind (the advice
//! table's line and the guide's anchor), and where the machine shaped the figures.
//!
//! The sentences are plain text made once here ([`Sentences`]); the terminal
//! ([`terminal`]) makes them safe for a terminal, the HTML page escapes them, so both say
//! the same thing.

use crate::present::human;
use crate::present::labels;
use crate::present::plural::count;
use crate::present::sanitize;
use fleetbench_report::advice;
use fleetbench_report::verdict::{
    Distortion, FailureGroup, NotComparable, RowNotComparable, Speedup, Verdict,
};
use std::fmt::Write as _;

/// How the uncertainty is computed, said once under the verdict lines.
pub const METHOD: &str = "ratio of the mean wall times; ± is its standard deviation, from each \
                          row's runs (σ_r = r·√((σa/μa)² + (σb/μb)²), as hyperfine computes it)";

/// The verdict as sentences, each plain text (device names and messages as they are).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sentences {
    /// One per comparison: `async ran 2.96 ± 0.02 times faster than threads`.
    pub speedups: Vec<String>,
    /// Under them: how the figures were computed, or why there is no comparison.
    pub note: Option<String>,
    /// One per row that is not compared.
    pub not_comparable: Vec<String>,
    pub failures: Vec<FailureLines>,
    pub distortions: Vec<String>,
}

/// One failure kind: what happened, and what to do with the guide's link.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureLines {
    pub kind: String,
    /// `3 devices (R1, R2, R3) in sequential 3, async 3`
    pub what: String,
    /// The first device's message.
    pub example: String,
    /// The advice line, when the table has one.
    pub advice: Option<String>,
    /// `docs/src/troubleshooting.md#refused`
    pub link: String,
}

/// `2.96 ± 0.02` or `2.96`.
fn times(s: &Speedup) -> String {
    match s.plus_minus {
        Some(pm) => format!("{:.2} ± {:.2}", s.times, pm),
        None => format!("{:.2}", s.times),
    }
}

/// Why a row is not compared, as a clause: `every device failed in run 1 (refused)`.
pub fn why(r: &RowNotComparable) -> String {
    match &r.why {
        NotComparable::NoRuns => "it has no measured run".to_string(),
        NotComparable::Interrupted { never_ran } => format!(
            "interrupted: {} never ran, so its time covers part of the fleet",
            count(*never_ran, "device")
        ),
        NotComparable::RunFailed { run, kind, message } => {
            format!("run {run} failed as a whole ({kind}): {message}")
        }
        NotComparable::NothingPolled { run, kinds } if kinds.is_empty() => {
            format!("no device answered in run {run}")
        }
        NotComparable::NothingPolled { run, kinds } => {
            format!("every device failed in run {run} ({})", kinds.join(", "))
        }
    }
}

/// `3 devices (R1, R2, R3) in sequential 3, async 3`.
fn failure_what(g: &FailureGroup) -> String {
    let more = g.devices.saturating_sub(g.named.len());
    let names = if more > 0 {
        format!("{} and {more} more", g.named.join(", "))
    } else {
        g.named.join(", ")
    };
    let rows: Vec<String> = g
        .rows
        .iter()
        .map(|r| format!("{} {}", r.row, r.devices))
        .collect();
    format!(
        "{} ({names}) in {}",
        count(g.devices, "device"),
        rows.join(", ")
    )
}

/// One distortion with the figure that shows it.
pub fn distortion(d: &Distortion) -> String {
    match d {
        Distortion::CpuBusy {
            row,
            busy,
            cpu_s,
            wall_s,
            cores,
            cpu_bound,
        } => format!(
            "{row} {}kept the {} {} busy ({} of CPU, client and emulator, in a {} run): the \
             machine's CPU, not the devices or the link, set its time",
            cpu_bound.map_or(String::new(), |b| format!(
                "ran at {} of the CPU bound and ",
                human::pct(b)
            )),
            count(*cores, "core"),
            human::pct(*busy),
            human::secs(*cpu_s),
            human::secs(*wall_s)
        ),
        Distortion::Retransmits {
            row,
            sessions,
            of,
            retransmits,
        } => format!(
            "{row}: {sessions} of {} retransmitted ({}) with no loss configured and no queue \
             drops: replies came later than TCP's retransmission timeout, which a busy CPU causes",
            count(*of, "session"),
            count(*retransmits as usize, "retransmission")
        ),
        Distortion::ExtraRoundTrips {
            row,
            phase,
            measured,
            model,
        } => format!(
            "{row}: {phase} took {measured:.1} round trips, the protocol needs {model}: the rest \
             is waiting, not the link"
        ),
    }
}

impl Sentences {
    pub fn of(v: &Verdict) -> Sentences {
        let mut s = Sentences::default();
        if let Some(f) = &v.fastest {
            for sp in &v.speedups {
                let mut line = format!("{} ran {} times faster than {}", f.row, times(sp), sp.row);
                // Within one standard deviation of 1: the runs cannot tell the two apart.
                if sp.plus_minus.is_some_and(|pm| sp.times - pm <= 1.0) {
                    line.push_str(" (within the runs' spread: no real difference)");
                }
                if sp.ok != f.ok {
                    let _ = write!(
                        line,
                        " (not the same devices answered: {} in {}, {} in {})",
                        f.ok, f.row, sp.ok, sp.row
                    );
                }
                s.speedups.push(line);
            }
            s.note = if v.speedups.is_empty() {
                (!v.not_comparable.is_empty())
                    .then(|| format!("{} is the only strategy that polled", f.row))
            } else if v.speedups.iter().all(|x| x.plus_minus.is_some()) {
                Some(format!(
                    "{} runs each: {METHOD}",
                    runs_of(f.wall.runs, &v.speedups)
                ))
            } else {
                Some(
                    "ratio of the mean wall times; no ± where a row has a single run (--runs 3 \
                     or more gives one)"
                        .to_string(),
                )
            };
        } else if !v.not_comparable.is_empty() {
            s.note = Some("not comparable: no strategy polled a device to the end".to_string());
        }
        s.not_comparable = v
            .not_comparable
            .iter()
            .map(|r| format!("{}: not comparable: {}", r.row, why(r)))
            .collect();
        s.failures = v
            .failures
            .iter()
            .map(|g| FailureLines {
                kind: g.kind.clone(),
                what: failure_what(g),
                example: g.example.clone(),
                advice: advice::advice(&g.kind).map(|a| a.what.to_string()),
                link: advice::link(&g.kind),
            })
            .collect();
        s.distortions = v.distortions.iter().map(distortion).collect();
        s
    }

    pub fn is_empty(&self) -> bool {
        *self == Sentences::default()
    }
}

/// `3` or `3-5` runs.
fn runs_of(fastest: usize, others: &[Speedup]) -> String {
    let lo = others.iter().map(|s| s.wall.runs).fold(fastest, usize::min);
    let hi = others.iter().map(|s| s.wall.runs).fold(fastest, usize::max);
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

/// What a screen shows of the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything (`compare`, `merge`, `sweep`).
    All,
    /// No comparison, one strategy ran (`run`): the failures and what shaped the figures.
    Failures,
}

/// The verdict for a terminal (device text escaped), or an empty string when there is
/// nothing to say.
pub fn terminal(v: &Verdict, part: Part) -> String {
    let mut s = Sentences::of(v);
    if part == Part::Failures {
        s.speedups.clear();
        s.note = None;
        s.not_comparable.clear();
    }
    if s.is_empty() {
        return String::new();
    }
    let t = |x: &str| sanitize::for_terminal(x).into_owned();
    let mut out = String::new();
    if !s.speedups.is_empty() || s.note.is_some() || !s.not_comparable.is_empty() {
        let _ = writeln!(out, "Verdict:");
        for l in &s.speedups {
            let _ = writeln!(out, "  {}", t(l));
        }
        if let Some(n) = &s.note {
            let _ = writeln!(out, "  ({})", t(n));
        }
        for l in &s.not_comparable {
            let _ = writeln!(out, "  {}", t(l));
        }
    }
    if !s.failures.is_empty() {
        let _ = writeln!(out, "Failures in each strategy's last run, by kind:");
        for f in &s.failures {
            let _ = writeln!(out, "  {}: {}", f.kind, t(&f.what));
            let _ = writeln!(out, "    e.g. {}", t(&labels::one_line(&f.example, 160)));
            match &f.advice {
                Some(a) => {
                    let _ = writeln!(out, "    what to do: {a} ({})", f.link);
                }
                None => {
                    let _ = writeln!(out, "    what to do: see {}", f.link);
                }
            }
        }
    }
    if !s.distortions.is_empty() {
        let _ = writeln!(
            out,
            "The machine shaped these figures (they describe this machine, not the devices or the link):"
        );
        for d in &s.distortions {
            let _ = writeln!(out, "  {d}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleetbench_report::StrategyKind;
    use fleetbench_report::testing::{self, device, strat};

    #[test]
    fn the_verdict_reads_like_hyperfines_and_says_how() {
        let r = testing::report(vec![
            strat(StrategyKind::Threads, &[2.9, 3.0, 3.1]),
            strat(StrategyKind::Async, &[1.0, 1.01, 0.99]),
        ]);
        let t = terminal(r.verdict.as_ref().unwrap(), Part::All);
        assert!(
            t.contains("async ran 3.00 ± 0.10 times faster than threads"),
            "{t}"
        );
        assert!(
            t.contains("3 runs each: ratio of the mean wall times"),
            "{t}"
        );
    }

    #[test]
    fn failed_rows_say_why_and_failures_say_what_to_do() {
        let mut a = strat(StrategyKind::Sequential, &[0.0002]);
        a.devices = (0..3)
            .map(|i| device(i, 0.0, 0.0, 0.0, Some("refused")))
            .collect();
        a.runs[0].ok = 0;
        let mut b = a.clone();
        b.strategy = StrategyKind::Async.into();
        let r = testing::report(vec![a, b]);
        let t = terminal(r.verdict.as_ref().unwrap(), Part::All);
        assert!(
            t.contains("not comparable: no strategy polled a device to the end"),
            "{t}"
        );
        assert!(
            t.contains("async: not comparable: every device failed in run 1 (refused)"),
            "{t}"
        );
        assert!(
            t.contains("refused: 3 devices (R1, R2, R3) in sequential 3, async 3"),
            "{t}"
        );
        assert!(
            t.contains("what to do: Check the device's host and port")
                && t.contains("(docs/src/troubleshooting.md#refused)"),
            "{t}"
        );
        assert!(!t.contains("faster"), "{t}");
    }

    #[test]
    fn device_text_cannot_drive_the_terminal() {
        let mut a = strat(StrategyKind::Threads, &[1.0]);
        a.devices = vec![device(0, 0.0, 0.0, 1.0, Some("timeout"))];
        a.devices[0].name = "R\x1b]0;pwned\x07".into();
        a.devices[0].error.as_mut().unwrap().message = "tail \x1b[2J".into();
        let r = testing::report(vec![a]);
        let t = terminal(r.verdict.as_ref().unwrap(), Part::All);
        assert!(!t.contains('\x1b'), "{t:?}");
    }
}
