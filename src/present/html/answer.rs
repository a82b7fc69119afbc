//! The top of a page: the answer ([`crate::present::verdict`]'s sentences, the same as the
//! terminal's), where the machine shaped the figures, and the failures as one matrix, kind x
//! strategy, with the devices, an example and what to do.

use super::escape;
use crate::present::labels;
use crate::present::plural::count;
use crate::present::verdict::Sentences;
use fleetbench_report::Report;
use fleetbench_report::verdict::Verdict;
use std::fmt::Write as _;

/// The verdict: one line per comparison, how it was computed, the rows not compared, and a
/// line naming the failures the table below details.
pub(super) fn verdict(out: &mut String, v: &Verdict) {
    let s = Sentences::of(v);
    if s.speedups.is_empty()
        && s.note.is_none()
        && s.not_comparable.is_empty()
        && s.failures.is_empty()
    {
        return;
    }
    out.push_str("<div class=\"verdict\">\n");
    for l in &s.speedups {
        let _ = writeln!(out, "<p class=\"answer\">{}</p>", escape(l));
    }
    if let Some(n) = &s.note {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    for l in &s.not_comparable {
        let _ = writeln!(out, "<p class=\"fail\">{}</p>", escape(l));
    }
    if !v.failures.is_empty() {
        let kinds: Vec<String> = v
            .failures
            .iter()
            .map(|g| format!("{} ({})", g.kind, count(g.devices, "device")))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"fail\">Failures: {}; what to do about each is in the table below.</p>",
            escape(&kinds.join(", "))
        );
    }
    out.push_str("</div>\n");
}

/// Where the machine, not the devices or the link, shaped the figures.
pub(super) fn distortions(out: &mut String, v: &Verdict) {
    let s = Sentences::of(v);
    if s.distortions.is_empty() {
        return;
    }
    out.push_str(
        "<div class=\"banner\"><strong>The machine shaped these figures.</strong> They \
         describe this machine as much as the devices or the link:<ul>\n",
    );
    for d in &s.distortions {
        let _ = writeln!(out, "<li>{}</li>", escape(d));
    }
    out.push_str("</ul></div>\n");
}

/// The failures of every strategy's last run as one table: a row per kind, a column per
/// strategy (how many devices), then the devices, an example and what to do.
pub(super) fn failures(out: &mut String, r: &Report, v: &Verdict) {
    if v.failures.is_empty() {
        out.push_str("<p class=\"ok\">Every device answered in every strategy's last run.</p>\n");
        return;
    }
    let s = Sentences::of(v);
    out.push_str(
        "<div class=\"scroll\"><table class=\"errors\">\n<thead><tr><th class=\"l\">error \
         kind</th><th class=\"l\">phase</th>",
    );
    for st in &r.strategies {
        let _ = write!(out, "<th>{}</th>", escape(st.strategy.name()));
    }
    out.push_str("<th>devices</th><th class=\"l\">which</th></tr></thead>\n<tbody>\n");
    // The kind's counts on one row, its example and what to do on a full-width row under it.
    let width = 4 + r.strategies.len();
    for (g, lines) in v.failures.iter().zip(&s.failures) {
        let phases: Vec<&str> = g.phases.iter().map(|p| p.as_str()).collect();
        let _ = write!(
            out,
            "<tr class=\"kind\"><td class=\"l fail\" id=\"kind-{}\">{}</td><td class=\"l\">{}</td>",
            escape(&g.kind),
            escape(&g.kind),
            if phases.is_empty() {
                "–".to_string()
            } else {
                phases.join(", ")
            }
        );
        for st in &r.strategies {
            let n = g
                .rows
                .iter()
                .find(|c| c.row == st.strategy.name())
                .map_or(0, |c| c.devices);
            if n == 0 {
                out.push_str("<td>–</td>");
            } else {
                let _ = write!(out, "<td class=\"fail\">{n}</td>");
            }
        }
        let more = g.devices.saturating_sub(g.named.len());
        let which = if more > 0 {
            format!("{} and {more} more", g.named.join(", "))
        } else {
            g.named.join(", ")
        };
        let todo = match &lines.advice {
            Some(a) => format!("{} <code>{}</code>", code_spans(a), escape(&lines.link)),
            None => format!("see <code>{}</code>", escape(&lines.link)),
        };
        let _ = writeln!(
            out,
            "<td>{}</td><td class=\"l wrap\">{}</td></tr>\n<tr class=\"detail\"><td \
             colspan=\"{width}\" class=\"l wrap\"><span class=\"note\">e.g.</span> {}<br/>\
             <strong>What to do:</strong> {todo}</td></tr>",
            g.devices,
            escape(&which),
            escape(&labels::one_line(&g.example, 300)),
        );
    }
    let _ = writeln!(
        out,
        "</tbody>\n</table></div>\n<p class=\"note\">Each strategy's last run; a strategy \
         column counts its devices with that kind, <em>devices</em> counts each device once. \
         {} in the fleet. The guide's troubleshooting page has each kind at its anchor.</p>",
        count(r.fleet.devices, "device")
    );
}

/// The guide's markdown `code` spans of an advice line as `<code>`, the rest escaped (the
/// backticks themselves would read as noise on the page). An unpaired backtick stays.
fn code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() % 2 == 0 {
        return escape(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(p))
            } else {
                escape(p)
            }
        })
        .collect()
}
