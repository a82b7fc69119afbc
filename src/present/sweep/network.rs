//! The files of a network sweep's folder:
//!
//! ```text
//! <out>/
//!   report-<network>-n<N>.json   the raw reports, each with its `network` object
//!   networks.csv                 one row per network x size x strategy
//!   wall-vs-rtt-n<N>.svg         median wall time against RTT per strategy, the bounds dashed
//!   summary.md, setup.md
//! ```

use crate::present::human;
use crate::present::plot::{self, PlotError, RttPoint};
use crate::sweep::network::{NetworkSweepOptions, Point};
use crate::sweep::setup::Setup;
use fleetbench_netem::NetworkSpec;
use fleetbench_report::Report;
use fleetbench_report::network::session_round_trips;
use std::fmt::Write as _;

/// A file-name-safe label of a network (`continental`, `rtt-80ms-loss-1pct`).
pub fn label(spec: &NetworkSpec) -> String {
    spec.name
        .replace('%', "pct")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The report file of a point.
pub fn report_file(p: &Point) -> String {
    format!("report-{}-n{}.json", label(&p.network), p.devices)
}

/// One `wall-vs-rtt-n<N>.svg` per fleet size with points: its file name and the SVG.
pub fn rtt_plots(
    opts: &NetworkSweepOptions,
    points: &[Point],
) -> Result<Vec<(String, String)>, PlotError> {
    let b = &opts.base;
    let mut out = Vec::new();
    for &n in &b.sizes {
        let rtt = rtt_points(
            points
                .iter()
                .map(|p| &p.report)
                .filter(|r| r.fleet.devices == n),
        );
        if rtt.is_empty() {
            continue;
        }
        let subtitle = format!("{n} devices, profile {}, {}", b.profile, opts.method.name());
        let rounds = session_round_trips(b.commands.len(), opts.method);
        out.push((
            format!("wall-vs-rtt-n{n}.svg"),
            plot::wall_vs_rtt(&rtt, rounds, n, &subtitle)?,
        ));
    }
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
pub fn csv(points: &[Point]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{CSV_HEADER}");
    for r in points.iter().map(|p| &p.report) {
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

/// `setup.md` of a network sweep.
pub fn setup_md(opts: &NetworkSweepOptions, setup: &Setup) -> String {
    let b = &opts.base;
    let m = &setup.machine;
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

/// `summary.md` of a network sweep: one table row per network x size x strategy.
pub fn summary_md(opts: &NetworkSweepOptions, points: &[Point]) -> String {
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
    for r in points.iter().map(|p| &p.report) {
        let Some(n) = &r.network else { continue };
        for (s, sn) in r.strategies.iter().zip(&n.strategies) {
            let _ = writeln!(
                t,
                "| {} | {:.0} ms | {} | {} | {} | {} | {:.2} | {} |",
                n.profile,
                rtt_ms(r),
                r.fleet.devices,
                s.strategy.name(),
                human::secs(s.wall_s.median),
                human::secs(n.lower_bound_s),
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
