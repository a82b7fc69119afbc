//! Computes the answer of a comparison ([`crate::verdict::Verdict`]) from a report: the
//! fastest comparable row and its speed-ups, the rows not compared, failures by kind across
//! rows, what shaped the figures; and [`Report::compute_speedups`], which fills the fields
//! that compare rows and stores the verdict.

use crate::network::{SESSION_ROUND_TRIPS, phase_round_trips, session_round_trips};
use crate::outcome::{self, comparability, polled};
use crate::report::{Report, StrategyReport};
use crate::strategy::StrategyKind;
use crate::verdict::{
    BUSY_FLAG, Distortion, FailureGroup, Fastest, NAMED_DEVICES, ROUND_TRIP_RATIO,
    ROUND_TRIP_SLACK, RowCount, RowNotComparable, Speedup, Verdict, WallMean, ratio,
};

/// A row's measured wall times as a mean and a standard deviation.
pub fn wall_mean(s: &StrategyReport) -> WallMean {
    WallMean::of_walls(&s.runs.iter().map(|r| r.wall_s).collect::<Vec<_>>())
}

/// The failures of every row's last run, one group per kind, most devices first (ties by
/// kind name).
pub fn failure_groups(r: &Report) -> Vec<FailureGroup> {
    let mut groups: Vec<FailureGroup> = Vec::new();
    // Per kind, the device names seen, in first-seen order (inventory order within a row).
    let mut names: Vec<Vec<String>> = Vec::new();
    for s in &r.strategies {
        for g in outcome::error_groups(s) {
            let i = match groups.iter().position(|x| x.kind == g.kind) {
                Some(i) => i,
                None => {
                    groups.push(FailureGroup {
                        kind: g.kind.clone(),
                        phases: Vec::new(),
                        devices: 0,
                        named: Vec::new(),
                        rows: Vec::new(),
                        example: g.example.clone(),
                    });
                    names.push(Vec::new());
                    groups.len() - 1
                }
            };
            for p in &g.phases {
                if !groups[i].phases.contains(p) {
                    groups[i].phases.push(*p);
                }
            }
            groups[i].rows.push(RowCount {
                row: s.strategy.name().to_string(),
                devices: g.devices.len(),
            });
            for d in g.devices {
                if !names[i].contains(&d) {
                    names[i].push(d);
                }
            }
        }
    }
    for (g, n) in groups.iter_mut().zip(names) {
        g.devices = n.len();
        g.named = n.into_iter().take(NAMED_DEVICES).collect();
    }
    groups.sort_by(|a, b| b.devices.cmp(&a.devices).then_with(|| a.kind.cmp(&b.kind)));
    groups
}

/// What shaped the figures besides the devices and the link, per comparable row.
pub fn distortions(r: &Report) -> Vec<Distortion> {
    let mut out = Vec::new();
    let cores = r.machine.cores.max(1);
    // The bound is the CPU's when its CPU term is the larger one.
    let cpu_binds = crate::stats::bound_terms(r).is_some_and(|(latency, cpu)| cpu >= latency);
    for s in r.strategies.iter().filter(|s| polled(s)) {
        let busy: Vec<f64> = s
            .runs
            .iter()
            .filter(|x| x.wall_s > 0.0)
            .map(|x| (x.cpu.total_s() + x.server_cpu_s) / (cores as f64 * x.wall_s))
            .collect();
        if busy.is_empty() {
            continue;
        }
        let median = crate::spread::Spread::of(&busy).median;
        let at_bound = s
            .efficiency
            .map(|e| e.cpu_bound)
            .filter(|b| cpu_binds && *b >= BUSY_FLAG);
        if median >= BUSY_FLAG || at_bound.is_some() {
            let cpu: Vec<f64> = s
                .runs
                .iter()
                .map(|x| x.cpu.total_s() + x.server_cpu_s)
                .collect();
            out.push(Distortion::CpuBusy {
                row: s.strategy.name().to_string(),
                busy: median,
                cpu_s: crate::spread::Spread::of(&cpu).median,
                wall_s: s.wall_s.median,
                cores,
                cpu_bound: at_bound,
            });
        }
    }
    let Some(n) = &r.network else {
        return out;
    };
    let lossless = n.classes.iter().all(|c| c.link.loss == 0.0);
    let commands = n
        .session_round_trips
        .saturating_sub(session_round_trips(0, n.method)) as usize;
    for sn in &n.strategies {
        let Some(s) = r
            .strategies
            .iter()
            .find(|s| s.strategy.name() == sn.strategy)
        else {
            continue;
        };
        if !polled(s) {
            continue;
        }
        let drops = sn.traffic.map_or(0, |t| t.queue_drops);
        if lossless && drops == 0 && sn.retransmits > 0 {
            out.push(Distortion::Retransmits {
                row: sn.strategy.clone(),
                sessions: sn.retransmitting_sessions,
                of: s.devices.len(),
                retransmits: sn.retransmits,
            });
        }
        for &(phase, k) in SESSION_ROUND_TRIPS {
            let model = phase_round_trips(phase, k, commands, n.method);
            let Some(&measured) = sn.round_trips.get(phase.as_str()) else {
                continue;
            };
            let m = f64::from(model);
            if model > 0 && measured >= m + ROUND_TRIP_SLACK && measured >= m * ROUND_TRIP_RATIO {
                out.push(Distortion::ExtraRoundTrips {
                    row: sn.strategy.clone(),
                    phase,
                    measured,
                    model,
                });
            }
        }
    }
    out
}

