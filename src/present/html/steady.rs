//! The sections of a `fleetbench poll` page: the schedule's heading, the tables (the same
//! as the terminal's), the notes (keep against renew, the backlog's arithmetic, failures),
//! and each sessions mode's three pictures.

use super::{escape, figure};
use crate::present::plot;
use crate::present::steady::{heading, notes, tables};
use fleetbench_report::Report;
use fleetbench_report::steady::SteadyReport;
use std::fmt::Write as _;

pub(super) fn sections(out: &mut String, r: &Report, s: &SteadyReport, level: u8) {
    let h = |out: &mut String, text: &str| {
        let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(text));
    };
    if r.interrupted {
        out.push_str(
            "<p class=\"banner\"><strong>Interrupted.</strong> The figures are those of the \
             cycles that ran; the stream file has every finished cycle.</p>\n",
        );
    }
    let _ = writeln!(out, "<p>{}</p>", escape(&heading(r, s)));
    for t in tables(s) {
        h(out, t.title);
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for (i, c) in t.header.iter().enumerate() {
            let class = if i == 0 { " class=\"l\"" } else { "" };
            let _ = write!(out, "<th{class}>{}</th>", escape(c));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let class = if i == 0 { " class=\"l\"" } else { "" };
                let _ = write!(out, "<td{class}>{}</td>", escape(c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    let notes = notes(r, s);
    if !notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in notes {
            let _ = writeln!(out, "<li>{}</li>", escape(&n));
        }
        out.push_str("</ul>\n");
    }
    let subtitle = format!("{} devices, {}", r.fleet.devices, r.fleet.source());
    for run in &s.runs {
        h(out, &format!("{} sessions", run.sessions.name()));
        figure(
            out,
            &plot::cycles_over_time(run, s.every_s, &subtitle),
            "Each cycle's duration (its first due time to its last poll's end) and its polls' \
             lag (start − due), against the interval.",
        );
        figure(
            out,
            &plot::lag_distribution(run, &subtitle),
            "Lag and latency from the due time by percentile, over every poll that ran.",
        );
        figure(
            out,
            &plot::rss_over_time(run, &subtitle),
            "Resident memory at each cycle's end; dashed: the value after the first minute, \
             dotted: 5% either side of it.",
        );
    }
}
