//! What `fleetbench tune` shows: the verdict a person can act on ([`verdict`]), a line per
//! measured run saying how the search chose it ([`run_line`]) and one per finished search
//! ([`search_line`]), the table of the searches ([`table`]) and of every point
//! ([`points_table`]); the page puts them in its tune section (`html.rs`: the verdict first,
//! then the plot of throughput and failures against workers, the tables).

use crate::present::human;
use crate::present::plural::{count, noun};
use fleetbench_report::Report;
use fleetbench_report::tune::{
    FailureOnset, Reason, TuneInfo, TunePoint, TuneRun, TuneSearch, Why,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `1 000`, `25 000`: thousands apart, as in a sentence.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Devices per second: `806/s`, `12.5/s`.
pub fn rate(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}/s")
    } else if x >= 10.0 {
        format!("{x:.1}/s")
    } else {
        format!("{x:.2}/s")
    }
}

/// What a failure kind means at scale, for the verdict.
fn kind_phrase(kind: &str) -> &'static str {
    match kind {
        "aaa_timeout" => "logins time out at the AAA server",
        "aaa_rejected" => "the AAA server turns logins away (its queue is full)",
        "vty_busy" => "devices run out of vty lines",
        "login_blocked" => "devices block logins (login block-for)",
        "dropped_at_startup" => "connections are dropped before the SSH banner (MaxStartups)",
        "refused" => "connections are refused",
        "disconnected" => "connections are reset",
        "timeout" => "sessions time out",
        "auth_rejected" => "logins are rejected",
        "bastion_refused" => "the bastion refuses channels",
        "unreachable" => "devices become unreachable",
        _ => "devices fail",
    }
}

/// `aaa_timeout x37, vty_busy x2`, most first.
fn kinds_list(kinds: &BTreeMap<String, usize>) -> String {
    let mut v: Vec<(&String, &usize)> = kinds.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kind with the most devices.
fn main_kind(kinds: &BTreeMap<String, usize>) -> Option<&str> {
    kinds
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| k.as_str())
}

/// `above 160 workers logins time out at the AAA server (aaa_timeout x37; the client saw
/// auth_rejected x37)`.
fn onset_clause(f: &FailureOnset) -> String {
    let what = main_kind(&f.kinds).map_or("devices fail", kind_phrase);
    let whence = if f.settled {
        format!("above {}", count(f.clean_up_to, "worker"))
    } else {
        format!(
            "from somewhere between {} and {} workers",
            f.clean_up_to, f.failing_from
        )
    };
    let saw = if f.client_kinds.is_empty() {
        String::new()
    } else {
        format!("; the client saw {}", kinds_list(&f.client_kinds))
    };
    format!("{whence} {what} ({}{saw})", kinds_list(&f.kinds))
}

/// The verdict: one line that says what to use and what happens above it, then a line for
/// each thing worth acting on (the connect rate, devices that always fail, a search cut
/// short). Empty when the report has no tune.
pub fn verdict(report: &Report) -> Vec<String> {
    let Some(t) = &report.tune else {
        return Vec::new();
    };
    let devices = report.fleet.devices;
    let answered: Vec<&TuneSearch> = t.searches.iter().filter(|s| s.answer.is_some()).collect();
    // The fewest workers among the searches within the tolerance of the highest throughput
    // (the same throughput for less concurrency is the better answer).
    let top = answered
        .iter()
        .filter_map(|s| s.answer.as_ref())
        .map(|a| a.throughput)
        .fold(0.0, f64::max);
    let best = answered
        .iter()
        .copied()
        .filter(|s| {
            s.answer
                .as_ref()
                .is_some_and(|a| a.throughput >= (1.0 - t.settings.tolerance) * top)
        })
        .min_by(|x, y| {
            let (a, b) = (x.answer.as_ref(), y.answer.as_ref());
            let w = |c: Option<&fleetbench_report::tune::TuneChoice>| {
                c.map_or(usize::MAX, |c| c.workers)
            };
            let th =
                |c: Option<&fleetbench_report::tune::TuneChoice>| c.map_or(0.0, |c| c.throughput);
            w(a).cmp(&w(b)).then(th(b).total_cmp(&th(a)))
        });
    let mut lines = Vec::new();
    if let Some(b) = best
        && let Some(a) = &b.answer
    {
        let mut parts = vec![format!(
            "{}, {}: {} devices in {}, {} failed",
            b.strategy.name(),
            count(a.workers, "worker"),
            thousands(devices),
            human::secs(a.wall_s),
            a.failed
        )];
        parts.push(limit_clause(b));
        for o in answered.iter().filter(|o| !std::ptr::eq(**o, b)) {
            let Some(oa) = &o.answer else { continue };
            let name = o.strategy.name();
            if oa.throughput >= a.throughput * (1.0 - t.settings.tolerance) {
                parts.push(format!(
                    "{name} needs {} for the same",
                    count(oa.workers, "worker")
                ));
            } else {
                parts.push(format!(
                    "{name} at its knee: {} with {} ({} slower)",
                    rate(oa.throughput),
                    count(oa.workers, "worker"),
                    human::pct(1.0 - oa.throughput / a.throughput.max(f64::MIN_POSITIVE))
                ));
            }
        }
        lines.push(parts.join("; "));
    }
    for s in &t.searches {
        lines.extend(notes(s, t, devices));
    }
    if lines.is_empty() {
        lines.push("no search measured anything".to_string());
    }
    lines
}

