//! `fleetbench sweep`: every strategy over fleet sizes and worker counts against an
//! in-process emulated fleet, stored so a number can be read a year later (ripgrep's
//! `benchsuite/runs/<date>-<host>/`):
//!
//! ```text
//! results/<YYYY-MM-DD>-<hostname>/
//!   report-n<N>-w<W|default>.json   the raw reports (fleetbench.report/1), one per point
//!   sweep.csv                       one row per size x strategy x workers, main metrics
//!   summary.md                      the same as tables, with the plots
//!   setup.md                        machine, toolchain, version, profile, command line
//!   scaling[-w<W>].svg              wall time against fleet size (log-log), CPU bound dashed
//!   wall-n<N>[-w<W>].svg            wall time per strategy at one size
//!   timeline-n<N>-<strategy>.svg    per-device timelines, for sizes up to `timeline_max`
//! ```
//!
//! Every file is written atomically ([`fleetbench_inventory::output`]), and each report as soon as its point
//! is done, so an interrupted sweep keeps what it measured.

use crate::compare::{self, CompareOptions};
use crate::fleet::Fleet;
use crate::html;
use crate::human;
use crate::plot::{self, PlotError, ScalingPoint};
use crate::plural::count;
use fleetbench_client::job::Job;
use fleetbench_client::observe::Observer;
use fleetbench_client::stop::Stop;
use fleetbench_client::strategy::{RunConfig, StrategyError};
use fleetbench_emulator::{EmulatorError, Profile};
use fleetbench_inventory::output::{self, Access, OutputError};
use fleetbench_report::StrategyKind;
use fleetbench_report::stats;
use fleetbench_report::{self as report, MachineInfo, Report, StrategyReport};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a sweep runs. Validated by the caller (non-empty lists, sizes and workers >= 1).
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub sizes: Vec<usize>,
    /// The emulated fleet's profile, already parsed (its name is [`SweepOptions::profile`]).
    pub profile_spec: Profile,
    /// Worker counts; `None` = each strategy's default for the size.
    pub workers: Vec<Option<usize>>,
    pub strategies: Vec<StrategyKind>,
    /// Emulator profile name (`lan`, `classic`, ... or a custom spec).
    pub profile: String,
    pub seed: u64,
    pub runs: usize,
    pub warmup: usize,
    pub commands: Vec<String>,
    pub out: PathBuf,
    /// The fleetbench binary for worker processes (`None`: this executable).
    pub worker_exe: Option<PathBuf>,
    /// Timelines are drawn for fleets up to this size (a 1000-row timeline is a large SVG).
    pub timeline_max: usize,
    /// The command line, for setup.md.
    pub command_line: String,
    /// Stops the sweep after the current run.
    pub stop: Stop,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("emulated fleet of {devices}: {source}")]
    Emulator {
        devices: usize,
        source: EmulatorError,
    },
    #[error("{devices} devices, {strategy}: {source}")]
    Strategy {
        devices: usize,
        strategy: StrategyKind,
        source: StrategyError,
    },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error(transparent)]
    External(#[from] crate::external::ExternalError),
}

/// One row of `sweep.csv`.
#[derive(Debug, Clone)]
pub struct SweepRow {
    pub devices: usize,
    /// The `--workers` setting: `None` = strategy default.
    pub workers_setting: Option<usize>,
    pub strategy: StrategyReport,
}

/// What a finished (or interrupted) sweep produced.
#[derive(Debug)]
pub struct SweepOutcome {
    pub dir: PathBuf,
    pub reports: Vec<Report>,
    pub rows: Vec<SweepRow>,
    pub files: Vec<PathBuf>,
    pub failed_devices: usize,
}

/// `results/<YYYY-MM-DD>-<hostname>` under `base`.
pub fn default_dir(base: &Path) -> PathBuf {
    let date = chrono::Local::now().format("%Y-%m-%d");
    base.join(format!("{date}-{}", report::hostname()))
}

fn workers_label(w: Option<usize>) -> String {
    w.map_or("default".to_string(), |w| w.to_string())
}

fn write(path: PathBuf, bytes: &[u8], files: &mut Vec<PathBuf>) -> Result<(), SweepError> {
    output::write(&path, bytes, Access::Shared)?;
    files.push(path);
    Ok(())
}

