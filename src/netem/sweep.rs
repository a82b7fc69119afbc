//! `fleetbench sweep --networks`: every strategy over each network (and fleet size), the
//! picture of why concurrency matters more the further away the fleet is:
//!
//! ```text
//! <out>/
//!   report-<network>-n<N>.json   the raw reports, each with its `network` object
//!   networks.csv                 one row per network x size x strategy
//!   wall-vs-rtt-n<N>.svg         median wall time against RTT per strategy, 13 x RTT dashed
//!   summary.md, setup.md
//! ```
//!
//! Each point gets a fresh fleet behind a fresh network (namespaces are cheap); an
//! unprivileged process gains its namespace rights once, at the start, before any thread.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::compare::{self, CompareOptions};
use crate::emulator::{FleetSpec, Profile};
use crate::job::Job;
use crate::plot::{self, RttPoint};
use crate::report::{self, FleetInfo, MachineInfo, Report};
use crate::strategy::{self, RunConfig, Sink, StrategyKind};

use super::fleet::{NetworkedFleet, NetworkedFleetError};
use super::rounds::session_round_trips;
use super::{Method, NetworkSpec};

/// What a network sweep runs (validated by the caller).
#[derive(Debug, Clone)]
pub struct NetworkSweepOptions {
    pub networks: Vec<NetworkSpec>,
    pub method: Method,
    pub sizes: Vec<usize>,
    pub workers: Option<usize>,
    pub strategies: Vec<StrategyKind>,
    pub profile: String,
    pub seed: u64,
    pub runs: usize,
    pub warmup: usize,
    pub commands: Vec<String>,
    pub out: PathBuf,
    pub worker_exe: Option<PathBuf>,
    pub command_line: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkSweepError {
    #[error("network {network}, {devices} devices: {source}")]
    Fleet {
        network: String,
        devices: usize,
        source: NetworkedFleetError,
    },
    #[error("network {network}, {devices} devices, {strategy}: {source}")]
    Strategy {
        network: String,
        devices: usize,
        strategy: StrategyKind,
        source: strategy::StrategyError,
    },
    #[error("invalid profile: {0}")]
    Profile(String),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
}

/// What the sweep produced.
#[derive(Debug)]
pub struct NetworkSweepOutcome {
    pub dir: PathBuf,
    pub reports: Vec<Report>,
    pub files: Vec<PathBuf>,
    pub failed_devices: usize,
}

fn write(path: PathBuf, bytes: &[u8], files: &mut Vec<PathBuf>) -> Result<(), NetworkSweepError> {
    crate::atomic::write_atomic(&path, bytes).map_err(|source| NetworkSweepError::Write {
        path: path.display().to_string(),
        source,
    })?;
    files.push(path);
    Ok(())
}

/// A file-name-safe label of a network (`continental`, `rtt-80ms-loss-1pct`).
pub fn label(spec: &NetworkSpec) -> String {
    spec.name
        .replace('%', "pct")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Runs the sweep; `progress` gets one line per point.
pub fn run(
    opts: &NetworkSweepOptions,
    progress: &dyn Fn(&str),
    sink: Sink<'_>,
) -> Result<NetworkSweepOutcome, NetworkSweepError> {
    let mut out = NetworkSweepOutcome {
        dir: opts.out.clone(),
        reports: Vec::new(),
        files: Vec::new(),
        failed_devices: 0,
    };
    std::fs::create_dir_all(&opts.out).map_err(|source| NetworkSweepError::Write {
        path: opts.out.display().to_string(),
        source,
    })?;
    write(
        opts.out.join("setup.md"),
        setup_md(opts).as_bytes(),
        &mut out.files,
    )?;
    let copts = CompareOptions {
        strategies: opts.strategies.clone(),
        runs: opts.runs,
        warmup: opts.warmup,
        run: RunConfig {
            workers: opts.workers,
            worker_exe: opts.worker_exe.clone(),
        },
    };
    'all: for &n in &opts.sizes {
        for net in &opts.networks {
            let profile = Profile::by_name(&opts.profile)
                .map_err(|e| NetworkSweepError::Profile(e.to_string()))?;
            let mut spec = FleetSpec::new(n, profile);
            spec.seed = opts.seed;
            let fleet = NetworkedFleet::start(net, opts.method, spec).map_err(|source| {
                NetworkSweepError::Fleet {
                    network: net.name.clone(),
                    devices: n,
                    source,
                }
            })?;
            let devices = fleet.devices();
            let job = Job::new(opts.commands.clone(), fleet.host_key_check());
            let mut rep = Report {
                schema: report::SCHEMA.to_string(),
                fleetbench_version: env!("CARGO_PKG_VERSION").to_string(),
                created_unix: strategy::unix_now(),
                commands: opts.commands.clone(),
                fleet: FleetInfo {
                    devices: n,
                    emulated: true,
                    profile: Some(opts.profile.clone()),
                    inventory: None,
                },
                machine: MachineInfo::current(),
                strategies: Vec::new(),
                network: Some(fleet.report(opts.commands.len())),
            };
            for &kind in &opts.strategies {
                let since = fleet.traffic();
                let server_cpu = || fleet.emulated().server_cpu();
                let sr = compare::measure(kind, &devices, &job, &copts, &server_cpu, sink)
                    .map_err(|source| NetworkSweepError::Strategy {
                        network: net.name.clone(),
                        devices: n,
                        strategy: kind,
                        source,
                    })?;
                let sessions = (n * (opts.runs + opts.warmup)) as u64;
                let sn = fleet.strategy_network(
                    kind.name(),
                    &sr.devices,
                    &opts.commands,
                    since,
                    sessions,
                );
                progress(&format!(
                    "{:<16} {n:>5} devices  {:<10} median {:.3} s  {:.2} round trips  {} retransmits  {} ok  {} failed",
                    net.name,
                    kind.name(),
                    sr.wall_s.median,
                    sn.total_round_trips,
                    sn.retransmits,
                    sr.ok(),
                    sr.failed()
                ));
                if let Some(nr) = rep.network.as_mut() {
                    nr.strategies.push(sn);
                }
                rep.strategies.push(sr);
                if strategy::is_interrupted() {
                    break;
                }
            }
            rep.compute_speedups();
            out.failed_devices += rep.failed_devices();
            let mut bytes =
                serde_json::to_vec_pretty(&rep).map_err(|e| NetworkSweepError::Write {
                    path: "report".into(),
                    source: std::io::Error::other(e),
                })?;
            bytes.push(b'\n');
            write(
                opts.out.join(format!("report-{}-n{n}.json", label(net))),
                &bytes,
                &mut out.files,
            )?;
            out.reports.push(rep);
            drop(fleet);
            if strategy::is_interrupted() {
                break 'all;
            }
        }
    }
    write(
        opts.out.join("networks.csv"),
        csv(&out.reports).as_bytes(),
        &mut out.files,
    )?;
    for &n in &opts.sizes {
        let points = rtt_points(out.reports.iter().filter(|r| r.fleet.devices == n));
        if points.is_empty() {
            continue;
        }
        let subtitle = format!(
            "{n} devices, profile {}, {}",
            opts.profile,
            opts.method.name()
        );
        let svg = plot::wall_vs_rtt(&points, session_round_trips(opts.commands.len()), &subtitle)?;
        write(
            opts.out.join(format!("wall-vs-rtt-n{n}.svg")),
            svg.as_bytes(),
            &mut out.files,
        )?;
    }
    write(
        opts.out.join("summary.md"),
        summary_md(opts, &out.reports).as_bytes(),
        &mut out.files,
    )?;
    Ok(out)
}

fn rtt_ms(r: &Report) -> f64 {
    r.network.as_ref().map_or(0.0, |n| {
        n.classes
            .iter()
            .map(|c| c.link.rtt.as_secs_f64() * 1e3)
            .fold(0.0, f64::max)
    })
}

fn rtt_points<'a>(reports: impl Iterator<Item = &'a Report>) -> Vec<RttPoint> {
    reports
        .flat_map(|r| {
            let rtt = rtt_ms(r);
            r.strategies
                .iter()
                .filter(|s| !s.runs.is_empty())
                .map(move |s| RttPoint {
                    strategy: s.strategy,
                    rtt_ms: rtt,
                    median_s: s.wall_s.median,
                    min_s: s.wall_s.min,
                    max_s: s.wall_s.max,
                })
        })
        .collect()
}

