//! `fleetbench merge`: shard reports ([`crate::shard`]) back into one report of the fleet.
//!
//! # What is added, and how
//! - **Devices**: every shard's results, put back at their positions in the whole fleet
//!   (each shard report lists its devices' positions), so the merged `devices` are in
//!   inventory order, exactly once each.
//! - **Latency**: the per-phase HdrHistograms are added, sample for sample, and the
//!   percentiles are read from the sum: never an average of percentiles (the p99 of a fleet
//!   is not the mean of its shards' p99s).
//! - **Runs** are aligned by index (run k of every shard is run k of the fleet): wall time from
//!   the earliest shard start to the latest shard end; client CPU, emulator CPU and device
//!   counts summed; the ideal schedule and the slowest device are the largest shard's, since
//!   each shard's machine works on its own.
//! - **Peak RSS** stays per shard (`merged.shards[].strategies[].peak_rss_bytes`); the
//!   strategy's `peak_rss_bytes` is the largest single process's, as in any report.
//! - **Clock**: shard times are each machine's Unix time. Wall time across shards is only as
//!   good as the agreement of their clocks (NTP keeps machines within milliseconds); the
//!   merged report says so in `merged.clock`, and gives the spread of the shards' start times
//!   (`merged.start_spread_s`) so a shard that started late shows.
//!
//! # What is refused (exit 2, naming the difference)
//! Reports of different setups (schema, fleetbench version, commands, fleet kind, profile,
//! the fleet's devices, shard count, strategies, measured runs), a report that is not a shard,
//! a missing shard and a duplicated one.

use fleetbench_report::histo::{HistoError, LatencyHistograms};
pub use fleetbench_report::merged::{CLOCK_ASSUMPTION, MergeInfo, ShardStrategy, ShardSummary};
use fleetbench_report::shard::ShardInfo;
use fleetbench_report::{
    Cpu, DeviceResult, FleetInfo, MachineInfo, Report, RunSummary, Spread, StrategyKind,
    StrategyReport,
};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give the shard reports")]
    NoReports,
    #[error(
        "{file} is not a shard report (it has no \"shard\"): run each shard with --shard I/N or a job engine's index"
    )]
    NotShard { file: String },
    #[error(
        "{file} is a different setup: {what} is {value} there but {first_value} in {first_file}"
    )]
    Mismatch {
        file: String,
        what: String,
        value: String,
        first_file: String,
        first_value: String,
    },
    #[error("shard{} {} of {count} missing: have {have}", if missing.len() == 1 { "" } else { "s" }, list(missing))]
    Missing {
        missing: Vec<usize>,
        count: usize,
        have: String,
    },
    #[error("shard {index}/{count} is given twice: {first} and {second}")]
    Duplicate {
        index: usize,
        count: usize,
        first: String,
        second: String,
    },
    #[error("{file}: {reason}")]
    Inconsistent { file: String, reason: String },
    #[error("{file}: {source}")]
    Histogram { file: String, source: HistoError },
}

/// Indices listed in a message, at most this many (then "and N more").
const LISTED: usize = 20;

fn list(v: &[usize]) -> String {
    let shown = v
        .iter()
        .take(LISTED)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if v.len() > LISTED {
        format!("{shown} and {} more", v.len() - LISTED)
    } else {
        shown
    }
}