/// What bounds a search above its knee: where failures start, or that none did.
fn limit_clause(s: &TuneSearch) -> String {
    if let Some(f) = &s.failures {
        return onset_clause(f);
    }
    let most = s.worker_points().last().map_or(0, |p| p.workers);
    match &s.stopped {
        Reason::MostWorkers { workers } => format!(
            "still faster at {} (the most it may try: raise --max-workers)",
            count(*workers, "worker")
        ),
        _ => format!(
            "no failures up to {} (the most tried)",
            count(most, "worker")
        ),
    }
}

/// A search's lines beyond the verdict: no answer, the connect rate, devices that always
/// fail, a stop before the search was done.
fn notes(s: &TuneSearch, t: &TuneInfo, devices: usize) -> Vec<String> {
    let name = s.strategy.name();
    let mut out = Vec::new();
    if s.answer.is_none() {
        out.push(format!(
            "{name}: no worker count polled cleanly ({})",
            reason_text(&s.stopped)
        ));
    }
    if let Some(r) = &s.connect_rate {
        let knee = s.answer.as_ref().map_or(0.0, |a| a.throughput);
        let gain = if knee > 0.0 && r.throughput > knee * (1.0 + t.settings.tolerance) {
            format!(
                ", {} more than the knee",
                human::pct(r.throughput / knee - 1.0)
            )
        } else {
            ", no faster than the knee: use it to run more workers safely".to_string()
        };
        out.push(format!(
            "{name}: at {} the failures are about the rate of new logins: --connect-rate {} \
             keeps them clean ({} in {}, {} failed{gain})",
            count(r.workers, "worker"),
            fmt_rate_flag(r.connect_rate),
            thousands(devices),
            human::secs(r.wall_s),
            r.failed,
        ));
    }
    // A real fleet is not searched for its connect rate: the knee's own rate is a safe start.
    if s.connect_rate.is_none()
        && t.settings.cautious
        && let (Some(f), Some(a)) = (&s.failures, &s.answer)
        && let Some(kind) = main_kind(&f.kinds)
        && crate::tune::search::RATE_KINDS.contains(&kind)
    {
        out.push(format!(
            "{name}: the trouble at {} is about the rate of new logins ({kind}): --connect-rate \
             {} (what {} sustained cleanly) lets more workers run without raising it",
            count(f.failing_from, "worker"),
            fmt_rate_flag(a.throughput.floor().max(1.0)),
            count(a.workers, "worker"),
        ));
    }
    if let Some(line) = own_limit(s, t) {
        out.push(line);
    }
    if !s.persistent.is_empty() {
        let n: usize = s.persistent.values().sum();
        out.push(format!(
            "{name}: {} failed already at the lowest count and at every count after ({}): \
             not the worker count's doing",
            count(n, "device"),
            kinds_list(&s.persistent)
        ));
    }
    let spreads: Vec<f64> = s
        .points
        .iter()
        .filter(|p| p.runs.len() >= 2)
        .map(TunePoint::spread)
        .collect();
    let noise = fleetbench_report::Spread::of(&spreads).median;
    if noise > t.settings.tolerance {
        out.push(format!(
            "{name}: repeated runs spread by {} (the median over repeated points), more than the \
             tolerance ({}): the answer is uncertain; measure on a quiet machine, with a larger \
             fleet, or a wider --tolerance",
            human::pct(noise),
            human::pct(t.settings.tolerance)
        ));
    }
    match &s.stopped {
        Reason::LoginBudget { .. }
        | Reason::TimeBudget { .. }
        | Reason::Interrupted
        | Reason::Steps { .. } => out.push(format!(
            "{name}: the search ended early ({}): the answer is the best so far",
            reason_text(&s.stopped)
        )),
        Reason::Trouble { workers } => out.push(format!(
            "{name}: stopped climbing at the first sign of trouble, at {} (a real inventory is \
             not pushed further)",
            count(*workers, "worker")
        )),
        _ => {}
    }
    out
}

