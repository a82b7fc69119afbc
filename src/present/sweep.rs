//! The files of a sweep's folder (ripgrep's `benchsuite/runs/<date>-<host>/`), so a number
//! can be read a year later; the command line writes them through the one writer, each
//! report as soon as its point is measured:
//!
//! ```text
//! results/<YYYY-MM-DD>-<hostname>/
//!   report-n<N>-w<W|default>.json   the raw reports (fleetbench.report/1), one per point
//!   sweep.csv                       one row per size x strategy x workers, main metrics
//!   summary.md                      the same as tables, with the plots
//!   setup.md                        machine, toolchain, version, profile, command line
//!   scaling[-w<W>].svg              wall time against fleet size (log-log), CPU bound dashed
//!                                   (with two sizes or more)
//!   workers-n<N>.svg                wall time against workers at one size (with two worker
//!                                   settings or more)
//!   wall-n<N>[-w<W>].svg            wall time per strategy at one size
//!   timeline-n<N>-<strategy>.svg    per-device timelines, for sizes up to `timeline_max`
//!   index.html                      the whole sweep on one self-contained page
//! ```
//!
//! `sweep --networks` has its own: [`network`].

use crate::present::html;
use crate::present::human;
use crate::present::plot::{self, PlotError, ScalingPoint, WorkersPoint};
use crate::present::plural::count;
use crate::sweep::setup::Setup;
use crate::sweep::{Point, SweepOptions};
use fleetbench_report::{StrategyReport, stats};
use std::fmt::Write as _;

pub mod network;

pub fn workers_label(w: Option<usize>) -> String {
    w.map_or("default".to_string(), |w| w.to_string())
}

/// The report file of a point.
pub fn report_file(p: &Point) -> String {
    format!("report-n{}-w{}.json", p.devices, workers_label(p.workers))
}

/// Every strategy of every point, with its point, in order.
fn rows(points: &[Point]) -> impl Iterator<Item = (&Point, &StrategyReport)> {
    points
        .iter()
        .flat_map(|p| p.report.strategies.iter().map(move |s| (p, s)))
}

/// `-w<W>` when the sweep has several worker settings, else nothing.
fn suffix(opts: &SweepOptions, w: Option<usize>) -> String {
    if opts.workers.len() > 1 {
        format!("-w{}", workers_label(w))
    } else {
        String::new()
    }
}

/// A point's plots, each with its file name: `wall-n<N>[-w<W>].svg`, and one
/// `timeline-n<N>[-w<W>]-<strategy>.svg` per strategy up to `timeline_max` devices.
pub fn point_plots(opts: &SweepOptions, p: &Point) -> Result<Vec<(String, String)>, PlotError> {
    let rep = &p.report;
    if rep.strategies.is_empty() {
        return Ok(Vec::new());
    }
    let n = rep.fleet.devices;
    let sfx = suffix(opts, p.workers);
    let mut out = vec![(format!("wall-n{n}{sfx}.svg"), plot::wall_time(rep)?)];
    if n <= opts.timeline_max {
        for s in &rep.strategies {
            if s.runs.is_empty() || s.devices.is_empty() {
                continue;
            }
            out.push((
                format!("timeline-n{n}{sfx}-{}.svg", s.strategy.name()),
                plot::timeline(rep, s)?,
            ));
        }
    }
    Ok(out)
}

