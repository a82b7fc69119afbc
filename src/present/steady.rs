//! `fleetbench poll`'s text: a line per finished cycle while it runs ([`cycle_line`]), then
//! the run's tables ([`tables`]: the schedule, the times, the costs, one row per sessions
//! mode), keep against renew when both ran, the backlog's arithmetic and the failures
//! ([`notes`]). [`summary`] prints them for a terminal; the HTML page draws the same
//! tables.

use crate::present::human;
use crate::present::plural::count;
use fleetbench_report::Report;
use fleetbench_report::steady::{
    Backlog, SessionMode, SessionSource, SideUsage, Start, SteadyReport, SteadyRun, StreamLine,
};
use std::fmt::Write as _;

/// A table: its title, column names, and rows of cells (text, escaped where shown).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// One finished cycle, for the line printed as it finishes.
pub fn cycle_line(l: &StreamLine, cycles: u64) -> String {
    let c = &l.cycle;
    let p = &c.polls;
    let mut s = format!(
        "{} cycle {}/{cycles}: {} ok of {}",
        l.sessions.name(),
        c.cycle + 1,
        p.ok,
        p.due
    );
    for (n, what) in [
        (p.failed, "failed"),
        (p.skipped, "skipped"),
        (p.queued, "queued"),
        (p.not_run, "not run"),
        (p.interrupted, "interrupted"),
        (p.waiting, "still waiting"),
        (c.reconnects, "reconnects"),
    ] {
        if n > 0 {
            let _ = write!(s, ", {n} {what}");
        }
    }
    let _ = write!(
        s,
        "; lag p99 {}, from due p99 {}; took {} of {}",
        human::secs(c.lag_s.p99),
        human::secs(c.latency_s.p99),
        human::secs(c.duration_s),
        human::secs(l.every_s)
    );
    if c.backlog > 0 {
        let _ = write!(s, "; backlog {}", c.backlog);
    }
    s
}

fn dash() -> String {
    "-".to_string()
}

fn rss(u: Option<&SideUsage>) -> String {
    match u {
        Some(u) if u.rss_max_bytes > 0 => format!(
            "{} / {}",
            human::mib(u.rss_after_first_minute_bytes),
            human::mib(u.rss_max_bytes)
        ),
        _ => dash(),
    }
}

fn cpu(u: Option<&SideUsage>) -> String {
    u.filter(|u| u.cpu_s > 0.0)
        .map_or_else(dash, |u| human::ms(u.cpu_per_poll_s))
}

fn label(r: &SteadyRun) -> String {
    format!(
        "{} ({} w={})",
        r.sessions.name(),
        r.strategy.name(),
        r.workers
    )
}

/// The three tables of a poll report, one row per sessions mode.
pub fn tables(s: &SteadyReport) -> Vec<Table> {
    let schedule = Table {
        title: "Schedule",
        header: vec![
            "sessions", "cycles", "over T", "due", "ok", "failed", "skipped", "queued", "not run",
            "backlog",
        ],
        rows: s
            .runs
            .iter()
            .map(|r| {
                let p = &r.polls;
                let not_run = p.not_run + p.interrupted + p.waiting;
                vec![
                    label(r),
                    r.cycles.to_string(),
                    r.cycles_over_interval.to_string(),
                    p.due.to_string(),
                    p.ok.to_string(),
                    p.failed.to_string(),
                    p.skipped.to_string(),
                    p.queued.to_string(),
                    not_run.to_string(),
                    r.backlog_max.to_string(),
                ]
            })
            .collect(),
    };
    let times = Table {
        title: "Lag and latency from due",
        header: vec![
            "sessions",
            "lag p50",
            "lag p99",
            "lag max",
            "due→end p50",
            "due→end p99",
            "due→end max",
            "session p50",
            "session p99",
        ],
        rows: s
            .runs
            .iter()
            .map(|r| {
                let t = |x: f64| human::secs(x);
                vec![
                    label(r),
                    t(r.lag_s.p50),
                    t(r.lag_s.p99),
                    t(r.lag_s.max),
                    t(r.latency_s.p50),
                    t(r.latency_s.p99),
                    t(r.latency_s.max),
                    t(r.session_s.p50),
                    t(r.session_s.p99),
                ]
            })
            .collect(),
    };
    let costs = Table {
        title: "Sessions and resources",
        header: vec![
            "sessions",
            "logins",
            "reconnects",
            "held (max)",
            "cpu/poll",
            "emu cpu/poll",
            "rss 1 min / max",
            "emu rss 1 min / max",
        ],
        rows: s
            .runs
            .iter()
            .map(|r| {
                vec![
                    label(r),
                    r.sessions_opened.to_string(),
                    r.reconnects.to_string(),
                    r.device_sessions.map_or_else(dash, |d| d.max.to_string()),
                    cpu(Some(&r.client)),
                    cpu(r.server.as_ref()),
                    rss(Some(&r.client)),
                    rss(r.server.as_ref()),
                ]
            })
            .collect(),
    };
    vec![schedule, times, costs]
}