impl Verdict {
    /// The verdict of `r` (its rows as they are; speed-ups and bounds need not be filled).
    pub fn of(r: &Report) -> Verdict {
        let mut not_comparable = Vec::new();
        let mut rows: Vec<(&StrategyReport, WallMean)> = Vec::new();
        for s in &r.strategies {
            match comparability(s) {
                Ok(()) => rows.push((s, wall_mean(s))),
                Err(why) => not_comparable.push(RowNotComparable {
                    row: s.strategy.name().to_string(),
                    why,
                }),
            }
        }
        let fastest = rows
            .iter()
            .filter(|(_, w)| w.mean_s > 0.0)
            .min_by(|a, b| a.1.mean_s.total_cmp(&b.1.mean_s))
            .copied();
        let mut speedups = Vec::new();
        if let Some((f, fw)) = fastest {
            for (s, w) in &rows {
                if s.strategy == f.strategy {
                    continue;
                }
                if let Some((times, plus_minus)) = ratio(&fw, w) {
                    speedups.push(Speedup {
                        row: s.strategy.name().to_string(),
                        wall: *w,
                        times,
                        plus_minus,
                        ok: s.ok(),
                    });
                }
            }
            speedups.sort_by(|a, b| a.times.total_cmp(&b.times));
        }
        Verdict {
            fastest: fastest.map(|(s, wall)| Fastest {
                row: s.strategy.name().to_string(),
                wall,
                ok: s.ok(),
            }),
            speedups,
            not_comparable,
            failures: failure_groups(r),
            distortions: distortions(r),
        }
    }
}

/// The figures that compare strategies within a report: derived here, stored in the
/// report so every reader sees the same ones.
impl Report {
    /// Fills the fields that compare strategies: `speedup` of every row from the sequential
    /// median, if sequential ran, `efficiency` ([`Report::compute_efficiency`]) and the
    /// `verdict` ([`Verdict::of`]). A row whose runs failed ([`comparability`]) gets neither
    /// speed-up nor efficiency, and when sequential's runs failed no row has a speed-up
    /// against it.
    pub fn compute_speedups(&mut self) {
        self.compute_efficiency();
        self.compute_floor_multiples();
        let seq = self
            .strategies
            .iter()
            .find(|s| s.strategy == StrategyKind::Sequential)
            .filter(|s| polled(s))
            .map(|s| s.wall_s.median);
        for s in &mut self.strategies {
            let polled = polled(s);
            s.speedup = seq
                .filter(|_| s.wall_s.median > 0.0 && polled)
                .map(|q| q / s.wall_s.median);
        }
        self.verdict = Some(Verdict::of(self));
    }
}

#[cfg(test)]
mod tests;