/// Merges shard reports (`(file name, report)`, any order) into the fleet's report.
pub fn merge(inputs: &[(String, Report)]) -> Result<Report, MergeError> {
    let shards = ordered_shards(inputs)?;
    let (first_file, first, first_info) = shards[0];
    for &(file, r, info) in &shards[1..] {
        same_setup(first_file, first, first_info, file, r, info)?;
    }
    let total = first_info.fleet_devices;
    // Every device of the fleet is in exactly one shard: the shards' positions, which their
    // reports hold, must add up to the size they claim (checked before anything is sized
    // from that claim).
    let listed: usize = shards.iter().map(|(_, _, i)| i.positions.len()).sum();
    if listed != total {
        return Err(MergeError::Inconsistent {
            file: shards
                .iter()
                .map(|(f, _, _)| *f)
                .collect::<Vec<_>>()
                .join(", "),
            reason: format!(
                "the shards hold {listed} device positions in all, but say the fleet has {total} devices"
            ),
        });
    }
    for &(file, r, info) in &shards {
        check_positions(file, r, info, total)?;
    }
    let strategies = first
        .strategies
        .iter()
        // Shards merge the built-in strategies; an external poller's row is its shard's own.
        .filter_map(|s| s.strategy.kind())
        .map(|k| merge_strategy(k, &shards, total))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = first.strategies.iter().map(|s| s.runs.len()).max();
    let start_spread_s = (0..runs.unwrap_or(0))
        .map(|k| {
            let starts: Vec<f64> = shards
                .iter()
                .flat_map(|(_, r, _)| r.strategies.iter().filter_map(|s| s.runs.get(k)))
                .map(|run| run.started_unix)
                .collect();
            spread_of(&starts)
        })
        .collect();
    let mut hosts: Vec<(&str, usize)> = Vec::new();
    for (_, r, _) in &shards {
        if !hosts.iter().any(|(h, _)| *h == r.machine.hostname) {
            hosts.push((&r.machine.hostname, r.machine.cores));
        }
    }
    let joined = |f: &dyn Fn(&MachineInfo) -> &str| {
        let mut v: Vec<&str> = shards.iter().map(|(_, r, _)| f(&r.machine)).collect();
        v.dedup();
        v.join(",")
    };
    let mut report = Report {
        schema: first.schema.clone(),
        fleetbench_version: first.fleetbench_version.clone(),
        created_unix: shards
            .iter()
            .map(|(_, r, _)| r.created_unix)
            .fold(0.0, f64::max),
        commands: first.commands.clone(),
        fleet: FleetInfo {
            devices: total,
            ..first.fleet.clone()
        },
        machine: MachineInfo {
            hostname: hosts.iter().map(|(h, _)| *h).collect::<Vec<_>>().join(","),
            // Shards on one machine share its cores: count each machine once.
            cores: hosts.iter().map(|(_, c)| c).sum(),
            os: joined(&|m| &m.os),
            arch: joined(&|m| &m.arch),
            // One machine's floor holds for its shards; machines apart have no one floor.
            floor: if hosts.len() == 1 {
                first.machine.floor.clone()
            } else {
                None
            },
        },
        strategies,
        shard: None,
        network: None,
        bastion: first.bastion.clone(),
        verdict: None,
        steady: None,
        // One shard cut short makes the fleet's report partial.
        interrupted: shards.iter().any(|(_, r, _)| r.interrupted),
        // A tune's search is one process's; shards of it do not add up.
        tune: None,
        merged: Some(MergeInfo {
            shards: first_info.count,
            fleet_digest: first_info.fleet_digest.clone(),
            clock: CLOCK_ASSUMPTION.to_string(),
            start_spread_s,
            shard_reports: shards
                .iter()
                .map(|&(file, r, info)| ShardSummary {
                    index: info.index,
                    file: file.to_string(),
                    source: info.source,
                    hostname: r.machine.hostname.clone(),
                    cores: r.machine.cores,
                    devices: info.positions.len(),
                    created_unix: r.created_unix,
                    strategies: r
                        .strategies
                        .iter()
                        .filter_map(|s| Some((s, s.strategy.kind()?)))
                        .map(|(s, strategy)| ShardStrategy {
                            strategy,
                            workers: s.workers,
                            wall_s: s.wall_s,
                            cpu_s: s.cpu_s,
                            peak_rss_bytes: s.peak_rss_bytes,
                            peak_rss_children_bytes: s.peak_rss_children_bytes,
                        })
                        .collect(),
                })
                .collect(),
        }),
    };
    report.compute_speedups();
    Ok(report)
}

type ShardRef<'a> = (&'a str, &'a Report, &'a ShardInfo);

/// The shard reports by index, each exactly once, all of the same count.
fn ordered_shards(inputs: &[(String, Report)]) -> Result<Vec<ShardRef<'_>>, MergeError> {
    let mut all = Vec::with_capacity(inputs.len());
    for (file, r) in inputs {
        let info = r
            .shard
            .as_ref()
            .ok_or_else(|| MergeError::NotShard { file: file.clone() })?;
        all.push((file.as_str(), r, info));
    }
    let Some(&(first_file, _, first)) = all.first() else {
        return Err(MergeError::NoReports);
    };
    let count = first.count;
    if count == 0 || count > crate::shard::MAX_SHARDS {
        return Err(MergeError::Inconsistent {
            file: first_file.to_string(),
            reason: format!(
                "a shard count of {count} is not between 1 and {}",
                crate::shard::MAX_SHARDS
            ),
        });
    }
    let mut slots: Vec<Option<ShardRef<'_>>> = vec![None; count];
    for &(file, r, info) in &all {
        if info.count != count {
            return Err(MergeError::Mismatch {
                file: file.to_string(),
                what: "the shard count".into(),
                value: info.count.to_string(),
                first_file: first_file.to_string(),
                first_value: count.to_string(),
            });
        }
        let slot = slots
            .get_mut(info.index)
            .ok_or_else(|| MergeError::Inconsistent {
                file: file.to_string(),
                reason: format!("shard index {} is not below its count {count}", info.index),
            })?;
        if let Some((other, _, _)) = slot {
            return Err(MergeError::Duplicate {
                index: info.index,
                count,
                first: other.to_string(),
                second: file.to_string(),
            });
        }
        *slot = Some((file, r, info));
    }
    let missing: Vec<usize> = (0..count).filter(|&i| slots[i].is_none()).collect();
    if !missing.is_empty() {
        let have: Vec<usize> = (0..count).filter(|&i| slots[i].is_some()).collect();
        return Err(MergeError::Missing {
            missing,
            count,
            have: list(&have),
        });
    }
    Ok(slots.into_iter().flatten().collect())
}