/// The first line: what was polled, how often, for how long.
pub fn heading(report: &Report, s: &SteadyReport) -> String {
    format!(
        "poll: {} ({}) every {} for {} ({}), {}, late polls {}",
        count(report.fleet.devices, "device"),
        report.fleet.source(),
        human::secs(s.every_s),
        human::secs(s.for_s),
        count(s.cycles as usize, "cycle"),
        match s.start {
            Start::Burst => "all at once",
            Start::Spread => "spread over the interval",
        },
        s.on_late.name()
    )
}

/// What the tables do not say in a cell: keep against renew, each run's backlog
/// arithmetic, its failures, where the figures come from.
pub fn notes(report: &Report, s: &SteadyReport) -> Vec<String> {
    let mut out = Vec::new();
    let run = |m: SessionMode| s.runs.iter().find(|r| r.sessions == m);
    if let (Some(k), Some(r)) = (run(SessionMode::Keep), run(SessionMode::Renew)) {
        out.push(keep_against_renew(k, r));
    }
    for r in &s.runs {
        if let Some(b) = Backlog::of(report.fleet.devices, s.every_s, r.workers, r.session_s.p50) {
            out.push(backlog(r, &b, s));
        }
        for (kind, k) in &r.failures {
            out.push(format!(
                "{}: {} failed with {kind}, e.g. {}",
                r.sessions.name(),
                count(k.count as usize, "poll"),
                k.example
            ));
        }
        if let Some(d) = r.device_sessions {
            let by = match d.source {
                SessionSource::Emulator => "the emulator's own count",
                SessionSource::Kernel => "established TCP connections to the fleet's ports",
            };
            out.push(format!(
                "{}: sessions held on the devices, by {by}: most {}, mean {:.1}, at the end {}",
                r.sessions.name(),
                d.max,
                d.mean,
                d.last
            ));
        }
        if r.interrupted {
            out.push(format!(
                "{}: interrupted; the figures are those of the cycles that ran",
                r.sessions.name()
            ));
        }
    }
    if s.runs
        .iter()
        .any(|r| r.server.is_some_and(|u| u.rss_max_bytes == 0))
    {
        out.push(
            "the emulator runs in this process: its memory is in this process's rss column".into(),
        );
    }
    out
}

fn keep_against_renew(k: &SteadyRun, r: &SteadyRun) -> String {
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            human::times(a / b)
        } else {
            "-".to_string()
        }
    };
    let mut s = format!(
        "keep against renew: client CPU per poll {} against {} ({})",
        human::ms(k.client.cpu_per_poll_s),
        human::ms(r.client.cpu_per_poll_s),
        ratio(k.client.cpu_per_poll_s, r.client.cpu_per_poll_s)
    );
    if let (Some(ks), Some(rs)) = (&k.server, &r.server) {
        let _ = write!(
            s,
            ", the emulator's {} against {} ({})",
            human::ms(ks.cpu_per_poll_s),
            human::ms(rs.cpu_per_poll_s),
            ratio(ks.cpu_per_poll_s, rs.cpu_per_poll_s)
        );
    }
    let _ = write!(
        s,
        "; session p50 {} against {}; lag p99 {} against {}; logins {} against {} ({} reconnects)",
        human::secs(k.session_s.p50),
        human::secs(r.session_s.p50),
        human::secs(k.lag_s.p99),
        human::secs(r.lag_s.p99),
        k.sessions_opened,
        r.sessions_opened,
        k.reconnects
    );
    if let (Some(kd), Some(rd)) = (k.device_sessions, r.device_sessions) {
        let _ = write!(
            s,
            "; sessions held on the devices {:.0} against {:.0} on average",
            kd.mean, rd.mean
        );
    }
    s
}

fn backlog(r: &SteadyRun, b: &Backlog, s: &SteadyReport) -> String {
    let mut line = format!(
        "{}: demand {:.2} polls/s (devices / {}), capacity {:.2} polls/s ({} workers / median \
         session {})",
        r.sessions.name(),
        b.demand_per_s,
        human::secs(s.every_s),
        b.capacity_per_s,
        r.workers,
        human::secs(r.session_s.p50)
    );
    if b.keeps_up() {
        line.push_str(": keeps up");
    } else {
        let _ = write!(
            line,
            ": undersized; queued, a poll due t s into the run starts after about {:.2}·t s \
             (its lag grows {:.2} s per second); skipped, about {} of the due polls run",
            b.demand_per_s / b.capacity_per_s,
            b.lag_per_second(),
            human::pct(b.share_run())
        );
    }
    line
}

/// A table as aligned text.
pub fn text_table(t: &Table) -> String {
    let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(c.chars().count());
            if i == 0 {
                let _ = write!(l, "{c}{}", " ".repeat(pad));
            } else {
                let _ = write!(l, "  {}{c}", " ".repeat(pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(t.header.clone());
    for row in &t.rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// Everything above for a terminal.
pub fn summary(report: &Report) -> String {
    let Some(s) = &report.steady else {
        return String::new();
    };
    let mut out = heading(report, s);
    out.push_str("\n\n");
    for t in tables(s) {
        out.push_str(&text_table(&t));
        out.push('\n');
    }
    for n in notes(report, s) {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
