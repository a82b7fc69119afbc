//! `fleetbench sweep --networks`: every strategy over each network (and fleet size), the
//! picture of why concurrency matters more the further away the fleet is:
//!
//! ```text
//! <out>/
//!   report-<network>-n<N>.json   the raw reports, each with its `network` object
//!   networks.csv                 one row per network x size x strategy
//!   wall-vs-rtt-n<N>.svg         median wall time against RTT per strategy, the bounds dashed
//!   summary.md, setup.md
//! ```
//!
//! Each point gets a fresh fleet behind a fresh network (namespaces are cheap); an
//! unprivileged process gains its namespace rights once, at the start, before any thread.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::SweepOptions;
use crate::compare::{self, CompareOptions};
use crate::fleet::Fleet;
use crate::plot::{self, RttPoint};
use fleetbench_client::job::Job;
use fleetbench_client::observe::Observer;
use fleetbench_client::strategy::RunConfig;
use fleetbench_emulator::FleetSpec;
use fleetbench_inventory::output::{self, Access, OutputError};
use fleetbench_report::StrategyKind;
use fleetbench_report::{MachineInfo, Report};

use crate::fleet::NetworkedFleetError;
use fleetbench_netem::{Method, NetworkSpec};
use fleetbench_report::network::session_round_trips;

/// What a network sweep runs (validated by the caller): `base`'s sizes, strategies, profile,
/// runs and folder, over each of `networks`, at one worker setting.
#[derive(Debug, Clone)]
pub struct NetworkSweepOptions {
    pub base: SweepOptions,
    pub networks: Vec<NetworkSpec>,
    pub method: Method,
    pub workers: Option<usize>,
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
        source: fleetbench_client::strategy::StrategyError,
    },
    #[error(transparent)]
    External(#[from] crate::external::ExternalError),
    #[error(transparent)]
    Output(#[from] OutputError),
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

fn write(path: PathBuf, bytes: &[u8], files: &mut Vec<PathBuf>) -> Result<(), OutputError> {
    output::write(&path, bytes, Access::Shared)?;
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

/// Runs the sweep; every compare's events go to `obs`. Unless the process is root, it must
/// have gained its namespace rights ([`fleetbench_netem::sys::gain_namespace_rights`]) before it
/// started any thread.
pub fn run(
    opts: &NetworkSweepOptions,
    obs: &dyn Observer,
) -> Result<NetworkSweepOutcome, NetworkSweepError> {
    let b = &opts.base;
    output::create_dir(&b.out)?;
    let mut out = NetworkSweepOutcome {
        dir: b.out.clone(),
        reports: Vec::new(),
        files: Vec::new(),
        failed_devices: 0,
    };
    write(
        b.out.join("setup.md"),
        setup_md(opts).as_bytes(),
        &mut out.files,
    )?;
    let copts = CompareOptions {
        external: Default::default(),
        strategies: b.strategies.clone(),
        runs: b.runs,
        warmup: b.warmup,
        run: RunConfig {
            workers: opts.workers,
            worker_exe: b.worker_exe.clone(),
            stop: b.stop.clone(),
            ..RunConfig::default()
        },
    };
    'all: for &n in &b.sizes {
        for net in &opts.networks {
            let mut spec = FleetSpec::new(n, b.profile_spec.clone());
            spec.seed = b.seed;
            let fleet =
                Fleet::behind_network(spec, &b.profile, net, opts.method).map_err(|source| {
                    NetworkSweepError::Fleet {
                        network: net.name.clone(),
                        devices: n,
                        source,
                    }
                })?;
            let job = Job::new(b.commands.clone(), fleet.host_keys.clone());
            let rep = compare::run(&copts, &fleet, &job, obs).map_err(|e| match e {
                compare::CompareError::Strategy { strategy, source } => {
                    NetworkSweepError::Strategy {
                        network: net.name.clone(),
                        devices: n,
                        strategy,
                        source,
                    }
                }
                compare::CompareError::External(e) => NetworkSweepError::External(e),
            })?;
            fleet.stop();
            out.failed_devices += rep.failed_devices();
            let path = b.out.join(format!("report-{}-n{n}.json", label(net)));
            output::write_json(&path, &rep, Access::Shared)?;
            out.files.push(path);
            out.reports.push(rep);
            if b.stop.is_requested() {
                break 'all;
            }
        }
    }
    write(
        b.out.join("networks.csv"),
        csv(&out.reports).as_bytes(),
        &mut out.files,
    )?;
    for &n in &b.sizes {
        let points = rtt_points(out.reports.iter().filter(|r| r.fleet.devices == n));
        if points.is_empty() {
            continue;
        }
        let subtitle = format!("{n} devices, profile {}, {}", b.profile, opts.method.name());
        let rounds = session_round_trips(b.commands.len(), opts.method);
        let svg = plot::wall_vs_rtt(&points, rounds, n, &subtitle)?;
        write(
            b.out.join(format!("wall-vs-rtt-n{n}.svg")),
            svg.as_bytes(),
            &mut out.files,
        )?;
    }
    write(
        b.out.join("summary.md"),
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
                .filter_map(move |s| {
                    Some(RttPoint {
                        strategy: s.strategy.kind()?,
                        network: r
                            .network
                            .as_ref()
                            .map_or_else(String::new, |n| n.profile.clone()),
                        rtt_ms: rtt,
                        median_s: s.wall_s.median,
                        min_s: s.wall_s.min,
                        max_s: s.wall_s.max,
                    })
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
                .get(fleetbench_report::histo::TOTAL)
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
    let b = &opts.base;
    let m = MachineInfo::current();
    let mut t = String::new();
    let _ = writeln!(t, "# Setup\n");
    let _ = writeln!(t, "- command: `{}`", b.command_line);
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
        b.sizes,
        opts.workers.map_or("default".into(), |w| w.to_string()),
        b.profile,
        b.seed,
        b.runs,
        b.warmup,
        b.commands
    );
    t
}

fn summary_md(opts: &NetworkSweepOptions, reports: &[Report]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Wall time against the network\n");
    let _ = writeln!(
        t,
        "A session needs {} round trips, so none is shorter than that many RTTs (the lower bound).\n",
        session_round_trips(opts.base.commands.len(), opts.method)
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
                crate::human::secs(s.wall_s.median),
                crate::human::secs(n.lower_bound_s),
                sn.total_round_trips,
                sn.retransmits
            );
        }
    }
    for &n in &opts.base.sizes {
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