fn same_setup(
    first_file: &str,
    a: &Report,
    ai: &ShardInfo,
    file: &str,
    b: &Report,
    bi: &ShardInfo,
) -> Result<(), MergeError> {
    let check = |what: &str, first: String, value: String| {
        if first == value {
            Ok(())
        } else {
            Err(MergeError::Mismatch {
                file: file.to_string(),
                what: what.to_string(),
                value,
                first_file: first_file.to_string(),
                first_value: first,
            })
        }
    };
    check("the report schema", a.schema.clone(), b.schema.clone())?;
    check(
        "the fleetbench version",
        a.fleetbench_version.clone(),
        b.fleetbench_version.clone(),
    )?;
    check(
        "the command list",
        format!("{:?}", a.commands),
        format!("{:?}", b.commands),
    )?;
    let kind = |r: &Report| {
        if r.fleet.emulated {
            "emulated"
        } else {
            "an inventory"
        }
    };
    check("the fleet", kind(a).into(), kind(b).into())?;
    check(
        "the profile",
        format!("{:?}", a.fleet.profile),
        format!("{:?}", b.fleet.profile),
    )?;
    check(
        "the fleet's size",
        ai.fleet_devices.to_string(),
        bi.fleet_devices.to_string(),
    )?;
    check(
        "the fleet's device names (digest)",
        ai.fleet_digest.clone(),
        bi.fleet_digest.clone(),
    )?;
    let kinds = |r: &Report| {
        r.strategies
            .iter()
            .map(|s| s.strategy.name())
            .collect::<Vec<_>>()
            .join(",")
    };
    check("the strategy list", kinds(a), kinds(b))?;
    for (sa, sb) in a.strategies.iter().zip(&b.strategies) {
        check(
            &format!("the number of measured runs of {}", sa.strategy),
            sa.runs.len().to_string(),
            sb.runs.len().to_string(),
        )?;
    }
    Ok(())
}

/// Every strategy lists one result per position, and positions are inside the fleet.
fn check_positions(
    file: &str,
    r: &Report,
    info: &ShardInfo,
    total: usize,
) -> Result<(), MergeError> {
    let bad = |reason: String| MergeError::Inconsistent {
        file: file.to_string(),
        reason,
    };
    if let Some(p) = info.positions.iter().find(|&&p| p >= total) {
        return Err(bad(format!(
            "device position {p} is outside the fleet of {total}"
        )));
    }
    for s in &r.strategies {
        if s.devices.len() != info.positions.len() {
            return Err(bad(format!(
                "{} has {} device results for {} positions",
                s.strategy,
                s.devices.len(),
                info.positions.len()
            )));
        }
    }
    Ok(())
}