pub const CSV_HEADER: &str = "network,rtt_ms,devices,strategy,workers,wall_median_s,wall_min_s,wall_max_s,ok,failed,p99_total_s,round_trips,lower_bound_s,retransmits,packets_up_per_session,packets_down_per_session";

/// `networks.csv`: one row per network x size x strategy.
pub fn csv(reports: &[Report]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{CSV_HEADER}");
    for r in reports {
        let Some(n) = &r.network else { continue };
        for (s, sn) in r.strategies.iter().zip(&n.strategies) {
            let p99 = s
                .latency_s
                .get(crate::histo::TOTAL)
                .map_or(String::new(), |p| format!("{:.6}", p.p99));
            let (up, down) = sn.per_session.map_or((String::new(), String::new()), |p| {
                (
                    format!("{:.1}", p.packets_up),
                    format!("{:.1}", p.packets_down),
                )
            });
            let _ = writeln!(
                t,
                "{},{:.1},{},{},{},{:.6},{:.6},{:.6},{},{},{},{:.2},{:.3},{},{},{}",
                csv_field(&n.profile),
                rtt_ms(r),
                r.fleet.devices,
                s.strategy.name(),
                s.workers,
                s.wall_s.median,
                s.wall_s.min,
                s.wall_s.max,
                s.ok(),
                s.failed(),
                p99,
                sn.total_round_trips,
                n.lower_bound_s,
                sn.retransmits,
                up,
                down
            );
        }
    }
    t
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn setup_md(opts: &NetworkSweepOptions) -> String {
    let m = MachineInfo::current();
    let mut t = String::new();
    let _ = writeln!(t, "# Setup\n");
    let _ = writeln!(t, "- command: `{}`", opts.command_line);
    let _ = writeln!(
        t,
        "- fleetbench {} on {} ({} cores, {} {})",
        env!("CARGO_PKG_VERSION"),
        m.hostname,
        m.cores,
        m.os,
        m.arch
    );
    let _ = writeln!(
        t,
        "- networks: {} (method {})",
        opts.networks
            .iter()
            .map(|n| format!("`{}`", n.name))
            .collect::<Vec<_>>()
            .join(", "),
        opts.method.name()
    );
    let _ = writeln!(
        t,
        "- sizes {:?}, workers {}, profile `{}`, seed {}, {} run(s) + {} warm-up, commands {:?}",
        opts.sizes,
        opts.workers.map_or("default".into(), |w| w.to_string()),
        opts.profile,
        opts.seed,
        opts.runs,
        opts.warmup,
        opts.commands
    );
    t
}

fn summary_md(opts: &NetworkSweepOptions, reports: &[Report]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Wall time against the network\n");
    let _ = writeln!(
        t,
        "A session needs {} round trips, so none is shorter than that many RTTs (the lower bound).\n",
        session_round_trips(opts.commands.len())
    );
    let _ = writeln!(
        t,
        "| network | RTT | devices | strategy | median wall | lower bound | round trips | retransmits |"
    );
    let _ = writeln!(t, "|---|---:|---:|---|---:|---:|---:|---:|");
    for r in reports {
        let Some(n) = &r.network else { continue };
        for (s, sn) in r.strategies.iter().zip(&n.strategies) {
            let _ = writeln!(
                t,
                "| {} | {:.0} ms | {} | {} | {} | {} | {:.2} | {} |",
                n.profile,
                rtt_ms(r),
                r.fleet.devices,
                s.strategy.name(),
                compare::fmt_secs(s.wall_s.median),
                compare::fmt_secs(n.lower_bound_s),
                sn.total_round_trips,
                sn.retransmits
            );
        }
    }
    for &n in &opts.sizes {
        let _ = writeln!(t, "\n![wall time against RTT](wall-vs-rtt-n{n}.svg)");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_file_names() {
        let s = NetworkSpec::parse("rtt=80ms,loss=1%@20%;campus").unwrap();
        assert_eq!(label(&s), "rtt-80ms-loss-1pct-20pct-campus");
        assert_eq!(
            label(&NetworkSpec::parse("continental").unwrap()),
            "continental"
        );
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
