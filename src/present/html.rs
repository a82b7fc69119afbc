//! One self-contained HTML page per run (`--html FILE`) and per sweep folder (`index.html`),
//! the page one sends to the team: the answer first (the verdict with its uncertainty, the
//! rows not compared and why, where the machine shaped the figures), the comparison table
//! (with a baseline's figures beside it, `compare --baseline`), the failures as one matrix
//! of kind x strategy with what to do, the latency distribution per strategy, the plots
//! inline as SVG, the devices, and the fleet and machine setup. A `tune` report opens with
//! its verdict, its plot against workers and its searches; a `poll` report's page has its
//! schedule's tables and pictures instead (`html/steady.rs`).
//!
//! The page has no external asset (no script, stylesheet, font or image link), so it reads
//! the same offline, attached to a ticket or years later. It is written as polyglot XHTML
//! (every element closed, only numeric character references, text escaped), so an XML
//! parser can check it and a browser reads it as ordinary HTML.

use crate::present::human::secs as fmt_secs;
use crate::present::labels;
use crate::present::plot;
use crate::present::plural::count;
use fleetbench_report::outcome;
use fleetbench_report::{Report, StrategyReport};
use std::fmt::Write as _;

mod answer;

/// What a page shows beyond the report itself.
#[derive(Debug, Clone)]
pub struct PageOptions {
    /// Timelines are drawn for fleets up to this size (one row per device).
    pub timeline_max: usize,
    /// Per-device rows listed per strategy, at most.
    pub device_rows_max: usize,
    /// The command line that produced the report, when known.
    pub command_line: Option<String>,
    /// `compare --baseline FILE`: a report whose figures are shown beside this one's.
    pub baseline: Option<Report>,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            timeline_max: 100,
            device_rows_max: 1000,
            command_line: None,
            baseline: None,
        }
    }
}