/// `netmiko is its own limit: ...`, when the model found the poller's plateau below every
/// ceiling it knows with cores to spare: how many cores it kept busy, and what that says.
/// Whether a poller is Python is not known here: a pool that keeps about one core busy is
/// said to run on one core, with a thread pool under Python's lock as the example.
fn own_limit(s: &TuneSearch, t: &TuneInfo) -> Option<String> {
    let m = s.model.as_ref().filter(|m| m.limit == "poller")?;
    let name = s.strategy.name();
    let used = m.poller_cores?;
    let ceilings: Vec<String> = [
        m.aaa_per_s.map(|a| format!("the AAA server's {}", rate(a))),
        m.cpu_per_s.map(|c| format!("the CPU's {}", rate(c))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let head = format!(
        "{name} is its own limit: it levels off at {} with {used:.1} of {} busy at its best, \
         below what the fleet and this machine allow ({})",
        rate(m.ceiling_per_s),
        count(t.cores, "core"),
        ceilings.join(", ")
    );
    Some(if (0.75..=1.25).contains(&used) {
        format!(
            "{head}: it runs on about one core at a time (as a Python thread pool does): more \
             workers will not help, several processes may"
        )
    } else {
        format!(
            "{head}: something inside it holds it back (a lock, a pool, a pause between \
             devices), not the fleet or the CPU"
        )
    })
}

/// `400` or `2.5`: a rate as typed after `--connect-rate`.
fn fmt_rate_flag(r: f64) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// How the search chose a run, for a person.
pub fn why_text(w: &Why) -> String {
    match w {
        Why::Start => "the start: the lowest count".to_string(),
        Why::Climb {
            from,
            to,
            rise: None,
        } if from == to => "doubling: one point so far".to_string(),
        Why::Climb { from, to, rise } => format!(
            "doubling: throughput rose {} from {from} to {to} workers",
            rise.map_or_else(|| "-".to_string(), human::pct)
        ),
        Why::Repeat { of, spread, margin } => format!(
            "again: {of} workers are {} from the target, inside the noise ({})",
            human::pct_precise(*margin),
            human::pct_precise(*spread)
        ),
        Why::Knee { below, above } => {
            format!("the knee lies between {below} (short of the target) and {above} (reaches it)")
        }
        Why::Probe { from } => format!(
            "past the knee: no failures up to {from} workers, doubling to find where they start"
        ),
        Why::Onset { clean, failing } => {
            format!("where failures start: between {clean} (clean) and {failing} (failing)")
        }
        Why::Rate {
            workers,
            clean,
            failing,
        } => match (clean, failing) {
            (None, None) => format!(
                "the connect rate at {workers} workers (failing without one): from the knee's throughput"
            ),
            (Some(c), None) => format!("the connect rate: {} was clean, a quarter more", rate(*c)),
            (None, Some(f)) => format!("the connect rate: {} failed, a quarter less", rate(*f)),
            (Some(c), Some(f)) => format!(
                "the connect rate between {} (clean) and {} (failing)",
                rate(*c),
                rate(*f)
            ),
        },
    }
}

/// Why a knee was settled or a search ended, for a person.
pub fn reason_text(r: &Reason) -> String {
    match r {
        Reason::Resolution { below, above } => {
            format!("the knee is between {below} and {above} workers: within the resolution")
        }
        Reason::Noise { below, above } => format!(
            "{below} and {above} workers differ by less than their runs' spread: no count between could be told apart"
        ),
        Reason::Lowest { workers } => {
            format!("the lowest count tried ({workers}) already reaches the best throughput")
        }
        Reason::MostWorkers { workers } => {
            format!("throughput still rose at {workers} workers, the most it may try")
        }
        Reason::FailsAtLowest { workers } => {
            format!(
                "every device failed already at {}",
                count(*workers, "worker")
            )
        }
        Reason::Trouble { workers } => {
            format!("the first sign of trouble at {workers} workers; nothing above was tried")
        }
        Reason::LoginBudget { spent, budget } => format!(
            "its login budget: {spent} of {budget} logins spent, and the next run needs more"
        ),
        Reason::TimeBudget { spent_s, budget_s } => format!(
            "its time budget: {} of {} spent, and the next run needs more",
            human::secs(*spent_s),
            human::secs(*budget_s)
        ),
        Reason::Interrupted => "interrupted".to_string(),
        Reason::OneWorker => "sequential polls one device at a time".to_string(),
        Reason::Steps { steps } => format!("its most runs ({steps})"),
    }
}

/// One run's figures: `500 devices in 0.62 s (806/s), 0 failed (aaa_timeout x3)`.
fn run_figures(r: &TuneRun) -> String {
    let failed = if r.kinds.is_empty() {
        format!("{} failed", r.failed)
    } else {
        format!("{} failed ({})", r.failed, kinds_list(&r.kinds))
    };
    format!(
        "{} in {} ({}), {failed}",
        thousands(r.ok + r.failed),
        human::secs(r.wall_s),
        rate(r.throughput())
    )
}

/// The line after a measured run: what it measured and why it was chosen.
pub fn run_line(strategy: &str, p: &TunePoint) -> String {
    let Some(r) = p.runs.last() else {
        return String::new();
    };
    let at = match p.connect_rate {
        Some(c) => format!("{:>5} workers at {}", p.workers, rate(c)),
        None => format!("{:>5} {}", p.workers, noun(p.workers, "worker")),
    };
    let again = if p.runs.len() > 1 {
        format!(" (run {})", p.runs.len())
    } else {
        String::new()
    };
    format!(
        "tune: {strategy:<10} {at}{again}: {}  [{}]",
        run_figures(r),
        why_text(&r.why)
    )
}

/// The line after a search: its answer and what it cost.
pub fn search_line(s: &TuneSearch) -> String {
    let answer = match &s.answer {
        Some(a) => format!(
            "{} ({}, {})",
            count(a.workers, "worker"),
            rate(a.throughput),
            reason_text(&a.reason)
        ),
        None => format!("no answer ({})", reason_text(&s.stopped)),
    };
    format!(
        "tune: {}: {answer}; {} and {} logins (a grid at the same resolution: {} runs)",
        s.strategy.name(),
        count(s.runs, "run"),
        s.logins,
        s.grid_runs
    )
}

/// One row per search: the knee, its throughput and wall time, where failures start, the
/// connect rate, the model's knee, and the runs against a grid's.
pub fn table(t: &TuneInfo) -> String {
    let mut out = String::new();
    let w = t
        .searches
        .iter()
        .map(|s| s.strategy.name().len())
        .fold(10, usize::max);
    let row = |out: &mut String, c: [&str; 8]| {
        let _ = writeln!(
            out,
            "{:<w$} {:>7} {:>9} {:>9} {:>7} {:>16} {:>15} {:>12}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        );
    };
    row(
        &mut out,
        [
            "strategy",
            "workers",
            "devices/s",
            "wall",
            "failed",
            "failures from",
            "connect-rate",
            "runs (grid)",
        ],
    );
    for s in &t.searches {
        let a = s.answer.as_ref();
        let failures = s.failures.as_ref().map_or_else(
            || "-".to_string(),
            |f| {
                let k = main_kind(&f.kinds).unwrap_or("?");
                if f.settled {
                    format!(">{} {k}", f.clean_up_to)
                } else {
                    format!("{}..{} {k}", f.clean_up_to, f.failing_from)
                }
            },
        );
        let rate_cell = s.connect_rate.as_ref().map_or_else(
            || "-".to_string(),
            |r| format!("{}@{}w", rate(r.connect_rate), r.workers),
        );
        row(
            &mut out,
            [
                s.strategy.name(),
                &a.map_or("-".to_string(), |a| a.workers.to_string()),
                &a.map_or("-".to_string(), |a| format!("{:.1}", a.throughput)),
                &a.map_or("-".to_string(), |a| human::secs(a.wall_s)),
                &a.map_or("-".to_string(), |a| a.failed.to_string()),
                &failures,
                &rate_cell,
                &format!("{} ({})", s.runs, s.grid_runs),
            ],
        );
    }
    let models: Vec<String> = t
        .searches
        .iter()
        .filter_map(|s| {
            let m = s.model.as_ref()?;
            let found = s
                .answer
                .as_ref()
                .map_or("-".to_string(), |a| format!("{:.2}", a.workers as f64 / m.workers.max(f64::MIN_POSITIVE)));
            let ceiling = if m.limit == "poller" {
                "its own plateau: the poller is its limit".to_string()
            } else {
                format!("{} ceiling", m.limit)
            };
            Some(format!(
                "{:<w$} model knee {:.1} workers = (1 - {}) x {} ({ceiling}) x {} (one session at one worker); found/model {found}",
                s.strategy.name(),
                m.workers,
                human::pct(t.settings.tolerance),
                rate(m.ceiling_per_s),
                human::secs(m.session_s),
            ))
        })
        .collect();
    if !models.is_empty() {
        out.push('\n');
        for m in models {
            let _ = writeln!(out, "{m}");
        }
    }
    out
}

/// Every point of a search, fewest workers first, each run on a line.
pub fn points_table(s: &TuneSearch) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:>8} {:>4} {:>10} {:>9} {:>6}  why",
        "workers", "rate", "run", "devices/s", "wall", "failed"
    );
    for p in &s.points {
        for (i, r) in p.runs.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:>7} {:>8} {:>4} {:>10.1} {:>9} {:>6}  {}",
                p.workers,
                p.connect_rate.map_or("-".to_string(), rate),
                i + 1,
                r.throughput(),
                human::secs(r.wall_s),
                r.failed,
                why_text(&r.why)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