/// Runs the sweep; every compare's events go to `obs` (a point's strategies end with
/// [`fleetbench_client::observe::Event::StrategyFinished`]).
pub fn run(opts: &SweepOptions, obs: &dyn Observer) -> Result<SweepOutcome, SweepError> {
    output::create_dir(&opts.out)?;
    let mut out = SweepOutcome {
        dir: opts.out.clone(),
        reports: Vec::new(),
        rows: Vec::new(),
        files: Vec::new(),
        failed_devices: 0,
    };
    write(
        opts.out.join("setup.md"),
        setup_md(opts).as_bytes(),
        &mut out.files,
    )?;
    'sizes: for &n in &opts.sizes {
        let fleet = Fleet::emulated_n(n, opts.profile_spec.clone(), &opts.profile, opts.seed)
            .map_err(|source| SweepError::Emulator { devices: n, source })?;
        let job = Job::new(opts.commands.clone(), fleet.host_keys.clone());
        for &w in &opts.workers {
            let copts = CompareOptions {
                external: Default::default(),
                strategies: opts.strategies.clone(),
                runs: opts.runs,
                warmup: opts.warmup,
                run: RunConfig {
                    workers: w,
                    worker_exe: opts.worker_exe.clone(),
                    stop: opts.stop.clone(),
                    ..RunConfig::default()
                },
            };
            let rep = compare::run(&copts, &fleet, &job, obs).map_err(|e| match e {
                compare::CompareError::Strategy { strategy, source } => SweepError::Strategy {
                    devices: n,
                    strategy,
                    source,
                },
                // A sweep runs no external poller.
                compare::CompareError::External(e) => SweepError::External(e),
            })?;
            out.failed_devices += rep.failed_devices();
            let path = opts
                .out
                .join(format!("report-n{n}-w{}.json", workers_label(w)));
            output::write_json(&path, &rep, Access::Shared)?;
            out.files.push(path);
            for s in &rep.strategies {
                out.rows.push(SweepRow {
                    devices: n,
                    workers_setting: w,
                    strategy: s.clone(),
                });
            }
            write_point_plots(opts, &rep, w, &mut out.files)?;
            out.reports.push(rep);
            if opts.stop.is_requested() {
                break 'sizes;
            }
        }
        fleet.stop();
    }
    write(
        opts.out.join("sweep.csv"),
        csv(&out.rows).as_bytes(),
        &mut out.files,
    )?;
    let mut scaling_plots = Vec::new();
    for &w in &opts.workers {
        let points: Vec<ScalingPoint> = out
            .reports
            .iter()
            .zip(report_settings(opts, out.reports.len()))
            .filter(|(_, rw)| *rw == w)
            .flat_map(|(r, _)| ScalingPoint::from_report(r))
            .collect();
        if points.is_empty() {
            continue;
        }
        let subtitle = format!(
            "profile {}, workers {}, {} core(s)",
            opts.profile,
            workers_label(w),
            MachineInfo::current().cores
        );
        let svg = plot::scaling(&points, &subtitle)?;
        write(
            opts.out.join(format!("scaling{}.svg", suffix(opts, w))),
            svg.as_bytes(),
            &mut out.files,
        )?;
        scaling_plots.push((
            format!("Wall time against fleet size: {subtitle}."),
            Ok(svg),
        ));
    }
    let summary = summary_md(opts, &out);
    write(
        opts.out.join("summary.md"),
        summary.as_bytes(),
        &mut out.files,
    )?;
    let page = index_html(opts, &out, scaling_plots);
    write(opts.out.join("index.html"), page.as_bytes(), &mut out.files)?;
    Ok(out)
}

/// `index.html`: the whole sweep on one self-contained page.
fn index_html(
    opts: &SweepOptions,
    out: &SweepOutcome,
    scaling: Vec<(String, Result<String, PlotError>)>,
) -> String {
    let settings = report_settings(opts, out.reports.len());
    let points = out
        .reports
        .iter()
        .zip(settings)
        .map(|(r, w)| {
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
        },
    )
}