/// The sweep's plots across points, each with its file name, caption and SVG: a scaling
/// plot per worker setting when the sweep has several fleet sizes (a single size would be a
/// lone dot), and a wall-against-workers plot per size when it has several worker settings.
pub fn scaling_plots(
    opts: &SweepOptions,
    setup: &Setup,
    points: &[Point],
) -> Result<Vec<(String, String, String)>, PlotError> {
    let mut out = Vec::new();
    for &w in opts.workers.iter().filter(|_| opts.sizes.len() > 1) {
        let scaling: Vec<ScalingPoint> = points
            .iter()
            .filter(|p| p.workers == w)
            .flat_map(|p| ScalingPoint::from_report(&p.report))
            .collect();
        if scaling.is_empty() {
            continue;
        }
        let subtitle = format!(
            "profile {}, workers {}, {} core(s)",
            opts.profile,
            workers_label(w),
            setup.machine.cores
        );
        let svg = plot::scaling(&scaling, &subtitle)?;
        out.push((
            format!("scaling{}.svg", suffix(opts, w)),
            format!("Wall time against fleet size: {subtitle}."),
            svg,
        ));
    }
    for &n in opts.sizes.iter().filter(|_| opts.workers.len() > 1) {
        let pts: Vec<WorkersPoint> = points
            .iter()
            .filter(|p| p.devices == n)
            .flat_map(|p| WorkersPoint::from_report(&p.report))
            .collect();
        let subtitle = format!(
            "{}, profile {}, {} core(s)",
            count(n, "device"),
            opts.profile,
            setup.machine.cores
        );
        match plot::wall_vs_workers(&pts, &subtitle) {
            Ok(svg) => out.push((
                workers_plot_file(n),
                format!("Wall time against workers: {subtitle}."),
                svg,
            )),
            Err(PlotError::Empty(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The wall-against-workers plot of one fleet size.
pub fn workers_plot_file(devices: usize) -> String {
    format!("workers-n{devices}.svg")
}

pub const CSV_HEADER: &str = "devices,strategy,workers_setting,workers,runs,wall_median_s,wall_min_s,wall_max_s,speedup,ok,failed,p50_total_s,p99_total_s,max_total_s,cpu_median_s,cpu_per_device_s,server_cpu_per_device_s,peak_rss_bytes,peak_rss_children_bytes,startup_max_s,ideal_s,ideal_eff,cpu_bound_s,cpu_bound_eff";

/// `sweep.csv`: one row per size x strategy x workers setting.
pub fn csv(points: &[Point]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{CSV_HEADER}");
    let opt = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:.6}"));
    for (r, s) in rows(points) {
        let total = s.latency_s.get(fleetbench_report::histo::TOTAL);
        let server_per_dev = stats::server_cpu_per_device(s).unwrap_or(0.0);
        let startup = stats::startup_max(s);
        let _ = writeln!(
            t,
            "{},{},{},{},{},{:.6},{:.6},{:.6},{},{},{},{},{},{},{:.6},{:.6},{:.6},{},{},{:.6},{},{},{},{}",
            r.devices,
            s.strategy.name(),
            workers_label(r.workers),
            s.workers,
            s.runs.len(),
            s.wall_s.median,
            s.wall_s.min,
            s.wall_s.max,
            opt(s.speedup),
            s.ok(),
            s.failed(),
            opt(total.map(|p| p.p50)),
            opt(total.map(|p| p.p99)),
            opt(total.map(|p| p.max)),
            s.cpu_s.median,
            s.cpu_per_device_s,
            server_per_dev,
            s.peak_rss_bytes,
            s.peak_rss_children_bytes,
            startup,
            opt(s.efficiency.map(|e| e.ideal_s)),
            opt(s.efficiency.map(|e| e.ideal)),
            opt(s.efficiency.map(|e| e.cpu_bound_s)),
            opt(s.efficiency.map(|e| e.cpu_bound)),
        );
    }
    t
}

/// The markdown table of a set of rows (one fleet size and worker setting).
pub fn table_md(rows: &[&StrategyReport]) -> String {
    let mut t = String::from(
        "| strategy | workers | wall median | min – max | speedup | ok/failed | p50 / p99 device | client CPU / device | peak RSS | ideal | CPU bound |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in rows {
        let total = s.latency_s.get(fleetbench_report::histo::TOTAL);
        let pct = |x: Option<f64>| x.map_or("–".to_string(), human::pct);
        let rss = if s.peak_rss_children_bytes > 0 {
            format!(
                "{} + {}/worker",
                human::mib(s.peak_rss_bytes),
                human::mib(s.peak_rss_children_bytes)
            )
        } else {
            human::mib(s.peak_rss_bytes)
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} – {} | {} | {}/{} | {} | {} | {} | {} | {} |",
            s.strategy.name(),
            s.workers,
            human::secs(s.wall_s.median),
            human::secs(s.wall_s.min),
            human::secs(s.wall_s.max),
            s.speedup.map_or("–".to_string(), human::times),
            s.ok(),
            s.failed(),
            total.map_or("–".to_string(), |p| format!(
                "{} / {}",
                human::secs(p.p50),
                human::secs(p.p99)
            )),
            human::ms(s.cpu_per_device_s),
            rss,
            pct(s.efficiency.map(|e| e.ideal)),
            pct(s.efficiency.map(|e| e.cpu_bound)),
        );
    }
    t
}

/// `summary.md`: every point as a markdown table, with its plots; `failed_devices` over the
/// last measured runs of every point.
pub fn summary_md(opts: &SweepOptions, setup: &Setup, points: &[Point]) -> String {
    let mut t = String::new();
    let m = &setup.machine;
    let _ = writeln!(
        t,
        "# fleetbench sweep: profile `{}`, {} core(s), {}\n",
        opts.profile,
        m.cores,
        setup
            .cpu_model
            .clone()
            .unwrap_or_else(|| "unknown CPU".into())
    );
    let _ = writeln!(
        t,
        "{} measured run(s) per point after {} warm-up; commands {:?}. Machine and command \
         line: [setup.md](setup.md); every number: [sweep.csv](sweep.csv) and the JSON reports.\n",
        opts.runs, opts.warmup, opts.commands
    );
    let _ = writeln!(
        t,
        "Columns: *wall* is one run over the whole fleet (median, and min – max of the runs); \
         *p50 / p99 device* is one device's session, connect to close, over all measured runs; \
         *client CPU / device* excludes the in-process emulator; *peak RSS* is this process \
         (emulator included) plus the largest worker process; *ideal* = the ideal schedule of \
         the same sessions on the same workers / wall; *CPU bound* = the lower bound no run can \
         beat / wall: max(the lowest slowest-session of any run, the least CPU of any run (client \
         and emulator) / cores), the same for every strategy of a point.\n"
    );
    if opts.workers.len() > 1 {
        for &n in &opts.sizes {
            if points.iter().any(|p| p.devices == n) {
                let _ = writeln!(t, "![wall against workers]({})\n", workers_plot_file(n));
            }
        }
    }
    for &w in &opts.workers {
        let sfx = suffix(opts, w);
        if opts.sizes.len() > 1 && points.iter().any(|p| p.workers == w) {
            let _ = writeln!(t, "![scaling](scaling{sfx}.svg)\n");
        }
        for &n in &opts.sizes {
            let rows: Vec<&StrategyReport> = points
                .iter()
                .filter(|p| p.devices == n && p.workers == w)
                .flat_map(|p| &p.report.strategies)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(t, "## {n} devices, workers: {}\n", workers_label(w));
            t.push_str(&table_md(&rows));
            let _ = writeln!(t, "\n![wall time](wall-n{n}{sfx}.svg)\n");
            if n <= opts.timeline_max {
                let links: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let k = r.strategy.name();
                        format!("[{k}](timeline-n{n}{sfx}-{k}.svg)")
                    })
                    .collect();
                let _ = writeln!(t, "Timelines: {}\n", links.join(", "));
            }
        }
    }
    let failed: usize = points.iter().map(|p| p.report.failed_devices()).sum();
    if failed > 0 {
        let _ = writeln!(
            t,
            "**{failed} device poll(s) failed** in the last measured runs; see the reports."
        );
    }
    t
}

/// `index.html`: the whole sweep on one self-contained page.
pub fn index_html(
    opts: &SweepOptions,
    points: &[Point],
    scaling: Vec<(String, Result<String, PlotError>)>,
) -> String {
    let points = points
        .iter()
        .map(|p| (p.workers, &p.report))
        .map(|(w, r)| {
            let label = match w {
                None => count(r.fleet.devices, "device"),
                Some(w) => format!(
                    "{}, {}",
                    count(r.fleet.devices, "device"),
                    count(w, "worker")
                ),
            };
            (label, r)
        })
        .collect();
    let page = html::SweepPage {
        title: format!("fleetbench sweep: profile {}", opts.profile),
        about: vec![format!(
            "{} per point after {} warm-up; fleet sizes {}; commands {:?}. Every number is in \
             sweep.csv and the JSON reports beside this page.",
            count(opts.runs, "measured run"),
            opts.warmup,
            opts.sizes
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            opts.commands
        )],
        scaling,
        points,
    };
    html::sweep_page(
        &page,
        &html::PageOptions {
            timeline_max: opts.timeline_max,
            device_rows_max: 200,
            command_line: Some(opts.command_line.clone()),
            baseline: None,
        },
    )
}

/// `setup.md`: what a reader needs to interpret the numbers later.
pub fn setup_md(opts: &SweepOptions, setup: &Setup) -> String {
    let m = &setup.machine;
    let unknown = || "unknown".to_string();
    let mut t = String::from("# Setup of this sweep\n\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(t, "- **{k}**: {v}");
    };
    row("date", setup.date.clone());
    row("host", m.hostname.clone());
    row("cores", m.cores.to_string());
    row("CPU model", setup.cpu_model.clone().unwrap_or_else(unknown));
    row("memory", setup.memory.clone().unwrap_or_else(unknown));
    row("kernel", setup.kernel.clone());
    row(
        "rustc (on PATH when the sweep ran)",
        setup.rustc.clone().unwrap_or_else(unknown),
    );
    row("fleetbench", setup.fleetbench.clone());
    row(
        "git commit (of the working directory, if any)",
        setup.git_commit.clone().unwrap_or_else(unknown),
    );
    row(
        "executable",
        setup.executable.clone().unwrap_or_else(unknown),
    );
    row(
        "fleet",
        match &opts.inventory {
            Some(inv) => format!("real devices from {}", inv.display()),
            None => format!(
                "emulated in the same process (russh server on 127.0.0.1), profile `{}`, seed {}",
                opts.profile, opts.seed
            ),
        },
    );
    row("sizes", format!("{:?}", opts.sizes));
    row(
        "workers",
        opts.workers
            .iter()
            .map(|w| workers_label(*w))
            .collect::<Vec<_>>()
            .join(", "),
    );
    row(
        "strategies",
        opts.strategies
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", "),
    );
    row(
        "runs",
        format!("{} measured after {} warm-up", opts.runs, opts.warmup),
    );
    row("commands", format!("{:?}", opts.commands));
    row("command line", format!("`{}`", opts.command_line));
    t.push_str(
        "\nThe emulator runs in the fleetbench process and shares its cores: client CPU in the \
         reports has the emulator's CPU (measured per thread) taken out, and the CPU bound \
         counts both, since both compete for the same cores here.\n",
    );
    t
}