/// Text for an HTML/XML text node or attribute ([`crate::present::sanitize::xml_text`]).
pub fn escape(s: &str) -> String {
    crate::present::sanitize::xml_text(s)
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.6em 0; font-variant-numeric: tabular-nums; }
table { font-size: 0.95em; }
th, td { padding: 0.25em 0.55em; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 16em; }
.scroll { overflow-x: auto; }
th { background: #f4f4f4; } td.l, th.l { text-align: left; }
tr.partial td { background: #fff4e0; }
.banner { background: #fff4e0; border: 1px solid #e0a040; padding: 0.6em 1em; margin: 1em 0; }
.fail { color: #b00020; } .ok { color: #1a7f37; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
dl.setup { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.2em; }
dl.setup dt { font-weight: 600; } dl.setup dd { margin: 0; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.92em; }
p.note { color: #555; font-size: 0.92em; }
.verdict { background: #eef6ee; border: 1px solid #8fbf8f; padding: 0.5em 1em; margin: 1em 0; }
.verdict p { margin: 0.3em 0; } .verdict p.answer { font-size: 1.15em; font-weight: 600; }
td.base { color: #555; background: #f8f8f8; }
tr.kind td { border-bottom: none; } tr.detail td { color: #333; padding-bottom: 0.6em; }
";

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"fleetbench {}\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(title)
    );
}

fn utc(unix: f64) -> String {
    chrono::DateTime::from_timestamp(unix.floor() as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// `3 devices, emulated (profile classic)` or `40 devices from devices.yaml`.
fn fleet_line(r: &Report) -> String {
    let n = count(r.fleet.devices, "device");
    match (&r.fleet.profile, &r.fleet.inventory) {
        (Some(p), _) => format!("{n}, emulated (profile {p})"),
        (None, Some(i)) => format!("{n} from {i}"),
        _ => n,
    }
}

/// The page title of a report.
pub fn report_title(r: &Report) -> String {
    format!("fleetbench: {}", fleet_line(r))
}

fn setup(out: &mut String, r: &Report, opts: &PageOptions, with_fleet: bool) {
    let m = &r.machine;
    let rows = [
        (
            "fleet",
            if with_fleet {
                fleet_line(r)
            } else {
                String::new()
            },
        ),
        ("commands", r.commands.join(" ; ")),
        (
            "machine",
            format!(
                "{}, {}, {} {}",
                m.hostname,
                count(m.cores, "core"),
                m.os,
                m.arch
            ),
        ),
        ("fleetbench", r.fleetbench_version.clone()),
        ("report written", utc(r.created_unix)),
    ];
    out.push_str("<dl class=\"setup\">\n");
    for (k, v) in rows.into_iter().filter(|(_, v)| !v.is_empty()) {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{}</dd>", escape(&v));
    }
    if let Some(cl) = &opts.command_line {
        let _ = writeln!(
            out,
            "<dt>command line</dt><dd><code>{}</code></dd>",
            escape(cl)
        );
    }
    out.push_str("</dl>\n");
}

/// The banner of an interrupted run: which strategies are partial and how many devices
/// never ran.
fn partial_banner(out: &mut String, r: &Report) {
    let partial = outcome::partial_strategies(r);
    if partial.is_empty() {
        return;
    }
    let what: Vec<String> = partial
        .iter()
        .map(|s| {
            format!(
                "{} ({} never ran)",
                s.strategy.name(),
                count(outcome::never_ran(s), "device")
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"banner\"><strong>Interrupted.</strong> Partial results for {}. Their wall \
         times cover only the devices polled before the interrupt, so the efficiency columns \
         are not shown for them.</p>",
        escape(&what.join(", "))
    );
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |x| format!("{:.0}%", x * 100.0))
}

fn mib(b: u64) -> String {
    format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
}

fn swatch(s: &StrategyReport) -> String {
    let c = s
        .strategy
        .kind()
        .map_or(plot::EXTERNAL_COLOR, plot::strategy_color);
    format!(
        "<span class=\"swatch\" style=\"background: #{:02x}{:02x}{:02x}\"></span>",
        c.0, c.1, c.2
    )
}

/// The comparison table (the terminal table's columns, in HTML), with a baseline's median
/// and p99 beside each row's when one is given.
fn main_table(out: &mut String, r: &Report, baseline: Option<&Report>) {
    out.push_str(
        "<div class=\"scroll\"><table class=\"compare\">\n<thead><tr><th class=\"l\">strategy</th><th>workers</th>\
         <th>median</th><th>min</th><th>max</th>",
    );
    if baseline.is_some() {
        out.push_str("<th>baseline median</th><th>change</th>");
    }
    out.push_str("<th>speedup</th><th>ok</th><th>failed</th><th>p99 device</th>");
    if baseline.is_some() {
        out.push_str("<th>baseline p99</th>");
    }
    out.push_str(
        "<th>client CPU</th><th>peak RSS</th><th>start-up</th>\
         <th>ideal</th><th>CPU bound</th></tr></thead>\n<tbody>\n",
    );
    for s in &r.strategies {
        let base = baseline.and_then(|b| {
            b.strategies
                .iter()
                .find(|x| x.strategy.name() == s.strategy.name())
        });
        let (base_median, change, base_p99) = match (baseline, base) {
            (None, _) => (String::new(), String::new(), String::new()),
            (Some(_), None) => (
                "<td class=\"base\">–</td>".to_string(),
                "<td>new</td>".to_string(),
                "<td class=\"base\">–</td>".to_string(),
            ),
            (Some(_), Some(b)) => (
                format!("<td class=\"base\">{}</td>", fmt_secs(b.wall_s.median)),
                if b.wall_s.median > 0.0 {
                    format!(
                        "<td>{:+.1}%</td>",
                        (s.wall_s.median / b.wall_s.median - 1.0) * 100.0
                    )
                } else {
                    "<td>–</td>".to_string()
                },
                format!(
                    "<td class=\"base\">{}</td>",
                    b.p99_total_s().map_or("–".to_string(), fmt_secs)
                ),
            ),
        };
        let never = outcome::never_ran(s);
        let partial = never > 0;
        let startup = s.runs.iter().map(|r| r.startup_s).fold(0.0, f64::max);
        let rss = match (s.peak_rss_bytes, s.peak_rss_children_bytes) {
            (0, _) => "–".to_string(),
            (p, 0) => mib(p),
            (p, c) => format!("{} + {}", mib(p), mib(c)),
        };
        let (ideal, bound) = if partial {
            ("partial".to_string(), "partial".to_string())
        } else {
            (
                pct(s.efficiency.map(|e| e.ideal)),
                pct(s.efficiency.map(|e| e.cpu_bound)),
            )
        };
        let name = if partial {
            format!(
                "{} <em>(partial: {} never ran)</em>",
                s.strategy.name(),
                count(outcome::never_ran(s), "device")
            )
        } else {
            s.strategy.name().to_string()
        };
        let _ = writeln!(
            out,
            "<tr{}><td class=\"l\">{}{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             {base_median}{change}<td>{}</td><td class=\"ok\">{}</td><td{}>{}</td><td>{}</td>{base_p99}\
             <td>{}</td><td>{rss}</td><td>{}</td><td>{ideal}</td><td>{bound}</td></tr>",
            if partial { " class=\"partial\"" } else { "" },
            swatch(s),
            s.workers,
            fmt_secs(s.wall_s.median),
            fmt_secs(s.wall_s.min),
            fmt_secs(s.wall_s.max),
            s.speedup.map_or("–".to_string(), |x| format!("{x:.2}x")),
            s.ok(),
            if s.failed() > never {
                " class=\"fail\""
            } else {
                ""
            },
            s.failed() - never,
            s.p99_total_s().map_or("–".to_string(), fmt_secs),
            fmt_secs(s.cpu_s.median),
            fmt_secs(startup),
        );
    }
    let runs = r.strategies.iter().map(|s| s.runs.len()).max().unwrap_or(0);
    out.push_str("</tbody>\n</table></div>\n");
    if let Some(b) = baseline {
        let _ = writeln!(
            out,
            "<p class=\"note\">Baseline: the report of {} ({}, fleetbench {}); <em>change</em> \
             is this median against the baseline's.</p>",
            escape(&utc(b.created_unix)),
            escape(&fleet_line(b)),
            escape(&b.fleetbench_version)
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Wall times are per run over the whole fleet \
         (median, min and max of {}); <em>p99 device</em> is one device's session, connect to \
         close; <em>client CPU</em> excludes the in-process emulator; <em>peak RSS</em> is this \
         process (emulator included), plus the largest worker process if any; <em>ideal</em> and \
         <em>CPU bound</em> are the lower bounds divided by the median wall time (100% = \
         nothing left to gain); a strategy whose runs failed has no speed-up or bound (the \
         verdict above says why).</p>",
        count(runs, "measured run")
    );
}

/// Per-device latency percentiles per strategy: the whole session and each phase's p99.
fn latency_table(out: &mut String, r: &Report) {
    // The jump host's phases only when some strategy went through one.
    let phases: Vec<fleetbench_report::Phase> = fleetbench_report::Phase::ALL
        .into_iter()
        .filter(|p| {
            !matches!(
                p,
                fleetbench_report::Phase::Bastion | fleetbench_report::Phase::BastionChannel
            ) || r
                .strategies
                .iter()
                .any(|s| s.latency_s.contains_key(p.as_str()))
        })
        .collect();
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"latency\">\n<thead><tr><th></th>\
         <th colspan=\"5\" class=\"l\">whole session</th><th colspan=\"{}\" class=\"l\">p99 \
         of each phase</th></tr>\n<tr><th class=\"l\">strategy</th><th>p50</th><th>p90</th>\
         <th>p99</th><th>max</th><th>sessions</th>",
        phases.len()
    );
    for p in &phases {
        let _ = write!(out, "<th>{p}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for s in &r.strategies {
        let Some(total) = s.latency_s.get(fleetbench_report::histo::TOTAL) else {
            continue;
        };
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            swatch(s),
            s.strategy.name(),
            fmt_secs(total.p50),
            fmt_secs(total.p90),
            fmt_secs(total.p99),
            fmt_secs(total.max),
            total.count
        );
        for p in &phases {
            let cell = s
                .latency_s
                .get(p.as_str())
                .map_or("–".to_string(), |x| fmt_secs(x.p99));
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        "</tbody>\n</table></div>\n<p class=\"note\">One device's session over all measured runs; \
         the phase columns are each phase's 99th percentile.</p>\n",
    );
}

/// Each strategy's CPU per session as a multiple of the machine's floor (docs/src/floor.md);
/// nothing without a floor.
fn floor_table(out: &mut String, r: &Report) {
    use crate::present::human::{secs_precise, times};
    let Some(f) = &r.machine.floor else {
        return;
    };
    let Some(client) = f.client_s() else {
        return;
    };
    let noise = |n: Option<f64>| n.map_or(String::new(), |n| format!(" ±{:.0}%", n * 50.0));
    let _ = write!(
        out,
        "<table class=\"floor\">\n<thead><tr><th class=\"l\">CPU per session</th><th>client</th>\
         <th>emulator</th></tr></thead>\n<tbody>\n<tr><td class=\"l\">floor on this machine</td>\
         <td>{}{}</td><td>{}{}</td></tr>\n",
        secs_precise(client),
        noise(f.client_noise()),
        f.emulator_s().map_or("–".to_string(), secs_precise),
        noise(f.emulator_noise()),
    );
    for s in &r.strategies {
        let Some(m) = s.floor_multiple else {
            continue;
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"l\">{}{} / floor</td><td>{}</td><td>{}</td></tr>",
            swatch(s),
            s.strategy.name(),
            times(m.client),
            m.emulator.map_or("–".to_string(), times),
        );
    }
    let _ = write!(
        out,
        "</tbody>\n</table>\n<p class=\"note\">The floor: one X25519 key pair and agreement and \
         one Ed25519 verification ({}) or signature ({}), and a crypto-free loopback exchange of \
         a session's messages, measured before the fleet ran; the emulator's multiple only when \
         this run knows its CPU (an in-process fleet).</p>\n",
        escape(f.client_crypto.as_ref().map_or("", |c| c.library.as_str())),
        escape(
            f.emulator_crypto
                .as_ref()
                .map_or("", |c| c.library.as_str())
        ),
    );
}

/// An SVG plot inline, or a note saying why it is missing.
fn figure(out: &mut String, svg: &Result<String, plot::PlotError>, caption: &str) {
    match svg {
        Ok(svg) => {
            // plotters writes a bare `<svg ...>` root with its own xmlns: fine inline.
            let _ = writeln!(
                out,
                "<figure>\n{}\n<figcaption class=\"note\">{}</figcaption>\n</figure>",
                svg.trim(),
                escape(caption)
            );
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}: not drawn ({})</p>",
                escape(caption),
                escape(&e.to_string())
            );
        }
    }
}

fn plots(out: &mut String, r: &Report, opts: &PageOptions) {
    figure(
        out,
        &plot::wall_time(r),
        "Median wall time per strategy; whiskers: the fastest and slowest run.",
    );
    if r.fleet.devices > opts.timeline_max {
        let _ = writeln!(
            out,
            "<p class=\"note\">Timelines are drawn for fleets up to {} (this one has {}).</p>",
            count(opts.timeline_max, "device"),
            r.fleet.devices
        );
        return;
    }
    for s in &r.strategies {
        if s.runs.is_empty() || s.devices.is_empty() {
            continue;
        }
        figure(
            out,
            &plot::timeline(r, s),
            &format!(
                "{}: each device's session in the last run, coloured by phase.",
                s.strategy.name()
            ),
        );
    }
}

/// Each strategy's devices in its last run, folded away.
fn devices(out: &mut String, r: &Report, opts: &PageOptions) {
    for s in &r.strategies {
        if s.devices.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details>\n<summary>{}: {} in the last run ({} ok, {} failed)</summary>\n\
             <div class=\"scroll\"><table class=\"devices\">\n<thead><tr><th class=\"l\">device</th><th>session</th>\
             <th class=\"l\">worker</th><th class=\"l\">result</th></tr></thead>\n<tbody>",
            s.strategy.name(),
            count(s.devices.len(), "device"),
            s.ok(),
            s.failed()
        );
        for d in s.devices.iter().take(opts.device_rows_max) {
            let result = match &d.error {
                None => {
                    let first = d
                        .outputs
                        .first()
                        .and_then(|o| o.output.lines().next())
                        .unwrap_or("");
                    let short: String = first.chars().take(80).collect();
                    format!(
                        "<span class=\"ok\">ok</span> <code>{}</code>",
                        escape(&short)
                    )
                }
                Some(e) => format!(
                    "<span class=\"fail\">{}</span>: {}",
                    escape(&e.kind),
                    escape(&e.message)
                ),
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l wrap\">{result}</td></tr>",
                escape(&labels::device_label(&d.name, &d.host, d.port)),
                fmt_secs(d.total_secs()),
                escape(&d.worker)
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
        if s.devices.len() > opts.device_rows_max {
            let _ = writeln!(
                out,
                "<p class=\"note\">The first {} are listed; the JSON report has all {}.</p>",
                opts.device_rows_max,
                s.devices.len()
            );
        }
        out.push_str("</details>\n");
    }
}

/// The body of one report: the answer first (the verdict, what shaped the figures), then
/// its tables, latency distribution, failures, plots and devices (a whole page, or one point
/// of a sweep page). `level` is the heading level of its sections.
fn report_sections(out: &mut String, r: &Report, opts: &PageOptions, level: u8) {
    if let Some(s) = &r.steady {
        // A `poll` report: its schedule's sections instead of the strategies'.
        return steady::sections(out, r, s, level);
    }
    let h = |out: &mut String, text: &str| {
        let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(text));
    };
    let v = r
        .verdict
        .clone()
        .unwrap_or_else(|| fleetbench_report::verdict::Verdict::of(r));
    answer::verdict(out, &v);
    answer::distortions(out, &v);
    partial_banner(out, r);
    h(out, "Failures by kind");
    answer::failures(out, r, &v);
    h(out, "Wall time per strategy");
    main_table(out, r, opts.baseline.as_ref());
    h(out, "Device latency");
    figure(
        out,
        &plot::latency_cdf(r),
        "Each strategy's sessions, connect to close, over all measured runs: the share of \
         sessions (y) that took at most x. Steeper is more even; further left is faster.",
    );
    latency_table(out, r);
    if r.machine
        .floor
        .as_ref()
        .is_some_and(|f| f.client_s().is_some())
    {
        h(out, "CPU per session against the floor");
        floor_table(out, r);
    }
    h(out, "Plots");
    plots(out, r, opts);
    h(out, "Devices");
    devices(out, r, opts);
}

/// `tune`'s section, first on its page: the verdict, the plot of throughput and failures
/// against workers, the searches' table, every point (nothing for another report).
fn tune_section(out: &mut String, r: &Report) {
    use crate::present::tune;
    let Some(t) = &r.tune else {
        return;
    };
    out.push_str("<div class=\"banner\">\n");
    for (i, line) in tune::verdict(r).iter().enumerate() {
        let (open, close) = if i == 0 {
            ("<strong>", "</strong>")
        } else {
            ("", "")
        };
        let _ = writeln!(out, "<p>{open}{}{close}</p>", escape(line));
    }
    out.push_str("</div>\n<h2>Throughput and failures against workers</h2>\n");
    figure(
        out,
        &plot::tune(t, r.fleet.devices),
        "Devices polled per second (top) and devices failed (bottom) at each worker count \
         measured; a ring marks each chosen count.",
    );
    let _ = writeln!(
        out,
        "<h2>The searches</h2>\n<pre>{}</pre>",
        escape(&tune::table(t))
    );
    for s in &t.searches {
        let _ = writeln!(
            out,
            "<details><summary>{}: every point ({}, {} logins)</summary><pre>{}</pre></details>",
            escape(s.strategy.name()),
            count(s.runs, "run"),
            s.logins,
            escape(&tune::points_table(s))
        );
    }
}

/// The page of one report (`compare --html`, `run --html`): the answer first (a `tune`
/// report's own section before it), the setup last.
pub fn report_page(r: &Report, opts: &PageOptions) -> String {
    let title = report_title(r);
    let mut out = String::new();
    head(&mut out, &title);
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    tune_section(&mut out, r);
    report_sections(&mut out, r, opts, 2);
    out.push_str("<h2>Setup</h2>\n");
    setup(&mut out, r, opts, true);
    out.push_str("</body>\n</html>\n");
    out
}

/// What a sweep page shows beside its reports.
#[derive(Debug)]
pub struct SweepPage<'a> {
    pub title: String,
    /// Lines describing the sweep (profile, runs, warm-up, sizes).
    pub about: Vec<String>,
    /// The scaling plots, with their captions.
    pub scaling: Vec<(String, Result<String, plot::PlotError>)>,
    /// One report per point (fleet size x worker setting), in sweep order, with a label.
    pub points: Vec<(String, &'a Report)>,
}

/// The page of a sweep folder (`index.html`): what was swept, the scaling plots, then every
/// point's tables, plots and errors.
pub fn sweep_page(page: &SweepPage<'_>, opts: &PageOptions) -> String {
    let mut out = String::new();
    head(&mut out, &page.title);
    let _ = writeln!(out, "<h1>{}</h1>", escape(&page.title));
    for line in &page.about {
        let _ = writeln!(out, "<p>{}</p>", escape(line));
    }
    if let Some((_, first)) = page.points.first() {
        setup(&mut out, first, opts, false);
    }
    if !page.scaling.is_empty() {
        out.push_str("<h2>Scaling</h2>\n");
        for (caption, svg) in &page.scaling {
            figure(&mut out, svg, caption);
        }
    }
    for (label, r) in &page.points {
        let _ = writeln!(out, "<h2>{}</h2>", escape(label));
        report_sections(&mut out, r, opts, 3);
    }
    out.push_str("</body>\n</html>\n");
    out
}

mod steady;

#[cfg(test)]
mod tests;