/// The folder a sweep writes into when none is given: `results/<YYYY-MM-DD>-<hostname>`
/// under `base`, or, when that one already exists, the first of `...-2`, `...-3`, ... that
/// does not: a sweep never writes over earlier results (the committed reference included).
pub fn fresh_dir(base: &Path) -> PathBuf {
    let first = default_dir(base);
    if !first.exists() {
        return first;
    }
    let name = first
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (2..)
        .map(|i| first.with_file_name(format!("{name}-{i}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Whether `dir` already holds files (an earlier sweep's results).
pub fn holds_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

/// The worker setting of each report, in the order the sweep produced them.
fn report_settings(opts: &SweepOptions, count: usize) -> Vec<Option<usize>> {
    opts.sizes
        .iter()
        .flat_map(|_| opts.workers.iter().copied())
        .take(count)
        .collect()
}

/// `-w<W>` when the sweep has several worker settings, else nothing.
fn suffix(opts: &SweepOptions, w: Option<usize>) -> String {
    if opts.workers.len() > 1 {
        format!("-w{}", workers_label(w))
    } else {
        String::new()
    }
}

fn write_point_plots(
    opts: &SweepOptions,
    rep: &Report,
    w: Option<usize>,
    files: &mut Vec<PathBuf>,
) -> Result<(), SweepError> {
    if rep.strategies.is_empty() {
        return Ok(());
    }
    let n = rep.fleet.devices;
    let sfx = suffix(opts, w);
    write(
        opts.out.join(format!("wall-n{n}{sfx}.svg")),
        plot::wall_time(rep)?.as_bytes(),
        files,
    )?;
    if n <= opts.timeline_max {
        for s in &rep.strategies {
            if s.runs.is_empty() || s.devices.is_empty() {
                continue;
            }
            write(
                opts.out
                    .join(format!("timeline-n{n}{sfx}-{}.svg", s.strategy.name())),
                plot::timeline(rep, s)?.as_bytes(),
                files,
            )?;
        }
    }
    Ok(())
}

pub const CSV_HEADER: &str = "devices,strategy,workers_setting,workers,runs,wall_median_s,wall_min_s,wall_max_s,speedup,ok,failed,p50_total_s,p99_total_s,max_total_s,cpu_median_s,cpu_per_device_s,server_cpu_per_device_s,peak_rss_bytes,peak_rss_children_bytes,startup_max_s,ideal_s,ideal_eff,cpu_bound_s,cpu_bound_eff";

/// `sweep.csv`: one row per size x strategy x workers setting.
pub fn csv(rows: &[SweepRow]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{CSV_HEADER}");
    let opt = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:.6}"));
    for r in rows {
        let s = &r.strategy;
        let total = s.latency_s.get(fleetbench_report::histo::TOTAL);
        let server_per_dev = stats::server_cpu_per_device(s).unwrap_or(0.0);
        let startup = stats::startup_max(s);
        let _ = writeln!(
            t,
            "{},{},{},{},{},{:.6},{:.6},{:.6},{},{},{},{},{},{},{:.6},{:.6},{:.6},{},{},{:.6},{},{},{},{}",
            r.devices,
            s.strategy.name(),
            workers_label(r.workers_setting),
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
pub fn table_md(rows: &[&SweepRow]) -> String {
    let mut t = String::from(
        "| strategy | workers | wall median | min – max | speedup | ok/failed | p50 / p99 device | client CPU / device | peak RSS | ideal | CPU bound |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let s = &r.strategy;
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

fn summary_md(opts: &SweepOptions, out: &SweepOutcome) -> String {
    let mut t = String::new();
    let m = MachineInfo::current();
    let _ = writeln!(
        t,
        "# fleetbench sweep: profile `{}`, {} core(s), {}\n",
        opts.profile,
        m.cores,
        cpu_model().unwrap_or_else(|| "unknown CPU".into())
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
    for &w in &opts.workers {
        let sfx = suffix(opts, w);
        if out.rows.iter().any(|r| r.workers_setting == w) {
            let _ = writeln!(t, "![scaling](scaling{sfx}.svg)\n");
        }
        for &n in &opts.sizes {
            let rows: Vec<&SweepRow> = out
                .rows
                .iter()
                .filter(|r| r.devices == n && r.workers_setting == w)
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
                        let k = r.strategy.strategy.name();
                        format!("[{k}](timeline-n{n}{sfx}-{k}.svg)")
                    })
                    .collect();
                let _ = writeln!(t, "Timelines: {}\n", links.join(", "));
            }
        }
    }
    if out.failed_devices > 0 {
        let _ = writeln!(
            t,
            "**{} device poll(s) failed** in the last measured runs; see the reports.",
            out.failed_devices
        );
    }
    t
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The CPU model from /proc/cpuinfo.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn mem_total() -> Option<String> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: f64 = info
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
}

/// Output of a command, first line, if it runs (rustc, git): for setup.md only.
fn command_output(prog: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(prog).args(args).output().ok()?;
    out.status.success().then_some(())?;
    String::from_utf8(out.stdout)
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// `setup.md`: what a reader needs to interpret the numbers later.
pub fn setup_md(opts: &SweepOptions) -> String {
    let m = MachineInfo::current();
    let unknown = || "unknown".to_string();
    let mut t = String::from("# Setup of this sweep\n\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(t, "- **{k}**: {v}");
    };
    row(
        "date",
        chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S %z")
            .to_string(),
    );
    row("host", m.hostname.clone());
    row("cores", m.cores.to_string());
    row("CPU model", cpu_model().unwrap_or_else(unknown));
    row("memory", mem_total().unwrap_or_else(unknown));
    row(
        "kernel",
        format!(
            "{} {} ({})",
            read_trim("/proc/sys/kernel/ostype").unwrap_or_else(|| m.os.clone()),
            read_trim("/proc/sys/kernel/osrelease").unwrap_or_else(unknown),
            m.arch
        ),
    );
    row(
        "rustc (on PATH when the sweep ran)",
        command_output("rustc", &["--version"]).unwrap_or_else(unknown),
    );
    row("fleetbench", env!("CARGO_PKG_VERSION").to_string());
    row(
        "git commit (of the working directory, if any)",
        command_output("git", &["rev-parse", "--short=12", "HEAD"])
            .map(|c| {
                let dirty =
                    command_output("git", &["status", "--porcelain", "--untracked-files=no"])
                        .is_some();
                if dirty {
                    format!("{c} (with local changes)")
                } else {
                    c
                }
            })
            .unwrap_or_else(unknown),
    );
    row(
        "executable",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| unknown()),
    );
    row(
        "fleet",
        format!(
            "emulated in the same process (russh server on 127.0.0.1), profile `{}`, seed {}",
            opts.profile, opts.seed
        ),
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

pub mod network;

#[cfg(test)]
mod tests;