fn merge_strategy(
    kind: StrategyKind,
    shards: &[ShardRef<'_>],
    total: usize,
) -> Result<StrategyReport, MergeError> {
    let parts: Vec<(&str, &StrategyReport, &ShardInfo)> = shards
        .iter()
        .filter_map(|&(f, r, i)| {
            r.strategies
                .iter()
                .find(|s| s.strategy == kind)
                .map(|s| (f, s, i))
        })
        .collect();
    let mut slots: Vec<Option<DeviceResult>> = vec![None; total];
    let mut histos = LatencyHistograms::new();
    for &(file, s, info) in &parts {
        for (d, &p) in s.devices.iter().zip(&info.positions) {
            if slots[p].is_some() {
                return Err(MergeError::Inconsistent {
                    file: file.to_string(),
                    reason: format!("device position {p} ({}) is in another shard too", d.name),
                });
            }
            slots[p] = Some(d.clone());
        }
        let h =
            LatencyHistograms::decode(&s.histograms).map_err(|source| MergeError::Histogram {
                file: file.to_string(),
                source,
            })?;
        // A histogram counts devices of measured runs: it cannot hold more sessions than the
        // shard polled, or it would outweigh every other shard in the sum.
        let sessions = (info.positions.len() as u64).saturating_mul(s.runs.len() as u64);
        if h.max_count() > sessions {
            return Err(MergeError::Inconsistent {
                file: file.to_string(),
                reason: format!(
                    "{}'s latency histograms count {} sessions, more than its {} devices in {} runs",
                    s.strategy,
                    h.max_count(),
                    info.positions.len(),
                    s.runs.len()
                ),
            });
        }
        histos.merge(&h).map_err(|source| MergeError::Histogram {
            file: file.to_string(),
            source,
        })?;
    }
    if let Some(p) = slots.iter().position(Option::is_none) {
        return Err(MergeError::Inconsistent {
            file: shards
                .iter()
                .map(|(f, _, _)| *f)
                .collect::<Vec<_>>()
                .join(", "),
            reason: format!("no shard polled the device at position {p} of {total}"),
        });
    }
    let devices: Vec<DeviceResult> = slots.into_iter().flatten().collect();
    let n_runs = parts
        .iter()
        .map(|(_, s, _)| s.runs.len())
        .min()
        .unwrap_or(0);
    let runs: Vec<RunSummary> = (0..n_runs)
        .map(|k| merge_run(parts.iter().map(|(_, s, _)| &s.runs[k])))
        .collect();
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let cpus: Vec<f64> = runs.iter().map(|r| r.cpu.total_s()).collect();
    let cpu_s = Spread::of(&cpus);
    let sum = |f: fn(&StrategyReport) -> usize| parts.iter().map(|(_, s, _)| f(s)).sum();
    let max = |f: fn(&StrategyReport) -> u64| parts.iter().map(|(_, s, _)| f(s)).max();
    Ok(StrategyReport {
        external: None,
        device_view: None,
        bastion: None,
        device_limits: parts
            .iter()
            .filter_map(|(_, s, _)| s.device_limits.clone())
            .reduce(|a, b| a.merged(&b)),
        strategy: kind.into(),
        workers: sum(|s| s.workers),
        wall_s: Spread::of(&walls),
        runs,
        cpu_per_device_s: cpu_s.median / total.max(1) as f64,
        devices,
        speedup: None,
        cpu_s,
        threads: sum(|s| s.threads),
        processes: sum(|s| s.processes),
        latency_s: histos.percentiles(),
        histograms: histos.encode().map_err(|source| MergeError::Histogram {
            file: "the merged report".into(),
            source,
        })?,
        peak_rss_bytes: max(|s| s.peak_rss_bytes).unwrap_or(0),
        peak_rss_children_bytes: max(|s| s.peak_rss_children_bytes).unwrap_or(0),
        efficiency: None,
        floor_multiple: None,
    })
}

/// Run k of every shard as run k of the fleet (module docs).
fn merge_run<'a>(runs: impl Iterator<Item = &'a RunSummary>) -> RunSummary {
    let mut m = RunSummary {
        wall_s: 0.0,
        ok: 0,
        failed: 0,
        startup_s: 0.0,
        cpu: Cpu::default(),
        server_cpu_s: 0.0,
        ideal_s: 0.0,
        slowest_s: 0.0,
        // Percentiles of shards' runs do not merge: the run's own p99 stays unknown (the
        // strategy's p99 comes from the added histograms).
        p99_s: 0.0,
        started_unix: f64::INFINITY,
        ended_unix: 0.0,
        peak_rss_bytes: None,
    };
    for r in runs {
        // Each shard is its own process: the run's peak is the largest process's, as the
        // strategy's is (module docs).
        m.peak_rss_bytes = m.peak_rss_bytes.max(r.peak_rss_bytes);
        m.ok += r.ok;
        m.failed += r.failed;
        m.startup_s = m.startup_s.max(r.startup_s);
        m.cpu.user_s += r.cpu.user_s;
        m.cpu.sys_s += r.cpu.sys_s;
        m.server_cpu_s += r.server_cpu_s;
        m.ideal_s = m.ideal_s.max(r.ideal_s);
        m.slowest_s = m.slowest_s.max(r.slowest_s);
        m.started_unix = m.started_unix.min(r.started_unix);
        m.ended_unix = m.ended_unix.max(r.ended());
    }
    if !m.started_unix.is_finite() {
        m.started_unix = 0.0;
    }
    m.wall_s = (m.ended_unix - m.started_unix).max(0.0);
    m
}

fn spread_of(v: &[f64]) -> f64 {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() {
        hi - lo
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
